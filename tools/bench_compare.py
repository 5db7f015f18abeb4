"""rlhf4j against PyTorch/transformers at the same shapes, in one run, interleaved.

For every benchmark case this runs ``./rlhf4j bench ... --only CASE`` (a fresh JVM, through the
launcher, as users run it) and the
PyTorch/transformers equivalent (a fresh Python process, this script with ``--worker``), one after
the other and in alternating order each round, with the same number of intra-op threads, and prints
the ratio rlhf4j / PyTorch of every figure (> 1: rlhf4j is faster or, for memory, uses more).

    /opt/pyref/bin/python tools/bench_compare.py                   # every bench, 1 thread, 1 round
    /opt/pyref/bin/python tools/bench_compare.py --bench rm,decode --threads 2 --rounds 3

Benchmarks (vocabulary 8192, float32, dropout off in both):

- ``rm``: reward model, 4 sizes; training pairs/s (8 pairs = 16 sequences per optimizer step:
  forward, pairwise loss, backward, clip, AdamW) and scoring pairs/s (32 pairs per no-gradient
  forward), sequences of 128-256 random tokens, right-padded; peak RSS.
- ``train``: one training step of the causal LM (batch 4 x 256: forward, next-token loss,
  backward, global-norm clip, AdamW with decay/no-decay groups, gradients cleared), 4 sizes; and,
  of the fastest step, the user and system CPU time and the minor page faults of each side.
- ``decode``: greedy decoding, GPT-2 d256 and d512, batch 1 and 32, 32-token prompts, 64 new
  tokens (no stop token): the first call in a fresh process, and warm (best of 3); peak RSS.
- ``beam``: 4-beam search (``num_beams=4, do_sample=False``), GPT-2 d256 and d512, batch 1 and 8,
  32-token prompts, 64 new tokens (no EOS: every hypothesis runs to the end), in returned tokens
  (prompts x 64) per second: first call and warm (best of 3); peak RSS.
- ``ppo``: one PPO iteration (the second of two), GPT-2 d256 and d512: 16 rollouts of 32-token
  prompts + 32 sampled tokens, score (policy, reference, critic, reward model), 4 PPO epochs of one
  minibatch with policy and critic updates. The PyTorch side is a minimal loop with TRL's
  structure (``generate``, then no-gradient forwards, then the epochs).

The PyTorch side uses transformers' models (GPT2LMHeadModel, LlamaForCausalLM, their trunks for
reward model and critic) with ``--attn`` attention (default ``sdpa``, transformers' default; ``eager``
is the formula rlhf4j computes), ``torch.optim.AdamW`` and ``clip_grad_norm_`` with their defaults
(on CPU, AdamW's per-tensor path: rlhf4j takes torch's fused kernel, ``fused=True``), and Python's
process defaults (glibc's allocator unconfigured, as ``pip install torch`` leaves it).
Rows are printed and, with ``--json FILE``, written as JSON.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

SIZES = {
    "gpt2-256": dict(family="gpt2", d=256, layers=4, heads=4, kv=4, inner=1024),
    "llama-256": dict(family="llama", d=256, layers=4, heads=4, kv=2, inner=688),
    "gpt2-512": dict(family="gpt2", d=512, layers=6, heads=8, kv=8, inner=2048),
    "llama-512": dict(family="llama", d=512, layers=6, heads=8, kv=4, inner=1376),
}
VOCAB = 8192
LAUNCHER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "rlhf4j")

# bench -> (cases, java subcommand + extra arguments, the figures compared: (key, kind)); the ratio of a
# "rate" is rlhf4j / torch, of a "time" torch / rlhf4j (both: > 1 = rlhf4j faster), of "memory"
# rlhf4j / torch (< 1 = rlhf4j smaller)
BENCHES = {
    "rm": (["gpt2-256", "llama-256", "gpt2-512", "llama-512"], ["rm"],
           [("train_pairs_per_s", "rate"), ("score_pairs_per_s", "rate"), ("peak_rss_mb", "memory")]),
    "train": (["gpt2-256", "llama-256", "gpt2-512", "llama-512"], ["train"],
              [("steps_per_s", "rate"), ("peak_rss_mb", "memory"), ("user_s", "time"), ("sys_s", "raw"),
               ("minor_faults", "raw")]),
    "decode": (["gpt2-256/1", "gpt2-256/32", "gpt2-512/1", "gpt2-512/32"], ["generate", "--no-uncached"],
               [("tokens_per_s_warm", "rate"), ("tokens_per_s_first_call", "rate"), ("peak_rss_mb", "memory")]),
    "beam": (["gpt2-256/1", "gpt2-256/8", "gpt2-512/1", "gpt2-512/8"], ["generate", "--num-beams", "4"],
             [("tokens_per_s_warm", "rate"), ("tokens_per_s_first_call", "rate"), ("peak_rss_mb", "memory")]),
    "ppo": (["gpt2-256", "gpt2-512"], ["ppo"],
            [("iteration_s", "time"), ("generate_s", "time"), ("score_s", "time"), ("train_s", "time"),
             ("peak_rss_mb", "memory")]),
}


# ---------------------------------------------------------------- the PyTorch side (--worker)

def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def config(name, seq, attn):
    import transformers as tf
    s = SIZES[name]
    if s["family"] == "gpt2":
        c = tf.GPT2Config(vocab_size=VOCAB, n_embd=s["d"], n_layer=s["layers"], n_head=s["heads"],
                          n_positions=seq, activation_function="gelu_new", layer_norm_epsilon=1e-5,
                          resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, pad_token_id=0,
                          bos_token_id=None, eos_token_id=None)
    else:
        c = tf.LlamaConfig(vocab_size=VOCAB, hidden_size=s["d"], num_hidden_layers=s["layers"],
                           num_attention_heads=s["heads"], num_key_value_heads=s["kv"],
                           intermediate_size=s["inner"], max_position_embeddings=seq, rms_norm_eps=1e-6,
                           tie_word_embeddings=False, pad_token_id=0)
    c._attn_implementation = attn
    return c


def causal_lm(name, seq, attn):
    import transformers as tf
    return tf.AutoModelForCausalLM.from_config(config(name, seq, attn))


class ScalarModel:
    """A trunk and a (1, C) head without bias: reward model (pooled) and critic (every position)."""

    def __init__(self, name, seq, attn):
        import torch
        import transformers as tf
        self.trunk = tf.AutoModel.from_config(config(name, seq, attn))
        self.head = torch.nn.Linear(SIZES[name]["d"], 1, bias=False)

    def parameters(self):
        return list(self.trunk.parameters()) + list(self.head.parameters())

    def per_token(self, ids, mask):
        h = self.trunk(input_ids=ids, attention_mask=mask).last_hidden_state
        return self.head(h).squeeze(-1)  # (B, T)

    def scores(self, ids, mask):
        import torch
        h = self.trunk(input_ids=ids, attention_mask=mask).last_hidden_state
        t = ids.shape[1]
        last = (mask * torch.arange(t)).argmax(-1)  # the last real token
        return self.head(h[torch.arange(ids.shape[0]), last]).squeeze(-1)


def adamw(params, **kw):
    import torch
    params = [p for p in params if p.requires_grad]
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": kw.pop("weight_decay", 0.01)},
                              {"params": no_decay, "weight_decay": 0.0}], **kw)


def padded(rows, seq):
    import torch
    ids = torch.zeros(len(rows), seq, dtype=torch.long)
    mask = torch.zeros(len(rows), seq, dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, :len(r)] = torch.tensor(r)
        mask[i, :len(r)] = 1
    return ids, mask


def ragged(g, n, seq):
    import torch
    return [torch.randint(1, VOCAB, (int(torch.randint(seq // 2, seq + 1, (1,), generator=g)),), generator=g).tolist()
            for _ in range(n)]


def worker_rm(name, attn, steps=3, pairs=8, score_pairs=32, seq=256):
    import torch
    torch.manual_seed(1)
    g = torch.Generator().manual_seed(7)
    rm = ScalarModel(name, seq, attn)
    rm.trunk.eval()  # dropout off, as rlhf4j's bench
    train = ragged(g, 2 * pairs, seq)
    score = ragged(g, 2 * score_pairs, seq)
    opt = adamw(rm.parameters(), lr=1e-5, weight_decay=0.0)
    best_train = best_score = float("inf")
    for i in range(steps + 1):
        t0 = time.perf_counter()
        ids, mask = padded(train, max(map(len, train)))
        r = rm.scores(ids, mask)
        loss = -torch.nn.functional.logsigmoid(r[0::2] - r[1::2]).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(rm.parameters(), 1.0)
        opt.step()
        opt.zero_grad()
        t1 = time.perf_counter()
        with torch.no_grad():
            ids, mask = padded(score, max(map(len, score)))
            rm.scores(ids, mask).tolist()
        t2 = time.perf_counter()
        if i > 0:
            best_train, best_score = min(best_train, t1 - t0), min(best_score, t2 - t1)
    return {"train_pairs_per_s": pairs / best_train, "score_pairs_per_s": score_pairs / best_score}


def worker_train(name, attn, steps=3, batch=4, seq=256):
    import torch
    torch.manual_seed(1)
    model = causal_lm(name, seq, attn)
    model.eval()  # dropout off; gradients still flow
    ids = torch.randint(0, VOCAB, (batch, seq), generator=torch.Generator().manual_seed(3))
    opt = adamw(model.parameters(), lr=1e-5)
    best, best_times = float("inf"), None
    for i in range(steps + 1):
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        logits = model(input_ids=ids).logits
        logp = logits[:, :-1].log_softmax(-1)
        loss = -logp.gather(2, ids[:, 1:].unsqueeze(-1)).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad()
        loss.item()
        dt = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        if i > 0 and dt < best:
            best = dt
            best_times = {"minor_faults": r1.ru_minflt - r0.ru_minflt, "user_s": r1.ru_utime - r0.ru_utime,
                          "sys_s": r1.ru_stime - r0.ru_stime}
    return {"steps_per_s": 1.0 / best, "tokens_per_s": batch * seq / best, **best_times}


def worker_decode(case, attn, prompt_len=32, new_tokens=64):
    import torch
    name, batch = case.split("/")
    batch = int(batch)
    torch.manual_seed(1)
    model = causal_lm(name, 512, attn)
    model.eval()
    prompts = torch.randint(1, VOCAB, (batch, prompt_len), generator=torch.Generator().manual_seed(5))
    mask = torch.ones_like(prompts)

    def run(n):
        t0 = time.perf_counter()
        with torch.no_grad():
            out = model.generate(input_ids=prompts, attention_mask=mask, max_new_tokens=n, min_new_tokens=n,
                                 do_sample=False, pad_token_id=0, eos_token_id=None)
        assert out.shape[1] == prompt_len + n
        return batch * n / (time.perf_counter() - t0)

    first = run(new_tokens)
    run(4)
    warm = max(run(new_tokens) for _ in range(3))
    return {"tokens_per_s_first_call": first, "tokens_per_s_warm": warm}


def worker_beam(case, attn, prompt_len=32, new_tokens=64, num_beams=4):
    import torch
    name, batch = case.split("/")
    batch = int(batch)
    torch.manual_seed(1)
    model = causal_lm(name, 512, attn)
    model.eval()
    prompts = torch.randint(1, VOCAB, (batch, prompt_len), generator=torch.Generator().manual_seed(5))
    mask = torch.ones_like(prompts)

    def run(n):
        t0 = time.perf_counter()
        with torch.no_grad():
            out = model.generate(input_ids=prompts, attention_mask=mask, max_new_tokens=n, num_beams=num_beams,
                                 do_sample=False, pad_token_id=0, eos_token_id=None)
        assert out.shape == (batch, prompt_len + n)
        return batch * n / (time.perf_counter() - t0)

    first = run(new_tokens)
    run(4)
    warm = max(run(new_tokens) for _ in range(3))
    return {"tokens_per_s_first_call": first, "tokens_per_s_warm": warm}


def worker_ppo(name, attn, batch=16, prompt_len=32, new_tokens=32, iterations=2, epochs=4, temperature=0.7):
    import torch
    import torch.nn.functional as F
    torch.manual_seed(1)
    seq = 256
    policy, ref = causal_lm(name, seq, attn), causal_lm(name, seq, attn)
    rm, critic = ScalarModel(name, seq, attn), ScalarModel(name, seq, attn)
    for m in (policy, ref, rm.trunk, critic.trunk):
        m.eval()  # dropout off everywhere, as rlhf4j's PPO
    for p in list(ref.parameters()) + rm.parameters():
        p.requires_grad_(False)
    opt_p = adamw(policy.parameters(), lr=3e-6, eps=1e-5, weight_decay=0.0)
    opt_c = adamw(critic.parameters(), lr=3e-5, eps=1e-5, weight_decay=0.0)
    g = torch.Generator().manual_seed(1)

    def logprobs(model, seq_ids, mask, p):
        logits = model(input_ids=seq_ids, attention_mask=mask).logits[:, p - 1:-1] / temperature
        return torch.gather(logits.log_softmax(-1), 2, seq_ids[:, p:].unsqueeze(-1)).squeeze(-1)

    def whiten(x, m):
        mean = (x * m).sum() / m.sum()
        var = ((x - mean) ** 2 * m).sum() / (m.sum() - 1)
        return (x - mean) * torch.rsqrt(var + 1e-8)

    times = None
    for _ in range(iterations):
        prompts = torch.randint(1, VOCAB, (batch, prompt_len), generator=g)
        t0 = time.perf_counter()
        # 1. generate
        with torch.no_grad():
            out = policy.generate(input_ids=prompts, attention_mask=torch.ones_like(prompts), do_sample=True,
                                  temperature=temperature, top_k=0, top_p=1.0, max_new_tokens=new_tokens,
                                  min_new_tokens=new_tokens, pad_token_id=0, eos_token_id=None)
        t1 = time.perf_counter()
        # 2. score
        mask = torch.ones_like(out)
        rmask = torch.ones(batch, new_tokens)
        with torch.no_grad():
            old_logp = logprobs(policy, out, mask, prompt_len)
            ref_logp = logprobs(ref, out, mask, prompt_len)
            old_values = critic.per_token(out, mask)[:, prompt_len - 1:-1]
            scores = rm.scores(out, mask)
        t2 = time.perf_counter()
        # 3.-4. rewards, GAE, whitening
        rewards = -0.05 * (old_logp - ref_logp)
        rewards[:, -1] += scores
        adv = torch.zeros_like(rewards)
        last = torch.zeros(batch)
        for t in reversed(range(new_tokens)):
            nv = old_values[:, t + 1] if t + 1 < new_tokens else torch.zeros(batch)
            delta = rewards[:, t] + nv - old_values[:, t]
            last = delta + 0.95 * last
            adv[:, t] = last
        returns = adv + old_values
        adv = whiten(adv, rmask)
        # 5. PPO epochs, one minibatch each
        for _ in range(epochs):
            new_logp = logprobs(policy, out, mask, prompt_len)
            ratio = torch.exp(new_logp - old_logp)
            pg = torch.max(-adv * ratio, -adv * ratio.clamp(0.8, 1.2)).mean()
            v = critic.per_token(out, mask)[:, prompt_len - 1:-1]
            vc = old_values + (v - old_values).clamp(-0.2, 0.2)
            vf = 0.5 * torch.max((v - returns) ** 2, (vc - returns) ** 2).mean()
            loss = pg + 0.1 * vf
            loss.backward()
            torch.nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
            torch.nn.utils.clip_grad_norm_(critic.parameters(), 1.0)
            opt_p.step()
            opt_c.step()
            opt_p.zero_grad()
            opt_c.zero_grad()
            loss.item()
        t3 = time.perf_counter()
        times = {"generate_s": t1 - t0, "score_s": t2 - t1, "train_s": t3 - t2, "iteration_s": t3 - t0}
    return times


def worker(bench, case, threads, attn, trace=None):
    import torch
    torch.set_num_threads(threads)
    fn = {"rm": worker_rm, "train": worker_train, "decode": worker_decode, "beam": worker_beam,
          "ppo": worker_ppo}[bench]
    if trace:
        # libtorch's per-op profile, as rlhf4j --torch-profile records it on the JVM side
        from torch.profiler import ProfilerActivity, profile
        with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as p:
            row = fn(case, attn)
        p.export_chrome_trace(trace)
    else:
        row = fn(case, attn)
    row["peak_rss_mb"] = peak_rss_mb()
    return row


# ---------------------------------------------------------------- the driver

def run_java(sub, case, threads, java_opts, trace=None):
    """One case in a fresh JVM, started by the ./rlhf4j launcher as users start it (its allocator
    settings included; it builds the jar first when a source is newer)."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    opts = java_opts + [f"-Dai.djl.pytorch.num_threads={threads}", "-Dai.djl.pytorch.num_interop_threads=1"]
    cmd = ([LAUNCHER, "bench"] + sub + ["--only", case, "--json", out]
           + (["--torch-profile", trace] if trace else []))
    res = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                         env=dict(os.environ, RLHF4J_JAVA_OPTS=" ".join(opts)))
    if res.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{res.stderr}")
    with open(out) as f:
        rows = json.load(f)["rows"]
    os.unlink(out)
    return rows[0]


def run_torch(bench, case, threads, attn, trace=None):
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", bench, "--case", case, "--threads", str(threads),
           "--attn", attn] + (["--trace", trace] if trace else [])
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{res.stderr}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench", default="rm,train,decode,beam,ppo", help="comma-separated: " + ",".join(BENCHES))
    ap.add_argument("--only", default=None, help="comma-separated cases (e.g. gpt2-256,gpt2-512/32)")
    ap.add_argument("--threads", type=int, default=1, help="intra-op threads on both sides (default 1)")
    ap.add_argument("--rounds", type=int, default=1, help="interleaved rounds; the median is reported")
    ap.add_argument("--attn", default="sdpa", choices=["sdpa", "eager"])
    ap.add_argument("--java-opts", default="-Xmx8g")
    ap.add_argument("--json", default=None, help="write the rows here")
    ap.add_argument("--profile", default=None, metavar="DIR",
                    help="also record each case's libtorch profile on both sides as Chrome traces in DIR"
                         " (BENCH-CASE-rlhf4j.json, BENCH-CASE-torch.json; compare with tools/trace_ops.py);"
                         " the profiler slows both sides, so the ratios of such a run are not the table's")
    ap.add_argument("--trace", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--case", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        print(json.dumps(worker(a.worker, a.case, a.threads, a.attn, a.trace)))
        return

    if a.profile:
        os.makedirs(a.profile, exist_ok=True)
    only = set(a.only.split(",")) if a.only else None
    results = []
    for bench in a.bench.split(","):
        cases, sub, figures = BENCHES[bench]
        for case in cases:
            if only and case not in only:
                continue
            java, torch_ = [], []
            for r in range(a.rounds):
                order = ["java", "torch"] if r % 2 == 0 else ["torch", "java"]
                for side in order:
                    # the last round's traces are kept
                    name = f"{bench}-{case.replace('/', '_')}-{'rlhf4j' if side == 'java' else 'torch'}.json"
                    trace = os.path.join(a.profile, name) if a.profile else None
                    if side == "java":
                        java.append(run_java(sub, case, a.threads, a.java_opts.split(), trace))
                    else:
                        torch_.append(run_torch(bench, case, a.threads, a.attn, trace))
            row = {"bench": bench, "case": case}
            for key, kind in figures:
                j = median([x[key] for x in java])
                t = median([x[key] for x in torch_])
                # raw: both sides' figures without a ratio (system time and page faults can be 0)
                row[key] = {"rlhf4j": j, "torch": t,
                            "ratio": None if kind == "raw" else t / j if kind == "time" else j / t}
            results.append(row)
            print(format_row(row, figures), flush=True)
    print(f"\nratio: rates rlhf4j / PyTorch, times PyTorch / rlhf4j (> 1: rlhf4j faster), peak RSS rlhf4j / PyTorch;"
          f" threads {a.threads}, "
          f"rounds {a.rounds}, attention {a.attn}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"threads": a.threads, "rounds": a.rounds, "attn": a.attn, "rows": results}, f, indent=2)


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])


def format_row(row, figures):
    parts = [f"{row['bench']:7s} {row['case']:12s}"]
    for key, _ in figures:
        v = row[key]
        ratio = "" if v["ratio"] is None else f" = {v['ratio']:.2f}x"
        parts.append(f"{key} {v['rlhf4j']:.4g} vs {v['torch']:.4g}{ratio}")
    return "  ".join(parts)


if __name__ == "__main__":
    main()
