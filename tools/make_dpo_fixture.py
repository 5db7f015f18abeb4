#!/usr/bin/env python3
"""Writes the DPO-family parity fixture: dpo/src/test/resources/fixtures/dpo/.

The reference model is the ``gpt2`` parity fixture (core/src/test/resources/fixtures/parity/gpt2,
made by make_parity_fixtures.py); the policy is the same network with seeded noise added to every
weight, saved with transformers' ``save_pretrained`` next to its tokenizer (the parity tokenizer
without a BOS token, so that TRL's DPO, CPO and ORPO trainers all lay out the same token ids, and
with a ChatML template for the conversational pairs). For each loss type, TRL's own trainer computes
the loss and the logged metrics of one batch holding every pair:

* ``DPOTrainer._compute_loss``: sigmoid, ipo, hinge, robust (label_smoothing 0.1), and the same on
  conversational pairs; ``aot`` with a batch of one pair is cDPO (sigmoid with label smoothing, which
  TRL 1.x no longer offers under ``sigmoid``): per pair ``-(1-e)·logsig(b·D) - e·logsig(-b·D)``;
* ``CPOTrainer.get_batch_loss_metrics`` with ``loss_type="simpo"``, ``cpo_alpha=0``;
* ``ORPOTrainer.get_batch_loss_metrics``.

``votes.jsonl`` holds canonical records carrying ``meta.votes``; its expected values are TRL's
sigmoid loss on the file with every vote written out as its own line (a vote against the record's
choice as the swapped pair), which is what the Java side must equal without expanding them.

Run from the repository root (takes a few seconds; deterministic):

    /opt/pyref/bin/python tools/make_dpo_fixture.py
"""

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import torch
import transformers
import trl
from datasets import Dataset
from transformers import AutoModelForCausalLM, AutoTokenizer

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "core/src/test/resources/fixtures/parity/gpt2"
OUT = ROOT / "dpo/src/test/resources/fixtures/dpo"
SEED = 1234
NOISE = 0.05

CHATML = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

PAIRS = [  # TRL text triples: the response brings its own leading space
    ("Who keeps the bees?", " The old miller.", " Nobody knows."),
    ("What do the traders call out?", " Their prices, loudly.", " Prices"),
    ("How does the mill work?", " The river turns the wheel.", " It is magic, they say."),
    ("Who is the baker?", " A woman from the hill.", " A baker."),
    ("What is sold at the market?", " Honey, apples and socks.", " Nothing at all."),
]

CONVERSATIONS = [  # short: the parity model has 64 positions and a 384-token vocabulary
    ([{"role": "user", "content": "Who is it?"}], "The miller.", "Nobody."),
    ([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"},
      {"role": "user", "content": "Bees?"}], "Honey.", "No."),
]

VOTES = [  # (pair index, votes for chosen, against, tie)
    (0, 3, 1, 0),
    (1, 1, 0, 0),
    (2, 2, 2, 1),
    (4, 1, 3, 0),
]

BETA = 0.1
ROBUST_EPS = 0.1
CDPO_EPS = 0.2
SIMPO_GAMMA = 0.5


def scalar(x):
    return float(x.item() if hasattr(x, "item") else x)


def make_dirs(tmp):
    tok = AutoTokenizer.from_pretrained(REFERENCE)
    tok.bos_token = None
    tok.chat_template = CHATML
    policy = AutoModelForCausalLM.from_pretrained(REFERENCE, dtype=torch.float32)
    gen = torch.Generator().manual_seed(SEED)
    with torch.no_grad():
        for _, p in sorted(policy.named_parameters()):
            p.add_(torch.randn(p.shape, generator=gen) * NOISE)
    policy_dir = OUT / "policy"
    if policy_dir.exists():
        shutil.rmtree(policy_dir)
    policy.save_pretrained(policy_dir, safe_serialization=True)
    tok.save_pretrained(policy_dir)
    return policy_dir


def load(dir_):
    m = AutoModelForCausalLM.from_pretrained(dir_, dtype=torch.float32)
    return m


def common(tmp, **kw):
    # float32 throughout: TRL configs default to bf16, which autocasts the prepared reference model
    return dict(output_dir=str(tmp), report_to="none", per_device_train_batch_size=8, use_cpu=True, bf16=False,
                disable_dropout=True, **kw)


def dpo_case(tmp, policy_dir, rows, loss_type, label_smoothing=0.0, per_pair=False):
    tok = AutoTokenizer.from_pretrained(policy_dir)
    model = load(policy_dir)
    ref = load(REFERENCE)
    args = trl.DPOConfig(**common(tmp, loss_type=[loss_type], beta=BETA, label_smoothing=label_smoothing))
    trainer = trl.DPOTrainer(model=model, ref_model=ref, args=args, train_dataset=Dataset.from_list(rows),
                             processing_class=tok)
    data = trainer.train_dataset
    model.train()
    groups = [[i] for i in range(len(data))] if per_pair else [list(range(len(data)))]
    losses = []
    metrics = {}
    for g in groups:
        trainer._metrics["train"].clear()
        batch = trainer.data_collator([data[i] for i in g])
        with torch.no_grad():
            loss = trainer._compute_loss(model, batch, False)
        losses.append(scalar(loss) * len(g))
        for k, v in trainer._metrics["train"].items():
            if k.startswith(("rewards/", "logps/", "logits/")):
                metrics.setdefault(k, []).append(v[-1] * len(g))
    n = len(data)
    out = {"loss": sum(losses) / n}
    out.update({k: sum(v) / n for k, v in metrics.items()})
    ids = [{"prompt_ids": data[i]["prompt_ids"], "chosen_ids": data[i]["chosen_ids"],
            "rejected_ids": data[i]["rejected_ids"]} for i in range(n)]
    return out, ids


def cpo_orpo_case(tmp, policy_dir, rows, kind):
    from trl.experimental.cpo import CPOConfig, CPOTrainer
    from trl.experimental.orpo import ORPOConfig, ORPOTrainer
    tok = AutoTokenizer.from_pretrained(policy_dir)
    model = load(policy_dir)
    if kind == "simpo":
        args = CPOConfig(**common(tmp, loss_type="simpo", cpo_alpha=0.0, beta=BETA, simpo_gamma=SIMPO_GAMMA))
        trainer = CPOTrainer(model=model, args=args, train_dataset=Dataset.from_list(rows), processing_class=tok)
    else:
        args = ORPOConfig(**common(tmp, beta=BETA))
        trainer = ORPOTrainer(model=model, args=args, train_dataset=Dataset.from_list(rows), processing_class=tok)
    data = trainer.train_dataset
    model.train()
    batch = trainer.data_collator([data[i] for i in range(len(data))])
    with torch.no_grad():
        loss, metrics = trainer.get_batch_loss_metrics(model, batch, train_eval="train")
    out = {"loss": scalar(loss)}
    keep = ("rewards/", "logps/", "nll_loss", "log_odds_ratio", "log_odds_chosen")
    out.update({k: scalar(v) for k, v in metrics.items() if k.startswith(keep)})
    ids = []
    for i in range(len(data)):
        d = data[i]
        p = len(d["prompt_input_ids"])
        ids.append({"prompt_ids": d["prompt_input_ids"], "chosen_ids": d["chosen_input_ids"][p:],
                    "rejected_ids": d["rejected_input_ids"][p:]})
    return out, ids


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    transformers.logging.set_verbosity_error()
    OUT.mkdir(parents=True, exist_ok=True)
    text_rows = [{"prompt": p, "chosen": c, "rejected": r} for p, c, r in PAIRS]
    chat_rows = [{"prompt": p, "chosen": [{"role": "assistant", "content": c}],
                  "rejected": [{"role": "assistant", "content": r}]} for p, c, r in CONVERSATIONS]
    with tempfile.TemporaryDirectory() as tmp:
        policy_dir = make_dirs(tmp)
        cases = {}
        tokens = {}
        for name, kind, kw in [
            ("sigmoid", "sigmoid", {}),
            ("ipo", "ipo", {}),
            ("hinge", "hinge", {}),
            ("robust", "robust", {"label_smoothing": ROBUST_EPS}),
        ]:
            cases[name], tokens[name] = dpo_case(tmp, policy_dir, text_rows, kind, **kw)
        cases["cdpo"], tokens["cdpo"] = dpo_case(tmp, policy_dir, text_rows, "aot", label_smoothing=CDPO_EPS,
                                                 per_pair=True)
        cases["sigmoid_conversation"], tokens["sigmoid_conversation"] = dpo_case(tmp, policy_dir, chat_rows,
                                                                                 "sigmoid")
        cases["simpo"], tokens["simpo"] = cpo_orpo_case(tmp, policy_dir, text_rows, "simpo")
        cases["orpo"], tokens["orpo"] = cpo_orpo_case(tmp, policy_dir, text_rows, "orpo")

        # votes: every vote written out as its own line (a tie vote as half a line each way)
        vote_lines = []
        for i, c, r, t in VOTES:
            p, ch, rj = PAIRS[i]
            vote_lines += [{"prompt": p, "chosen": ch, "rejected": rj}] * (2 * c + t)
            vote_lines += [{"prompt": p, "chosen": rj, "rejected": ch}] * (2 * r + t)
        cases["votes_sigmoid"], _ = dpo_case(tmp, policy_dir, vote_lines, "sigmoid")
        cases["votes_sigmoid"] = {"loss": cases["votes_sigmoid"]["loss"]}

    # every trainer must have laid out the same tokens as DPOTrainer did
    for name in ("ipo", "hinge", "robust", "cdpo", "simpo", "orpo"):
        assert tokens[name] == tokens["sigmoid"], name
    with open(OUT / "pairs.jsonl", "w") as f:
        for r in text_rows:
            f.write(json.dumps(r) + "\n")
    with open(OUT / "conversations.jsonl", "w") as f:
        for r in chat_rows:
            f.write(json.dumps(r) + "\n")
    with open(OUT / "votes.jsonl", "w") as f:
        for i, c, r, t in VOTES:
            p, ch, rj = PAIRS[i]
            rec = {"prompt": [{"role": "user", "content": p}], "chosen": [{"role": "assistant", "content": ch}],
                   "rejected": [{"role": "assistant", "content": rj}],
                   "meta": {"text": True, "votes": {"chosen": c, "rejected": r, "tie": t}}}
            f.write(json.dumps(rec) + "\n")
    expected = {
        "generated_by": {"python": sys.version.split()[0], "torch": torch.__version__,
                         "transformers": transformers.__version__, "trl": trl.__version__},
        "beta": BETA, "robust_label_smoothing": ROBUST_EPS, "cdpo_label_smoothing": CDPO_EPS,
        "simpo_gamma": SIMPO_GAMMA,
        "tokens": {"text": tokens["sigmoid"], "conversation": tokens["sigmoid_conversation"]},
        "cases": cases,
    }
    with open(OUT / "expected.json", "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    print(json.dumps(cases, indent=1))


if __name__ == "__main__":
    main()
