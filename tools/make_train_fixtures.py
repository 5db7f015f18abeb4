"""Golden values for dev.rlhf4j.core.train, computed with the reference implementations.

  torch.optim.AdamW                       -> adamw.json      (5 steps, two parameter groups)
  transformers get_*_schedule_with_warmup -> schedules.json  (lr at chosen steps)
  torch.nn.utils.clip_grad_norm_          -> clip.json       (total norm and clipped gradients)

Run with the reference venv:  /opt/pyref/bin/python tools/make_train_fixtures.py
Writes core/src/test/resources/fixtures/train/. Inputs (initial parameters, gradients) are
generated from a fixed seed and stored in the files, so the Java tests read them from there.
"""
import json
import pathlib

import torch
import transformers
from transformers import (get_constant_schedule_with_warmup, get_cosine_schedule_with_warmup,
                          get_linear_schedule_with_warmup)

OUT = pathlib.Path(__file__).resolve().parent.parent / "core/src/test/resources/fixtures/train"
STEPS = 5


def tensor_list(t):
    return t.detach().to(torch.float32).flatten().tolist()


def adamw_case(name, decay_wd, lrs, betas, eps, gen):
    # group 0 gets weight decay, group 1 (bias and norm gain) none - as AdamW's default predicate splits them
    shapes = {"h.0.mlp.fc.weight": (3, 4), "h.0.mlp.fc.bias": (4,), "h.0.ln_1.weight": (4,)}
    params = {n: torch.randn(s, generator=gen).requires_grad_(True) for n, s in shapes.items()}
    initial = {n: tensor_list(p) for n, p in params.items()}
    grads = [{n: torch.randn(s, generator=gen) for n, s in shapes.items()} for _ in range(STEPS)]
    opt = torch.optim.AdamW(
        [{"params": [params["h.0.mlp.fc.weight"]], "weight_decay": decay_wd},
         {"params": [params["h.0.mlp.fc.bias"], params["h.0.ln_1.weight"]], "weight_decay": 0.0}],
        lr=lrs[0], betas=betas, eps=eps, foreach=False)
    after = []
    for step in range(STEPS):
        for group in opt.param_groups:
            group["lr"] = lrs[step]
        for n, p in params.items():
            p.grad = grads[step][n].clone()
        opt.step()
        after.append({n: tensor_list(p) for n, p in params.items()})
    return {
        "name": name, "weight_decay": decay_wd, "lrs": lrs, "beta1": betas[0], "beta2": betas[1], "eps": eps,
        "shapes": {n: list(s) for n, s in shapes.items()},
        "initial": initial,
        "grads": [{n: tensor_list(g) for n, g in step.items()} for step in grads],
        "after_step": after,
    }


def adamw_fixture():
    gen = torch.Generator().manual_seed(1234)
    return {"cases": [
        adamw_case("decay", 0.1, [1e-2, 2e-2, 3e-2, 2e-2, 1e-2], (0.9, 0.999), 1e-8, gen),
        adamw_case("no_decay", 0.0, [5e-3] * STEPS, (0.8, 0.99), 1e-6, gen),
    ]}


def schedules_fixture():
    peak = 3e-4
    steps = [0, 1, 2, 5, 9, 10, 11, 17, 50, 73, 99, 100, 101, 120]
    cases = []
    for kind, make in [
        ("constant", lambda o, w, t: get_constant_schedule_with_warmup(o, w)),
        ("linear", lambda o, w, t: get_linear_schedule_with_warmup(o, w, t)),
        ("cosine", lambda o, w, t: get_cosine_schedule_with_warmup(o, w, t)),
    ]:
        for warmup, total in [(10, 100), (0, 100), (1, 7)]:
            opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=peak)
            sched = make(opt, warmup, total)
            lrs = {}
            for step in range(max(steps) + 1):
                if step in steps:
                    lrs[str(step)] = sched.get_last_lr()[0]
                opt.step()
                sched.step()
            cases.append({"kind": kind, "peak_lr": peak, "warmup_steps": warmup, "total_steps": total, "lr": lrs})
    return {"transformers": transformers.__version__, "cases": cases}


def clip_fixture():
    gen = torch.Generator().manual_seed(99)
    shapes = [(5, 3), (3,), (2, 2, 2)]
    grads = [torch.randn(s, generator=gen) * 2.0 for s in shapes]
    cases = []
    for max_norm in [1.0, 0.5, 100.0]:
        params = [torch.zeros(s, requires_grad=True) for s in shapes]
        for p, g in zip(params, grads):
            p.grad = g.clone()
        total = torch.nn.utils.clip_grad_norm_(params, max_norm, foreach=False)
        cases.append({"max_norm": max_norm, "total_norm": total.item(),
                      "clipped": [tensor_list(p.grad) for p in params]})
    return {"shapes": [list(s) for s in shapes], "grads": [tensor_list(g) for g in grads], "cases": cases}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for file, data in [("adamw.json", adamw_fixture()), ("schedules.json", schedules_fixture()),
                       ("clip.json", clip_fixture())]:
        meta = {"generator": "tools/make_train_fixtures.py", "torch": torch.__version__}
        (OUT / file).write_text(json.dumps({"meta": meta, **data}, indent=1) + "\n")
        print("wrote", OUT / file)


if __name__ == "__main__":
    main()
