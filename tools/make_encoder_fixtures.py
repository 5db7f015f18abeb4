#!/usr/bin/env python3
"""Writes the encoder reward-model fixtures for rlhf4j (BERT, RoBERTa, DeBERTa-v2/v3).

For each family a tokenizer is built here with the ``tokenizers`` library (WordPiece for BERT,
byte-level BPE for RoBERTa, Unigram for DeBERTa, each with its family's post-processor), and a
tiny, randomly initialised ``*ForSequenceClassification`` with one label is built with
transformers and saved with its own ``save_pretrained``. ``expected.json`` next to each model
records what transformers computes in eval mode: the token ids (and token type ids) of a few
texts and text pairs, and the logit of each text, one by one and as one right-padded batch.

Run from the repository root (see tools/README.md):

    /opt/pyref/bin/python tools/make_encoder_fixtures.py
    /opt/pyref/bin/python tools/make_encoder_fixtures.py --check DIR   # score texts with a saved model

``--check DIR`` loads a directory (one that rlhf4j wrote, say) with transformers'
``AutoModelForSequenceClassification`` and ``AutoTokenizer`` and prints the logit of each
fixture text, so the numbers can be compared with what rlhf4j prints for the same directory.

Everything is seeded and runs on one CPU thread: re-running writes identical files.
"""

import argparse
import json
import math
import platform
import re
import shutil
import sys
from pathlib import Path

import safetensors
import tokenizers
import torch
import transformers
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    BertConfig,
    BertForSequenceClassification,
    DebertaV2Config,
    DebertaV2ForSequenceClassification,
    PreTrainedTokenizerFast,
    RobertaConfig,
    RobertaForSequenceClassification,
)

FORMAT = "rlhf4j-encoder-fixture/1"
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "core/src/test/resources/fixtures/encoders"
SEED = 20261203
WEIGHT_STD = 0.2  # matrices and embeddings; biases N(0, 0.2); LayerNorm gains 1 + N(0, 0.2)

CORPUS = """\
The night train left the coast at ten and climbed slowly into the hills. Most passengers slept,
but a few stayed awake by the windows, watching the lights of small villages pass in the dark.
A conductor walked through the carriages, checking tickets and answering quiet questions about
the next station, the weather in the mountains and the time of the morning connection.

At the border the train stopped for an hour. Guards came aboard with lamps and asked for papers.
A woman in the third carriage could not find her passport; she searched her bag twice, then found
it inside a book she had been reading. Everyone laughed, the guard smiled, and the train moved on.

By dawn the valley opened below the tracks. Rivers shone between the fields, and the first farmers
were already at work. The dining car served coffee, bread and cheese. How far is the city? Two more
hours, said the waiter, perhaps three if the snow is heavy on the pass. Thank you, that is helpful!
"""

# Plain texts (some long enough for DeBERTa's log-bucketed relative positions), one with
# characters outside the training corpus, and (prompt, response) pairs: a reward model reads a
# pair as the single text prompt + response.
TEXTS = [
    "The train left at ten.",
    "How far is the city? Two more hours, said the waiter.",
    "A woman could not find her passport; she searched her bag twice, then found it inside a book.",
    "Café au lait — naïve façade, 42 €!",
    "ok",
]
PAIRS = [
    ["Question: how far is the city?", " Answer: two more hours."],
    ["Question: how far is the city?", " Answer: the train has no windows."],
    ["Where did she find the passport?", " Inside a book she had been reading."],
]


def train_corpus():
    return [p.replace("\n", " ") for p in CORPUS.split("\n\n")]


def word_counts(lowercase):
    """Words of the corpus by count (ties alphabetically): the vocabularies below are built from them
    directly, since the Rust WordPiece and Unigram trainers order tied entries differently from run
    to run."""
    counts = {}
    for w in re.findall(r"\w+", CORPUS.lower() if lowercase else CORPUS):
        counts[w] = counts.get(w, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def wordpiece_tokenizer():
    """BERT: lowercasing normalizer, WordPiece, [CLS] A [SEP] (B [SEP], type 1)."""
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    chars = sorted(set(c for c in CORPUS.lower() if not c.isspace()))
    vocab = specials + chars + ["##" + c for c in chars if c.isalnum()] + ["##s", "##ed", "##ing"]
    for w, _ in word_counts(lowercase=True):
        if len(vocab) >= 140:
            break
        if w not in vocab:
            vocab.append(w)
    tok = Tokenizer(models.WordPiece({t: i for i, t in enumerate(vocab)}, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", tok.token_to_id("[CLS]")), ("[SEP]", tok.token_to_id("[SEP]"))])
    return PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", sep_token="[SEP]",
                                   pad_token="[PAD]", cls_token="[CLS]", mask_token="[MASK]")


def bpe_tokenizer():
    """RoBERTa: byte-level BPE, <s> A </s> (</s></s> B </s>)."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    tok.train_from_iterator(train_corpus(), trainers.BpeTrainer(
        vocab_size=300, min_frequency=2, special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False))
    tok.post_processor = processors.RobertaProcessing(
        ("</s>", tok.token_to_id("</s>")), ("<s>", tok.token_to_id("<s>")), trim_offsets=True,
        add_prefix_space=False)
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>",
                                   sep_token="</s>", cls_token="<s>", unk_token="<unk>",
                                   pad_token="<pad>", mask_token="<mask>")


def unigram_tokenizer():
    """DeBERTa-v2/v3: SentencePiece-style Unigram with Metaspace, [CLS] A [SEP] (B [SEP], type 1)."""
    specials = ["[PAD]", "[CLS]", "[SEP]", "[UNK]", "[MASK]"]
    pieces = [(t, 0.0) for t in specials]
    chars = sorted(set(c for c in CORPUS if not c.isspace()))
    pieces += [("\u2581", -3.0)] + [(c, -8.0 - 0.01 * i) for i, c in enumerate(chars)]
    words = word_counts(lowercase=False)
    total = sum(n for _, n in words)
    for w, n in words:
        if len(pieces) >= 140:
            break
        if len(w) > 1:
            pieces.append(("\u2581" + w, math.log(n / total)))
    tok = Tokenizer(models.Unigram(pieces, unk_id=specials.index("[UNK]"), byte_fallback=False))
    tok.normalizer = normalizers.Sequence([normalizers.Replace("``", '"'), normalizers.Replace("''", '"')])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", tok.token_to_id("[CLS]")), ("[SEP]", tok.token_to_id("[SEP]"))])
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="[CLS]", eos_token="[SEP]",
                                   unk_token="[UNK]", sep_token="[SEP]", pad_token="[PAD]",
                                   cls_token="[CLS]", mask_token="[MASK]")


COMMON = dict(hidden_size=24, num_hidden_layers=2, num_attention_heads=4, intermediate_size=20,
              hidden_act="gelu", num_labels=1)


def bert(tok):
    cfg = BertConfig(**COMMON, vocab_size=len(tok), max_position_embeddings=64, type_vocab_size=2,
                     pad_token_id=tok.pad_token_id, layer_norm_eps=1e-12)
    return BertForSequenceClassification(cfg)


def roberta(tok):
    cfg = RobertaConfig(**COMMON, vocab_size=len(tok), max_position_embeddings=66, type_vocab_size=1,
                        pad_token_id=tok.pad_token_id, bos_token_id=tok.bos_token_id,
                        eos_token_id=tok.eos_token_id, layer_norm_eps=1e-5)
    return RobertaForSequenceClassification(cfg)


def deberta_v3(tok):
    """v3 layout: shared attention keys, log buckets, no absolute positions, LayerNorm on rel. embeddings."""
    cfg = DebertaV2Config(**COMMON, vocab_size=len(tok), max_position_embeddings=64, type_vocab_size=0,
                          relative_attention=True, position_buckets=8, max_relative_positions=-1,
                          norm_rel_ebd="layer_norm", share_att_key=True, pos_att_type="p2c|c2p",
                          position_biased_input=False, layer_norm_eps=1e-7, pad_token_id=tok.pad_token_id,
                          pooler_hidden_act="gelu")
    return DebertaV2ForSequenceClassification(cfg)


def deberta_v2(tok):
    """v2 layout: separate pos_key/pos_query projections, no buckets, absolute positions, tanh pooler (width 16)."""
    small = dict(COMMON, hidden_size=16, num_attention_heads=2, intermediate_size=20)
    cfg = DebertaV2Config(**small, vocab_size=len(tok), max_position_embeddings=64, type_vocab_size=0,
                          relative_attention=True, position_buckets=-1, max_relative_positions=-1,
                          norm_rel_ebd="none", share_att_key=False, pos_att_type=["p2c", "c2p"],
                          position_biased_input=True, layer_norm_eps=1e-7, pad_token_id=tok.pad_token_id,
                          pooler_hidden_act="tanh")
    return DebertaV2ForSequenceClassification(cfg)


FAMILIES = {
    "bert": (wordpiece_tokenizer, bert),
    "roberta": (bpe_tokenizer, roberta),
    "deberta-v3": (unigram_tokenizer, deberta_v3),
    "deberta-v2": (unigram_tokenizer, deberta_v2),
}


def randomize(model, seed):
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=gen, dtype=torch.float32)
            if name.endswith("bias"):
                p.copy_(noise * WEIGHT_STD)
            elif p.ndim == 1:
                p.copy_(1.0 + noise * WEIGHT_STD)
            else:
                p.copy_(noise * WEIGHT_STD)
    return model.eval()


def scores(model, tok, texts):
    """(one-by-one logits, padded-batch logits, the batch's ids and mask)."""
    with torch.no_grad():
        single = []
        for t in texts:
            enc = tok(t, return_tensors="pt")
            single.append(round(model(**enc).logits[0, 0].item(), 7))
        enc = tok(texts, padding=True, return_tensors="pt")
        batch = [round(x, 7) for x in model(**enc).logits[:, 0].tolist()]
    return single, batch, enc["input_ids"].tolist(), enc["attention_mask"].tolist()


def record(out_dir, tok, model, family):
    texts = TEXTS + [p + r for p, r in PAIRS]
    single, batch, batch_ids, batch_mask = scores(model, tok, texts)
    pair_enc = [tok(a, b, return_token_type_ids=True) for a, b in PAIRS]
    return {
        "format": FORMAT,
        "family": family,
        "generated_by": {
            "python": platform.python_version(), "torch": torch.__version__,
            "transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
            "safetensors": safetensors.__version__,
        },
        "texts": texts,
        "ids": [tok(t)["input_ids"] for t in texts],
        "token_type_ids": [tok(t, return_token_type_ids=True)["token_type_ids"] for t in texts],
        "pairs": PAIRS,
        "pair_ids": [e["input_ids"] for e in pair_enc],
        "pair_token_type_ids": [e["token_type_ids"] for e in pair_enc],
        "scores": single,
        "batch_ids": batch_ids,
        "batch_mask": batch_mask,
        "batch_scores": batch,
        "decoded": [tok.decode(tok(t)["input_ids"], skip_special_tokens=True) for t in texts],
    }


def make(out_root):
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    for i, (family, (make_tok, make_model)) in enumerate(FAMILIES.items()):
        out_dir = out_root / family
        if out_dir.exists():
            shutil.rmtree(out_dir)
        tok = make_tok()
        model = randomize(make_model(tok), SEED + i)
        model.save_pretrained(out_dir, safe_serialization=True)
        tok.save_pretrained(out_dir)
        # what the Java side loads is what transformers loads back from the directory
        tok = AutoTokenizer.from_pretrained(out_dir)
        model = AutoModelForSequenceClassification.from_pretrained(out_dir, dtype=torch.float32).eval()
        expected = record(out_dir, tok, model, family)
        for a, b in zip(expected["scores"], expected["batch_scores"]):
            assert abs(a - b) < 1e-5, (family, a, b)
        (out_dir / "expected.json").write_text(json.dumps(expected, ensure_ascii=False) + "\n")
        size = sum(f.stat().st_size for f in out_dir.iterdir())
        print(f"{family}: {out_dir} ({size / 1024:.0f} KB), scores {expected['scores']}")


def check(model_dir):
    """Loads a saved directory with transformers and prints the score of every fixture text."""
    torch.set_num_threads(1)
    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSequenceClassification.from_pretrained(model_dir, dtype=torch.float32).eval()
    texts = TEXTS + [p + r for p, r in PAIRS]
    single, batch, _, _ = scores(model, tok, texts)
    print(json.dumps({"model": str(model_dir), "architecture": type(model).__name__, "texts": texts,
                      "scores": single, "batch_scores": batch}, indent=1, ensure_ascii=False))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--check", type=Path, help="score the fixture texts with a saved model directory")
    args = parser.parse_args()
    if args.check:
        check(args.check)
    else:
        make(args.out)


if __name__ == "__main__":
    sys.exit(main())
