#!/usr/bin/env python3
"""Writes the PEFT LoRA fixtures for rlhf4j: adapters made by PEFT on the parity models.

For each case an adapter is created with ``peft.get_peft_model`` on a tiny model of
``core/src/test/resources/fixtures/parity`` (seeded; every lora_B drawn from N(0, 0.1) so the
adapter changes the logits), saved with PEFT's own ``save_pretrained``, and the logits (or reward
scores) of the PeftModel are recorded in ``expected.json`` beside it. The Java tests load the
adapter directory on its base and must reproduce those values, and the merged model too.

    /opt/pyref/bin/pip install --no-deps peft      # if missing (keeps torch and transformers)
    /opt/pyref/bin/python tools/make_lora_fixtures.py

Cases: llama (all-linear, r 4, alpha 8, CAUSAL_LM), gpt2 (c_attn/c_proj/c_fc Conv1D, fan_in_fan_out,
rslora, CAUSAL_LM) and gpt2-rm (c_attn, SEQ_CLS: the score head in modules_to_save).
"""

import json
import shutil
from pathlib import Path

import peft
import torch
from peft import LoraConfig, PeftModel, get_peft_model
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification

ROOT = Path(__file__).resolve().parent.parent
PARITY = ROOT / "core/src/test/resources/fixtures/parity"
OUT = ROOT / "core/src/test/resources/fixtures/lora"
SEED = 20261203
IDS = [[1, 17, 42, 99, 7, 250], [1, 5, 8, 300, 2, 3]]
MASK = [[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0]]

CASES = {
    "llama": dict(base="llama", task="CAUSAL_LM", cfg=dict(r=4, lora_alpha=8, target_modules="all-linear")),
    "gpt2": dict(base="gpt2", task="CAUSAL_LM",
                 cfg=dict(r=4, lora_alpha=8, target_modules=["c_attn", "c_proj", "c_fc"], fan_in_fan_out=True,
                          use_rslora=True)),
    "gpt2-rm": dict(base="gpt2-rm", task="SEQ_CLS",
                    cfg=dict(r=2, lora_alpha=4, target_modules=["c_attn"], fan_in_fan_out=True)),
}


def tensor_json(t, decimals=6):
    return {"shape": list(t.shape), "data": [round(float(x), decimals) for x in t.flatten().tolist()]}


def make(name, case):
    torch.manual_seed(SEED)
    base_dir = PARITY / case["base"]
    seq_cls = case["task"] == "SEQ_CLS"
    cls = AutoModelForSequenceClassification if seq_cls else AutoModelForCausalLM
    base = cls.from_pretrained(base_dir, dtype=torch.float32, attn_implementation="eager")
    model = get_peft_model(base, LoraConfig(task_type=case["task"], lora_dropout=0.0, **case["cfg"]))
    with torch.no_grad():
        for n, p in model.named_parameters():
            if "lora_B" in n:
                p.normal_(0.0, 0.1)
            if seq_cls and "modules_to_save" in n:
                p.normal_(0.0, 0.3)  # the trained head differs from the base's
    model.eval()
    ids = torch.tensor(IDS)
    mask = torch.tensor(MASK)
    with torch.no_grad():
        out = model(input_ids=ids, attention_mask=mask).logits
    out_dir = OUT / name
    if out_dir.exists():
        shutil.rmtree(out_dir)
    model.save_pretrained(out_dir)
    cfg_file = out_dir / "adapter_config.json"
    cfg = json.loads(cfg_file.read_text())
    cfg["base_model_name_or_path"] = "../../parity/" + case["base"]  # resolved beside the adapter by rlhf4j
    cfg_file.write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")
    for f in ("README.md",):
        (out_dir / f).unlink(missing_ok=True)
    # the PeftModel read back from the files gives the same values
    back = PeftModel.from_pretrained(cls.from_pretrained(base_dir, dtype=torch.float32,
                                                         attn_implementation="eager"), out_dir).eval()
    with torch.no_grad():
        again = back(input_ids=ids, attention_mask=mask).logits
    assert torch.allclose(out, again, atol=0, rtol=0), name
    expected = {"peft_version": peft.__version__, "torch_version": torch.__version__, "task_type": case["task"],
                "input_ids": IDS, "attention_mask": MASK}
    if seq_cls:
        expected["scores"] = tensor_json(out.reshape(-1))
    else:
        expected["logits"] = tensor_json(out)
    (out_dir / "expected.json").write_text(json.dumps(expected) + "\n")
    print(f"{name}: {sorted(p.name for p in out_dir.iterdir())}")


def main():
    torch.set_num_threads(1)
    for name, case in CASES.items():
        make(name, case)


if __name__ == "__main__":
    main()
