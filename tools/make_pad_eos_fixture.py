#!/usr/bin/env python3
"""Writes the pad == eos reward-model fixture: parity/gpt2-rm-pad-eos.

A GPT-2 sequence classifier whose tokenizer pads with its EOS token (``pad_token_id`` equals
``eos_token_id``), the usual setup of GPT-2 and SmolLM2 reward models trained with TRL. Its
backbone is the ``gpt2`` parity fixture's, its score head seeded. ``expected.json`` records, for
text inputs and for pairs, the ids a TRL user scores (``tokenizer(prompt + response)`` plus EOS)
and the scores transformers' ``GPT2ForSequenceClassification`` gives them in one right-padded
batch: pooled at the last token that is not the pad id, i.e. the token *before* the EOS.

Run from the repository root after make_parity_fixtures.py (see tools/README.md):

    /opt/pyref/bin/python tools/make_pad_eos_fixture.py
"""

import sys
from pathlib import Path

import torch
import transformers
from transformers import AutoTokenizer, GPT2ForSequenceClassification

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_parity_fixtures as parity  # noqa: E402

NAME = "gpt2-rm-pad-eos"

TEXTS = [  # (prompt, response) as a TRL text dataset holds them: the response brings its space
    ("How does the mill work?", " The river turns the wheel."),
    ("Who is the baker?", " A woman."),
    ("What is sold at the market?\n", "Honey, apples and socks."),
    ("", "A text without a prompt."),
]

PAIRS = [
    ("Who keeps the bees?", " The old miller.", " Nobody knows."),
    ("What do the traders call out?", " Their prices.", " Prices"),
]


def ids_of(tok, prompt, response):
    return tok(prompt + response)["input_ids"] + [tok.eos_token_id]


def scores_of(model, tok, rows):
    ids, mask = parity.pad_batch(rows, tok.pad_token_id, "right")
    with torch.no_grad():
        logits = model(input_ids=ids, attention_mask=mask).logits[:, 0]
    non_pad = (ids != model.config.pad_token_id).int()
    pooled = (torch.arange(ids.shape[1]) * non_pad).argmax(-1)
    return [parity.scalar(x) for x in logits], pooled.tolist()


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    transformers.logging.set_verbosity_error()
    out_root = parity.DEFAULT_OUT
    tok = parity.make_tokenizer("gpt2")
    tok.pad_token = tok.eos_token  # what TRL does for a tokenizer without a pad token
    config = parity.gpt2_config(tok, num_labels=1)
    assert config.pad_token_id == config.eos_token_id
    model = GPT2ForSequenceClassification(config).eval()
    backbone = parity.load(out_root / "gpt2", causal=True).base_model.state_dict()
    model.base_model.load_state_dict(backbone, strict=True)
    gen = torch.Generator().manual_seed(parity.SEED + 6)
    with torch.no_grad():
        model.score.weight.copy_(torch.randn(model.score.weight.shape, generator=gen) * parity.WEIGHT_STD)
    out_dir = out_root / NAME
    parity.save_model(model, tok, "gpt2", out_dir)
    model = parity.load(out_dir, causal=False)
    tok = AutoTokenizer.from_pretrained(out_dir)
    assert tok.pad_token_id == tok.eos_token_id

    text_rows = [ids_of(tok, p, r) for p, r in TEXTS]
    text_scores, text_pooled = scores_of(model, tok, text_rows)
    pair_rows = []
    for p, c, r in PAIRS:
        pair_rows += [ids_of(tok, p, c), ids_of(tok, p, r)]
    pair_scores, _ = scores_of(model, tok, pair_rows)
    for row, at in zip(text_rows, text_pooled):
        assert at == len(row) - 2, "transformers pools the token before the EOS when pad == eos"

    expected = parity.header(NAME, model, "sequence_classification", "float32",
                             "backbone copied from ../gpt2, score head N(0, 0.2), pad_token_id == eos_token_id")
    expected["texts"] = [{"prompt": p, "response": r, "input_ids": ids, "pooled_index": at, "score": s}
                         for (p, r), ids, at, s in zip(TEXTS, text_rows, text_pooled, text_scores)]
    expected["pairs"] = [{"prompt": p, "chosen": c, "rejected": r,
                          "reward_chosen": pair_scores[2 * i], "reward_rejected": pair_scores[2 * i + 1]}
                         for i, (p, c, r) in enumerate(PAIRS)]
    parity.write_json(out_dir / "expected.json", expected)
    print(f"wrote {out_dir}")


if __name__ == "__main__":
    main()
