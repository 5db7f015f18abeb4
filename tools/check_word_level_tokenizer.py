"""Cross-checks the demo task's word-level tokenizer against Hugging Face transformers.

Usage: /opt/pyref/bin/python tools/check_word_level_tokenizer.py DATA_DIR [DJL_IDS_JSONL]

DATA_DIR is a directory written by DemoTask.generate (corpus.jsonl, sft.jsonl, tokenizer/). The
script loads DATA_DIR/tokenizer with PreTrainedTokenizerFast.from_pretrained and AutoTokenizer and
checks, for every corpus text and every SFT prompt + completion, that the ids are <bos> followed by
the vocabulary id of each space-separated word (what WordLevelTokenizerWriterTest asserts for DJL)
and that decoding without special tokens gives the text back; then that apply_chat_template renders
and tokenizes as the Java side does. With DJL_IDS_JSONL (lines {"text", "ids", "decoded"} dumped
from DJL's HuggingFaceTokenizer) it also compares with DJL directly. Not part of the Java build.
"""
import json
import os
import sys

from transformers import AutoTokenizer, PreTrainedTokenizerFast


def texts(data_dir):
    with open(os.path.join(data_dir, "corpus.jsonl")) as f:
        for line in f:
            yield json.loads(line)["text"]
    with open(os.path.join(data_dir, "sft.jsonl")) as f:
        for line in f:
            record = json.loads(line)
            yield record["prompt"] + record["completion"]


def main(data_dir, djl_ids=None):
    tokenizer_dir = os.path.join(data_dir, "tokenizer")
    fast = PreTrainedTokenizerFast.from_pretrained(tokenizer_dir)
    auto = AutoTokenizer.from_pretrained(tokenizer_dir)
    vocab = fast.get_vocab()
    for tok in (fast, auto):
        assert (tok.pad_token_id, tok.bos_token_id, tok.eos_token_id, tok.unk_token_id) == (0, 1, 2, 3), tok
    checked = 0
    for text in texts(data_dir):
        expected = [1] + [vocab[w] for w in text.split()]
        for tok in (fast, auto):
            ids = tok(text)["input_ids"]
            assert ids == expected, (text, ids, expected)
            assert tok.decode(ids, skip_special_tokens=True) == " ".join(text.split()), text
        checked += 1
    compared = 0
    if djl_ids:
        with open(djl_ids) as f:
            for line in f:
                record = json.loads(line)
                ids = fast(record["text"])["input_ids"]
                assert ids == record["ids"], (record, ids)
                assert fast.decode(ids, skip_special_tokens=True) == record["decoded"], record
                compared += 1
    messages = [{"role": "user", "content": "review the phone :"},
                {"role": "assistant", "content": " the battery was good ."}]
    text = fast.apply_chat_template(messages, tokenize=False)
    assert text == "<bos>review the phone : the battery was good . <eos> ", repr(text)
    ids = fast.apply_chat_template(messages, tokenize=True)
    if hasattr(ids, "keys"):
        ids = ids["input_ids"]
    assert ids == fast("review the phone : the battery was good .")["input_ids"] + [2], ids
    print(f"ok: {checked} texts encode to <bos> + word ids and decode back in transformers"
          + (f"; {compared} texts give the same ids and decoded text as DJL" if djl_ids else "")
          + f"; chat template renders {text!r}")


if __name__ == "__main__":
    main(*sys.argv[1:])
