#!/usr/bin/env python3
"""Golden values for rlhf4j's PPO numerics (core ops and the ppo package).

Run with the reference venv:

    /opt/pyref/bin/python tools/make_ppo_fixtures.py

Writes two small JSON files (inputs and expected outputs, float32 values):
  core/src/test/resources/fixtures/ops_numerics.json   masked ops, log-probs, entropy (dev.rlhf4j.core.ops)
  ppo/src/test/resources/fixtures/ppo_numerics.json    KL, rewards, GAE, whitening, losses, KL controller

Where the computation comes from (see also the per-block comments):
  * trl.trainer.utils.selective_log_softmax, trl.trainer.utils.entropy_from_logits and
    trl.experimental.utils.first_true_indices are imported from the installed trl.
  * The installed trl (1.16.0) no longer ships the PPO trainer or its helpers. masked_mean, masked_var,
    masked_whiten and the reward / KL / GAE / loss lines of PPOTrainer.train() are copied from
    trl/experimental/ppo/ppo_trainer.py of huggingface/trl at commit TRL_PPO_COMMIT (the newest
    version of that file). AdaptiveKLController is copied from trl/trainer/utils.py at tag v0.13.0,
    the last release that had it.
  * Where PPO-NOTES.md (the project's spec) differs from TRL, the "expected" value follows
    PPO-NOTES and TRL's own value is stored next to it with a "_trl" suffix where it is comparable.
    The differences are listed in DIFFERENCES below and written into the JSON.
"""

import json
import os
import platform
from pathlib import Path

os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")

import numpy as np
import torch
import trl
from trl.experimental.utils import first_true_indices
from trl.trainer.utils import entropy_from_logits, selective_log_softmax

TRL_PPO_FILE = "trl/experimental/ppo/ppo_trainer.py"
TRL_PPO_COMMIT = "f2cd57710ae345ea6428ae95363267fcf38a3dc8"
TRL_KL_CONTROLLER_FILE = "trl/trainer/utils.py @ v0.13.0 (8d4cc9427d58f5f9ee8c405c7f111fa38032b3e8)"

DIFFERENCES = [
    "score position: TRL adds the score at sequence_length + 1 (one past the last real token, when it "
    "fits) and keeps one extra value (padding_mask_p1); PPO-NOTES put the score on the last real token "
    "and take V = 0 after it. The TRL GAE loop below runs on inputs prepared the PPO-NOTES way.",
    "missing EOS: TRL subtracts missing_eos_penalty from the score; PPO-NOTES replace the score by "
    "missing_eos_penalty (default -1 after normalisation), subtracting is the option.",
    "whitening: TRL's masked_whiten divides by rsqrt(var + 1e-8); PPO-NOTES divide by (std + 1e-8) "
    "(std from the unbiased masked variance). Both are stored (whitened_*_trl).",
    "approx_kl: TRL averages 0.5*(logp_new - logp_old)^2 over all positions, padding included "
    "(padding contributes 0 but counts); PPO-NOTES take the masked mean over real tokens.",
    "ratio mean/var and entropy: TRL logs unmasked means (and the variance of per-minibatch ratio "
    "means); here they are masked over real tokens, ratio variance unbiased.",
    "value loss mask: TRL uses padding_mask_p1 (one position past the last real token); here the "
    "real-token mask, like every other mean.",
    "KL estimator abs (|log ratio|) and reward normalisation / clipping have no TRL counterpart "
    "(TRL's PPO trainer supports k1 and k3 only).",
    "explained variance is not computed by TRL; the formula is CleanRL's (1 - Var(R - V) / Var(R)) "
    "with masked variances.",
    "temperature: TRL's PPO trainer divides logits by (temperature + 1e-7); selective_log_softmax and "
    "rlhf4j divide by the temperature itself.",
]

ROOT = Path(__file__).resolve().parent.parent
B, T, V = 4, 7, 11
LENGTHS = [7, 5, 3, 1]  # ragged; the last row has a single real token
HAS_EOS = [False, True, True, True]  # row 0 ran to max_new_tokens without EOS
GAMMA, LAM = 1.0, 0.95
CLIP_RANGE, CLIP_RANGE_VALUE = 0.2, 0.2
KL_COEF = 0.05
RM_MEAN, RM_STD = 0.5, 2.0
MISSING_EOS_PENALTY = -1.0

# --------------------------------------------------------------------------------------------
# Copied from TRL_PPO_FILE at TRL_PPO_COMMIT (Apache-2.0), unchanged.


def masked_mean(values: torch.Tensor, mask: torch.Tensor, axis: bool | None = None) -> torch.Tensor:
    """Compute mean of tensor with a masked values."""
    if axis is not None:
        return (values * mask).sum(axis=axis) / mask.sum(axis=axis)
    else:
        return (values * mask).sum() / mask.sum()


def masked_var(values: torch.Tensor, mask: torch.Tensor, unbiased: bool = True) -> torch.Tensor:
    """Compute variance of tensor with masked values."""
    mean = masked_mean(values, mask)
    centered_values = values - mean
    variance = masked_mean(centered_values**2, mask)
    if unbiased:
        mask_sum = mask.sum()
        if mask_sum == 0:
            raise ValueError(
                "The sum of the mask is zero, which can happen when `mini_batch_size=1`;"
                "try increase the `mini_batch_size` or `gradient_accumulation_steps`"
            )
        # note that if mask_sum == 1, then there is a division by zero issue
        # to avoid it you just need to use a larger minibatch_size
        bessel_correction = mask_sum / (mask_sum - 1)
        variance = variance * bessel_correction
    return variance


def masked_whiten(values: torch.Tensor, mask: torch.Tensor, shift_mean: bool = True) -> torch.Tensor:
    """Whiten values with masked values."""
    mean, var = masked_mean(values, mask), masked_var(values, mask)
    whitened = (values - mean) * torch.rsqrt(var + 1e-8)
    if not shift_mean:
        whitened += mean
    return whitened


INVALID_LOGPROB = 1.0

# Copied from TRL_KL_CONTROLLER_FILE (Apache-2.0), unchanged.


class AdaptiveKLController:
    """
    Adaptive KL controller described in the paper:
    https://huggingface.co/papers/1909.08593
    """

    def __init__(self, init_kl_coef, target, horizon):
        self.value = init_kl_coef
        self.target = target
        self.horizon = horizon

    def update(self, current, n_steps):
        target = self.target
        proportional_error = np.clip(current / target - 1, -0.2, 0.2)
        mult = 1 + proportional_error * n_steps / self.horizon
        self.value *= mult


# --------------------------------------------------------------------------------------------
# PPO-NOTES variants (not in TRL)


def notes_whiten(values, mask, shift_mean=True):
    """PPO-NOTES: (x - mean) / (std + 1e-8), std from the unbiased masked variance."""
    mean, var = masked_mean(values, mask), masked_var(values, mask)
    whitened = (values - mean) / (torch.sqrt(var) + 1e-8)
    if not shift_mean:
        whitened += mean
    return whitened


def process_scores(raw, has_eos, clip=None, penalty=MISSING_EOS_PENALTY, mode="replace"):
    """PPO-NOTES: normalise with the RM's (mean, std), optional clip, then the missing-EOS rule."""
    scores = (raw - RM_MEAN) / RM_STD
    if clip is not None:
        scores = scores.clamp(-clip, clip)
    scores = scores.clone()
    if mode == "replace":
        scores[~has_eos] = penalty
    else:
        # the TRL line (TRL_PPO_FILE, "Response Processing 3"): scores[~contain_eos_token] -= penalty
        scores[~has_eos] -= penalty
    return scores


def gae(rewards, values, gamma, lam):
    """The loop of TRL_PPO_FILE, "6. compute advantages and returns", unchanged."""
    lastgaelam = 0
    advantages_reversed = []
    gen_length = rewards.shape[1]
    for t in reversed(range(gen_length)):
        nextvalues = values[:, t + 1] if t < gen_length - 1 else 0.0
        delta = rewards[:, t] + gamma * nextvalues - values[:, t]
        lastgaelam = delta + gamma * lam * lastgaelam
        advantages_reversed.append(lastgaelam)
    advantages = torch.stack(advantages_reversed[::-1], axis=1)
    returns = advantages + values
    return advantages, returns


def lst(x):
    if isinstance(x, torch.Tensor):
        if x.dtype == torch.bool:
            return x.tolist()
        if x.dtype in (torch.int32, torch.int64):
            return x.tolist()
        return x.detach().to(torch.float32).tolist()
    return x


def main():
    torch.manual_seed(20240607)
    f32 = torch.float32

    # ---- inputs: every tensor has garbage (not zeros) at padded positions, on purpose ----
    idx = torch.arange(T).repeat(B, 1)
    lengths = torch.tensor(LENGTHS)
    mask_bool = idx < lengths.unsqueeze(1)  # (B, T) real response tokens
    padding_mask = ~mask_bool
    mask = mask_bool.to(f32)
    has_eos = torch.tensor(HAS_EOS)

    logprobs = -(torch.rand(B, T) * 3 + 0.05)  # rollout policy log-probs of the sampled tokens
    ref_logprobs = (logprobs + 0.3 * torch.randn(B, T)).clamp(max=-1e-3)
    old_logprobs = logprobs.clone()  # PPO's behaviour policy = the rollout policy
    new_logprobs = old_logprobs + 0.25 * torch.randn(B, T)  # after some updates: some ratios clip
    values = torch.randn(B, T)  # critic at rollout time ("old values")
    new_values = values + 0.3 * torch.randn(B, T)
    raw_scores = torch.randn(B) * 2 + 1
    logits = torch.randn(B, T, V) * 2
    ids = torch.randint(0, V, (B, T))
    x = torch.randn(B, T) * 3 + 1  # a generic tensor for the masked ops

    # ---- core ops: masked statistics (TRL functions) ----
    ops = {
        "x": lst(x),
        "mask": lst(mask),
        "masked_sum": (x * mask).sum().item(),
        "masked_sum_rows": lst((x * mask).sum(1)),
        "masked_mean": masked_mean(x, mask).item(),
        "masked_mean_rows": lst(masked_mean(x, mask, axis=1)),
        "masked_var_unbiased": masked_var(x, mask, unbiased=True).item(),
        "masked_var_biased": masked_var(x, mask, unbiased=False).item(),
        # TRL's trainer fills the padded positions with 0 right after masked_whiten; so do we.
        "masked_whiten": lst(notes_whiten(x, mask).masked_fill(padding_mask, 0)),
        "masked_whiten_trl": lst(masked_whiten(x, mask).masked_fill(padding_mask, 0)),
        "masked_whiten_no_shift": lst(notes_whiten(x, mask, shift_mean=False).masked_fill(padding_mask, 0)),
        "masked_whiten_no_shift_trl": lst(masked_whiten(x, mask, shift_mean=False).masked_fill(padding_mask, 0)),
        # log-probs and entropy: installed trl functions
        "logits": lst(logits),
        "ids": lst(ids),
        "logprobs": lst(selective_log_softmax(logits, ids)),
        "logprobs_t07": lst(selective_log_softmax(logits, ids, temperature=0.7)),
        "entropy": lst(entropy_from_logits(logits)),
        "entropy_t07": lst(entropy_from_logits(logits / 0.7)),
    }

    # ---- ppo: as in TRL's trainer, padded log-probs become INVALID_LOGPROB, padded values 0 ----
    # TRL computes sequence_lengths from the first pad token; here the response ids have pads where
    # the mask is 0, so first_true_indices(...) - 1 is the index of the last real token.
    pad_id = -1
    responses = torch.where(mask_bool, ids, torch.full_like(ids, pad_id))
    sequence_lengths = first_true_indices(responses == pad_id) - 1
    assert sequence_lengths.tolist() == [n - 1 for n in LENGTHS]
    lp = torch.masked_fill(logprobs, padding_mask, INVALID_LOGPROB)
    ref_lp = torch.masked_fill(ref_logprobs, padding_mask, INVALID_LOGPROB)
    values_m = torch.masked_fill(values, padding_mask, 0)  # PPO-NOTES: V after the last real token is 0

    # KL estimators on the raw (unmasked) log ratio, elementwise; TRL's lines with logr = ref - logp
    log_ratio = logprobs - ref_logprobs
    logr = ref_logprobs - logprobs
    kl_k1 = -logr
    kl_k3 = (logr.exp() - 1) - logr
    kl_abs = log_ratio.abs()  # not in TRL

    scores = process_scores(raw_scores, has_eos)
    scores_clip_subtract = process_scores(raw_scores, has_eos, clip=0.5, penalty=1.0, mode="subtract")

    def token_rewards(kl_estimator, kl_coef, scores):
        # TRL_PPO_FILE "4. compute rewards", with the score on the last real token (PPO-NOTES)
        logr = ref_lp - lp
        kl = -logr if kl_estimator == "k1" else (logr.exp() - 1) - logr
        non_score_reward = -kl_coef * kl
        rewards = non_score_reward.clone()
        actual_start = torch.arange(rewards.size(0), device=rewards.device)
        actual_end = sequence_lengths  # TRL: sequence_lengths + 1 when it fits
        rewards[actual_start, actual_end] += scores
        return kl, non_score_reward, rewards

    kl1, nsr1, rewards_k1 = token_rewards("k1", KL_COEF, scores)
    kl3, nsr3, rewards_k3 = token_rewards("k3", 0.1, scores_clip_subtract)

    advantages, returns = gae(rewards_k1, values_m, GAMMA, LAM)
    advantages = advantages.masked_fill(padding_mask, 0)
    returns = returns.masked_fill(padding_mask, 0)
    adv_099, ret_099 = gae(rewards_k1, values_m, 0.99, 0.9)
    whitened = notes_whiten(advantages, mask).masked_fill(padding_mask, 0)
    whitened_trl = masked_whiten(advantages, mask).masked_fill(padding_mask, 0)

    # losses: TRL_PPO_FILE, the minibatch loop, with the real-token mask for both losses
    mb_advantage = whitened
    mb_values = values_m
    mb_return = returns
    new_lp = torch.masked_fill(new_logprobs, padding_mask, INVALID_LOGPROB)
    vpred = torch.masked_fill(new_values, padding_mask, 0)
    vpredclipped = torch.clamp(vpred, mb_values - CLIP_RANGE_VALUE, mb_values + CLIP_RANGE_VALUE)
    vf_losses1 = torch.square(vpred - mb_return)
    vf_losses2 = torch.square(vpredclipped - mb_return)
    vf_loss_max = torch.max(vf_losses1, vf_losses2)
    vf_loss = 0.5 * masked_mean(vf_loss_max, mask)
    vf_clipfrac = masked_mean((vf_losses2 > vf_losses1).float(), mask)
    logprobs_diff = new_lp - lp
    ratio = torch.exp(logprobs_diff)
    pg_losses = -mb_advantage * ratio
    pg_losses2 = -mb_advantage * torch.clamp(ratio, 1.0 - CLIP_RANGE, 1.0 + CLIP_RANGE)
    pg_loss_max = torch.max(pg_losses, pg_losses2)
    pg_loss = masked_mean(pg_loss_max, mask)
    pg_clipfrac = masked_mean((pg_losses2 > pg_losses).float(), mask)
    approxkl_trl = 0.5 * (logprobs_diff**2).mean()  # TRL: over all positions
    approx_kl = 0.5 * masked_mean(logprobs_diff**2, mask)  # PPO-NOTES: over real tokens
    ratio_mean = masked_mean(ratio, mask)
    ratio_var = masked_var(ratio, mask)
    # CleanRL: explained_var = 1 - np.var(y_true - y_pred) / np.var(y_true), masked here
    explained_variance = 1 - masked_var(returns - values_m, mask) / masked_var(returns, mask)
    entropy_mean = masked_mean(entropy_from_logits(logits), mask)

    # adaptive KL controller: mean_KL = per-sequence sum of k1, averaged over sequences
    mean_kl = (kl1 * mask).sum(1).mean().item()
    kl_cases = []
    for init, target, horizon, current, n in [
        (0.2, 6.0, 10000, mean_kl, B),
        (0.2, 6.0, 10000, 6.9, 64),
        (0.1, 6.0, 10000, 3.0, 256),
        (0.2, 6.0, 10000, 30.0, 512),
        (0.05, 1.0, 100, 1.1, 7),
    ]:
        ctl = AdaptiveKLController(init, target, horizon)
        ctl.update(current, n)
        kl_cases.append(
            {"init_beta": init, "target": target, "horizon": horizon, "mean_kl": current, "n": n, "beta": float(ctl.value)}
        )

    ppo = {
        "params": {
            "gamma": GAMMA, "lam": LAM, "clip_range": CLIP_RANGE, "clip_range_value": CLIP_RANGE_VALUE,
            "kl_coef": KL_COEF, "rm_mean": RM_MEAN, "rm_std": RM_STD, "missing_eos_penalty": MISSING_EOS_PENALTY,
            "case_k3": {"kl_coef": 0.1, "reward_clip": 0.5, "missing_eos_penalty": 1.0, "missing_eos": "subtract"},
            "case_gae_099": {"gamma": 0.99, "lam": 0.9},
        },
        "mask": lst(mask),
        "has_eos": lst(has_eos),
        "logprobs": lst(logprobs),
        "ref_logprobs": lst(ref_logprobs),
        "old_logprobs": lst(old_logprobs),
        "new_logprobs": lst(new_logprobs),
        "values": lst(values),
        "new_values": lst(new_values),
        "raw_scores": lst(raw_scores),
        "logits": lst(logits),
        "ids": lst(ids),
        "expected": {
            "kl_k1": lst(kl_k1),
            "kl_k3": lst(kl_k3),
            "kl_abs": lst(kl_abs),
            "scores": lst(scores),
            "scores_clip_subtract": lst(scores_clip_subtract),
            "kl_k1_masked": lst(kl1),
            "non_score_reward_k1": lst(nsr1),
            "rewards_k1": lst(rewards_k1),
            "kl_k3_masked": lst(kl3),
            "non_score_reward_k3": lst(nsr3),
            "rewards_k3": lst(rewards_k3),
            "advantages": lst(advantages),
            "returns": lst(returns),
            "advantages_gae_099": lst(adv_099),
            "returns_gae_099": lst(ret_099),
            "whitened_advantages": lst(whitened),
            "whitened_advantages_trl": lst(whitened_trl),
            "ratio": lst(ratio * mask),
            "pg_loss": pg_loss.item(),
            "pg_clipfrac": pg_clipfrac.item(),
            "vf_loss": vf_loss.item(),
            "vf_clipfrac": vf_clipfrac.item(),
            "approx_kl": approx_kl.item(),
            "approx_kl_trl": approxkl_trl.item(),
            "ratio_mean": ratio_mean.item(),
            "ratio_var": ratio_var.item(),
            "explained_variance": explained_variance.item(),
            "entropy_mean": entropy_mean.item(),
            "mean_kl": mean_kl,
            "kl_controller": kl_cases,
        },
    }

    provenance = {
        "script": "tools/make_ppo_fixtures.py",
        "torch": torch.__version__,
        "trl": trl.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "trl_ppo_source": f"huggingface/trl {TRL_PPO_FILE} @ {TRL_PPO_COMMIT} (copied; not in installed trl)",
        "trl_kl_controller_source": f"huggingface/trl {TRL_KL_CONTROLLER_FILE} (copied)",
        "differences_from_trl": DIFFERENCES,
        "shapes": {"B": B, "T": T, "V": V},
    }
    for rel, body in [
        ("core/src/test/resources/fixtures/ops_numerics.json", ops),
        ("ppo/src/test/resources/fixtures/ppo_numerics.json", ppo),
    ]:
        path = ROOT / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"provenance": provenance, **body}, indent=1) + "\n")
        print(f"wrote {rel} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
