#!/usr/bin/env python3
"""Checks that transformers loads a model directory and reproduces an expected.json.

    /opt/pyref/bin/python tools/check_hf_load.py DIR EXPECTED.json [--atol A] [--loss-rtol R]
    /opt/pyref/bin/python tools/check_hf_load.py ADAPTER_DIR EXPECTED.json [--base BASE_DIR] [--atol A]

A PEFT adapter directory (adapter_config.json, no config.json: what rlhf4j writes with ``lora:``) is
loaded with ``peft.PeftModel.from_pretrained`` on its base (``--base``, else the config's
``base_model_name_or_path``), and the ``logits`` (CAUSAL_LM) or ``scores`` (SEQ_CLS) of its
EXPECTED.json (written by the rlhf4j test SftLoraTest with -Drlhf4j.lora.export=DIR, or by
make_lora_fixtures.py) are recomputed on the real positions. A full model directory with such an
EXPECTED.json (a merged adapter, ``rlhf4j model merge``) is loaded with transformers alone.

DIR is a model directory written by any program (rlhf4j's save, or make_parity_fixtures.py);
EXPECTED.json is one of the files written by make_parity_fixtures.py. The model is loaded with
AutoModelForCausalLM or AutoModelForSequenceClassification (chosen from config.json's
"architectures"), in float32 (bfloat16 weights are upcast) with eager attention, and the
tokenizer with AutoTokenizer when DIR has a tokenizer.json. Every recorded value is recomputed:
logits and last hidden states on real (attention_mask == 1) positions, losses, perplexity,
greedy generations, reward scores, tokenizer encodings and chat rendering.

Exit status: 0 when everything matches, 1 on any mismatch, 2 when DIR or the file cannot be used.
"""

import argparse
import json
import math
import sys
from pathlib import Path

import torch


class Checker:
    def __init__(self, atol=None, loss_rtol=None, verbose=True):
        self.atol = atol
        self.loss_rtol = loss_rtol
        self.verbose = verbose
        self.failures = 0
        self.checks = 0

    def report(self, ok, what, detail):
        self.checks += 1
        if not ok:
            self.failures += 1
        if self.verbose or not ok:
            print(f"{'ok  ' if ok else 'FAIL'} {what}: {detail}")

    def close(self, what, actual, expected_json, mask=None, atol=1e-4):
        """actual: tensor; expected_json: {"shape", "data"}; mask broadcast over trailing dims."""
        expected = torch.tensor(expected_json["data"], dtype=torch.float32)
        expected = expected.reshape(expected_json["shape"])
        actual = actual.detach().to(torch.float32)
        if list(actual.shape) != list(expected.shape):
            self.report(False, what, f"shape {list(actual.shape)}, expected {list(expected.shape)}")
            return
        diff = (actual - expected).abs()
        if mask is not None:
            keep = mask.bool()
            while keep.ndim < diff.ndim:
                keep = keep.unsqueeze(-1)
            diff = diff.masked_fill(~keep, 0.0)
        worst = diff.max().item() if diff.numel() else 0.0
        self.report(worst <= atol, what, f"max abs diff {worst:.3g} (tolerance {atol:g})")

    def rel(self, what, actual, expected, rtol):
        err = abs(actual - expected) / max(abs(expected), 1e-12)
        self.report(err <= rtol, what, f"{actual:.8g} vs {expected:.8g}, rel. error {err:.3g} "
                                       f"(tolerance {rtol:g})")

    def equal(self, what, actual, expected):
        ok = actual == expected
        self.report(ok, what, "identical" if ok else f"got {actual}, expected {expected}")


def check_tokenizer(c, model_dir, spec):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    for key in ("bos_token_id", "eos_token_id", "pad_token_id"):
        c.equal(f"tokenizer {key}", getattr(tok, key), spec[key])
    for i, case in enumerate(spec["encodings"]):
        c.equal(f"tokenizer encoding {i} ({case['text'][:24]!r})",
                tok(case["text"])["input_ids"], case["input_ids"])
        c.equal(f"tokenizer encoding {i} without special tokens",
                tok(case["text"], add_special_tokens=False)["input_ids"],
                case["input_ids_no_special"])
    chat = spec.get("chat")
    if chat is not None:
        for key in ("full", "generation_prompt"):
            case = chat[key]
            msgs = chat["messages"][:case["messages_used"]]
            text = tok.apply_chat_template(msgs, tokenize=False,
                                           add_generation_prompt=case["add_generation_prompt"])
            c.equal(f"chat template ({key}) text", text, case["text"])
            c.equal(f"chat template ({key}) ids",
                    tok(text, add_special_tokens=False)["input_ids"], case["input_ids"])


def tensor(rows):
    return torch.tensor(rows, dtype=torch.long)


def check_causal(c, model, expected):
    tol = expected["tolerance"]
    atol = c.atol if c.atol is not None else tol["logits_abs"]
    hidden_atol = c.atol if c.atol is not None else tol["hidden_abs"]
    loss_rtol = c.loss_rtol if c.loss_rtol is not None else tol["loss_rel"]
    for batch in expected["batches"]:
        ids, mask = tensor(batch["input_ids"]), tensor(batch["attention_mask"])
        for fwd in batch["forwards"]:
            pos = tensor(fwd["position_ids"])
            what = f"{batch['name']} ({fwd['positions']} positions)"
            labels = ids.masked_fill(mask == 0, -100) if "loss" in fwd else None
            with torch.no_grad():
                out = model(input_ids=ids, attention_mask=mask, position_ids=pos, labels=labels,
                            output_hidden_states=True)
            c.close(f"{what} logits", out.logits, fwd["logits"], mask, atol)
            c.close(f"{what} last hidden state", out.hidden_states[-1],
                    fwd["last_hidden_state"], mask, hidden_atol)
            if labels is not None:
                c.rel(f"{what} loss", out.loss.item(), fwd["loss"], loss_rtol)

    ppl = expected["perplexity"]
    total = 0.0
    for i, item in enumerate(ppl["texts"]):
        ids = tensor([item["input_ids"]])
        with torch.no_grad():
            loss = model(input_ids=ids, labels=ids).loss.item()
        c.rel(f"perplexity text {i} loss", loss, item["loss"], loss_rtol)
        total += loss * item["tokens_scored"]
    c.rel("perplexity", math.exp(total / ppl["tokens_scored"]), ppl["perplexity"], loss_rtol)

    sft = expected["sft_loss"]
    with torch.no_grad():
        loss = model(input_ids=tensor(sft["input_ids"]), attention_mask=tensor(sft["attention_mask"]),
                     labels=tensor(sft["labels"])).loss.item()
    c.rel("sft loss (completion tokens only)", loss, sft["loss"], loss_rtol)

    gen = expected["generation"]
    ids, mask = tensor(gen["input_ids"]), tensor(gen["attention_mask"])
    for run in gen["runs"]:
        with torch.no_grad():
            out = model.generate(input_ids=ids, attention_mask=mask, do_sample=False,
                                 max_new_tokens=gen["max_new_tokens"],
                                 pad_token_id=gen["pad_token_id"],
                                 eos_token_id=run["eos_token_id"], return_dict_in_generate=True,
                                 output_logits=True)
        c.equal(f"greedy generation (eos {run['eos_token_id']})", out.sequences.tolist(),
                run["sequences"])
        if "step_logits" in run:
            c.close("greedy generation step logits", torch.stack(out.logits),
                    run["step_logits"], None, atol)


def check_rm(c, model, expected):
    atol = c.atol if c.atol is not None else expected["tolerance"]["scores_abs"]
    for batch in expected["batches"]:
        ids, mask = tensor(batch["input_ids"]), tensor(batch["attention_mask"])
        for fwd in batch["forwards"]:
            pos = tensor(fwd["position_ids"])
            what = f"{batch['name']} ({fwd['positions']} positions)"
            with torch.no_grad():
                out = model(input_ids=ids, attention_mask=mask, position_ids=pos)
                hidden = model.base_model(input_ids=ids, attention_mask=mask,
                                          position_ids=pos).last_hidden_state
            scores = out.logits[:, 0]
            worst = max(abs(a - b) for a, b in zip(scores.tolist(), fwd["scores"]))
            c.report(worst <= atol, f"{what} scores",
                     f"{[round(s, 6) for s in scores.tolist()]}, max abs diff {worst:.3g}")
            c.close(f"{what} per-position scores", model.score(hidden)[..., 0],
                    fwd["per_position_scores"], mask, atol)


def check_adapter(adapter_dir, expected_path, base=None, atol=None, verbose=True):
    """A PEFT LoRA adapter: PeftModel on its base reproduces the recorded logits or scores."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification

    adapter_dir, expected_path = Path(adapter_dir), Path(expected_path)
    with open(adapter_dir / "adapter_config.json", encoding="utf-8") as f:
        adapter_config = json.load(f)
    with open(expected_path, encoding="utf-8") as f:
        expected = json.load(f)
    if base is None:
        base = Path(adapter_config["base_model_name_or_path"])
        if not base.is_absolute() and not base.is_dir():
            base = adapter_dir / base
    seq_cls = adapter_config.get("task_type") == "SEQ_CLS"
    cls = AutoModelForSequenceClassification if seq_cls else AutoModelForCausalLM
    extra = {"num_labels": 1} if seq_cls else {}
    model = PeftModel.from_pretrained(cls.from_pretrained(base, dtype=torch.float32, attn_implementation="eager",
                                                          **extra), adapter_dir).eval()
    return _check_outputs(model, expected, seq_cls, atol, verbose,
                          f"{adapter_dir} (PEFT {adapter_config.get('task_type')} on {base})")


def check_merged(model_dir, expected_path, atol=None, verbose=True):
    """A merged LoRA model (rlhf4j model merge): transformers alone reproduces the adapter's values."""
    from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification

    model_dir, expected_path = Path(model_dir), Path(expected_path)
    with open(expected_path, encoding="utf-8") as f:
        expected = json.load(f)
    seq_cls = "scores" in expected
    cls = AutoModelForSequenceClassification if seq_cls else AutoModelForCausalLM
    model = cls.from_pretrained(model_dir, dtype=torch.float32, attn_implementation="eager").eval()
    return _check_outputs(model, expected, seq_cls, atol, verbose, f"{model_dir} (merged, transformers)")


def _check_outputs(model, expected, seq_cls, atol, verbose, what):
    ids, mask = tensor(expected["input_ids"]), tensor(expected["attention_mask"])
    c = Checker(atol, None, verbose)
    with torch.no_grad():
        out = model(input_ids=ids, attention_mask=mask).logits
    tol = atol if atol is not None else 1e-4
    if seq_cls:
        c.close("scores", out.reshape(-1), expected["scores"], None, tol)
    else:
        c.close("logits", out, expected["logits"], mask, tol)
    status = "all match" if c.failures == 0 else f"{c.failures} MISMATCHES"
    print(f"{what}: {c.checks} checks, {status}")
    return c.failures


def check(model_dir, expected_path, atol=None, loss_rtol=None, verbose=True):
    """Returns the number of mismatches (0 when everything matches)."""
    from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification

    model_dir, expected_path = Path(model_dir), Path(expected_path)
    with open(expected_path, encoding="utf-8") as f:
        expected = json.load(f)
    with open(model_dir / "config.json", encoding="utf-8") as f:
        architectures = json.load(f).get("architectures") or []
    is_rm = any(a.endswith("ForSequenceClassification") for a in architectures)
    kind = "sequence_classification" if is_rm else "causal_lm"
    if kind != expected["model"]["kind"]:
        raise ValueError(f"{model_dir}/config.json: architectures {architectures} do not fit "
                         f"{expected_path} (kind {expected['model']['kind']})")
    cls = AutoModelForSequenceClassification if is_rm else AutoModelForCausalLM
    model = cls.from_pretrained(model_dir, dtype=torch.float32, attn_implementation="eager")
    model = model.float().eval()

    c = Checker(atol, loss_rtol, verbose)
    if (model_dir / "tokenizer.json").exists():
        check_tokenizer(c, model_dir, expected["tokenizer"])
    elif verbose:
        print(f"note: {model_dir} has no tokenizer.json; tokenizer not checked")
    (check_rm if is_rm else check_causal)(c, model, expected)
    status = "all match" if c.failures == 0 else f"{c.failures} MISMATCHES"
    print(f"{model_dir}: {c.checks} checks, {status}")
    return c.failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model_dir", type=Path, help="model directory to load")
    parser.add_argument("expected", type=Path, help="expected.json written by make_parity_fixtures.py")
    parser.add_argument("--atol", type=float, default=None,
                        help="absolute tolerance for logits, hidden states and scores "
                             "(default: the file's 'tolerance')")
    parser.add_argument("--loss-rtol", type=float, default=None,
                        help="relative tolerance for losses (default: the file's 'tolerance')")
    parser.add_argument("-q", "--quiet", action="store_true", help="print mismatches only")
    parser.add_argument("--base", type=Path, default=None,
                        help="base model directory of a PEFT adapter (default: its base_model_name_or_path)")
    args = parser.parse_args()

    torch.set_num_threads(1)
    try:
        import transformers

        transformers.logging.set_verbosity_error()
        transformers.utils.logging.disable_progress_bar()
        with open(args.expected, encoding="utf-8") as f:
            lora_format = "input_ids" in json.load(f)  # make_lora_fixtures.py / SftLoraTest's export
        if (args.model_dir / "adapter_config.json").exists() and not (args.model_dir / "config.json").exists():
            failures = check_adapter(args.model_dir, args.expected, args.base, args.atol, verbose=not args.quiet)
        elif lora_format:
            failures = check_merged(args.model_dir, args.expected, args.atol, verbose=not args.quiet)
        else:
            failures = check(args.model_dir, args.expected, args.atol, args.loss_rtol,
                             verbose=not args.quiet)
    except (OSError, ValueError, KeyError, json.JSONDecodeError) as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
