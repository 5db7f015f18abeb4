"""Cross-checks the demo task's word-level tokenizer against Hugging Face transformers.

Usage: python tools/check_word_level_tokenizer.py TOKENIZER_DIR IDS_JSONL

TOKENIZER_DIR is a directory written by WordLevelTokenizerWriter (DemoTask writes DIR/tokenizer/).
IDS_JSONL holds lines {"text": ..., "ids": [...], "decoded": ...} produced with DJL's
HuggingFaceTokenizer (encode with special tokens, decode skipping them). The script loads the
directory with PreTrainedTokenizerFast.from_pretrained and AutoTokenizer, and checks that both give
the same ids and decoded texts, the same special tokens, and that apply_chat_template renders and
tokenizes as expected. Not part of the Java build; run it by hand after changing the writer.
"""
import json
import sys

from transformers import AutoTokenizer, PreTrainedTokenizerFast


def main(tokenizer_dir, ids_path):
    fast = PreTrainedTokenizerFast.from_pretrained(tokenizer_dir)
    auto = AutoTokenizer.from_pretrained(tokenizer_dir)
    for tok in (fast, auto):
        assert (tok.pad_token_id, tok.bos_token_id, tok.eos_token_id, tok.unk_token_id) == (0, 1, 2, 3), tok
        assert tok.model_max_length == 32, tok.model_max_length
    checked = 0
    with open(ids_path) as f:
        for line in f:
            record = json.loads(line)
            for tok in (fast, auto):
                ids = tok(record["text"])["input_ids"]
                assert ids == record["ids"], (record, ids)
                decoded = tok.decode(ids, skip_special_tokens=True)
                assert decoded == record["decoded"], (record, decoded)
            checked += 1
    messages = [{"role": "user", "content": "review the phone :"},
                {"role": "assistant", "content": " the battery was good ."}]
    text = fast.apply_chat_template(messages, tokenize=False)
    assert text == "<bos>review the phone : the battery was good . <eos> ", repr(text)
    ids = fast.apply_chat_template(messages, tokenize=True)
    if isinstance(ids, dict) or hasattr(ids, "keys"):
        ids = ids["input_ids"]
    assert ids == fast("review the phone : the battery was good .")["input_ids"] + [2], ids
    print(f"ok: {checked} texts give the same ids and decoded text in transformers as in DJL; "
          f"chat template renders {text!r}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
