#!/usr/bin/env bash
# Fetches SmolLM2-135M-Instruct into models/smollm2-135m-instruct/ (see tools/get_smollm2.py).
# Uses $PYTHON if it has torch, transformers, gguf and accelerate (transformers needs it to load GGUF);
# otherwise makes tools/.venv with them.
# Idempotent: a complete model directory is left as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
py="${PYTHON:-python3}"
if ! "$py" -c 'import torch, transformers, gguf, accelerate' 2>/dev/null; then
  if [ ! -x tools/.venv/bin/python ]; then
    echo "making tools/.venv (torch CPU, transformers, gguf, accelerate) ..." >&2
    python3 -m venv tools/.venv
    tools/.venv/bin/pip install -q --upgrade pip
    # the CPU build of torch is ~200 MB instead of ~2.5 GB; fall back to PyPI's default build
    tools/.venv/bin/pip install -q torch --index-url https://download.pytorch.org/whl/cpu \
      || tools/.venv/bin/pip install -q torch
  fi
  tools/.venv/bin/pip install -q 'transformers>=4.46' gguf safetensors accelerate
  py=tools/.venv/bin/python
fi
exec "$py" tools/get_smollm2.py "$@"
