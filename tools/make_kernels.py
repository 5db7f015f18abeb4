#!/usr/bin/env python3
"""Writes core/src/main/resources/dev/rlhf4j/core/ops/kernels.pt: a TorchScript module whose methods
call libtorch kernels that DJL 0.36 does not bind (fused AdamW, SiLU, tanh GELU).

The module holds no weights: it is the source text of a few one-line methods, which libtorch
compiles when DJL loads it (``TorchKernels`` in core.ops), so it runs with whatever libtorch DJL
ships. Every method takes and returns tensors or plain numbers; each calls one aten operator whose
schema is the same in libtorch 2.7 (DJL 0.36's) as in the torch that writes the file.

Run after changing a method, then ``mvn -o test -pl core -Dtest='TorchKernelsTest,AdamWTest'``:
    /opt/pyref/bin/python tools/make_kernels.py
"""
import os
import warnings
from typing import List

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "core", "src", "main", "resources", "dev", "rlhf4j",
                   "core", "ops", "kernels.pt")


class Kernels(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x

    @torch.jit.export
    def silu(self, x: torch.Tensor) -> torch.Tensor:
        return F.silu(x)

    @torch.jit.export
    def gelu_tanh(self, x: torch.Tensor) -> torch.Tensor:
        return F.gelu(x, approximate="tanh")

    @torch.jit.export
    def adamw(self, params: List[torch.Tensor], grads: List[torch.Tensor], exp_avgs: List[torch.Tensor],
              exp_avg_sqs: List[torch.Tensor], steps: List[torch.Tensor], lr: float, beta1: float, beta2: float,
              weight_decay: float, eps: float) -> None:
        # what torch.optim.AdamW(fused=True) does per step: count the step, then one fused kernel
        torch._foreach_add_(steps, 1.0)
        torch._fused_adamw_(params, grads, exp_avgs, exp_avg_sqs, [], steps, lr=lr, beta1=beta1, beta2=beta2,
                            weight_decay=weight_decay, eps=eps, amsgrad=False, maximize=False)


def main():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # torch.jit.script is deprecated, still the format libtorch reads
        module = torch.jit.script(Kernels())
    module.save(os.path.normpath(OUT))
    print("wrote", os.path.normpath(OUT), "with torch", torch.__version__)


if __name__ == "__main__":
    main()
