#!/usr/bin/env python3
"""Golden values for the critic-free algorithms of rlhf4j's PPO stage (ppo.algorithm: rloo, grpo,
reinforce_pp): advantages, returns and policy losses, as TRL and OpenRLHF define them.

Run with the reference venv:

    /opt/pyref/bin/python tools/make_advantage_fixture.py

Writes ppo/src/test/resources/fixtures/advantage_numerics.json (read by AdvantagesTest).

trl is not installed in /opt/pyref (and OpenRLHF needs deepspeed), so the lines below are written
here in torch, each following the named function of the named file at the named commit line by line:

  * RLOO:  huggingface/trl  trl/trainer/rloo_trainer.py  RLOOTrainer._generate_and_score_completions
           ("Include the KL penalty in the reward": kl = sum_t (old_logp - ref_logp) over the
           completion mask, rewards = rewards - beta * kl; "RLOO advantages computation":
           baseline = (group sum - r) / (k - 1), advantages = r - baseline).
  * GRPO:  huggingface/trl  trl/trainer/grpo_trainer.py  GRPOTrainer._generate_and_score_completions
           (mean_grouped_rewards, std from trl/trainer/utils.py nanstd (Bessel-corrected),
           scale_rewards group / batch / none, advantages / (std + 1e-4)) and GRPOTrainer._compute_loss
           (token-level importance sampling; per_token_kl = exp(ref - logp) - (ref - logp) - 1;
           per_token_loss = -min(coef_1 * A, clamp(coef_1, 1 - eps, 1 + eps) * A) + beta * per_token_kl;
           loss_type grpo / bnpo / dr_grpo reductions).
  * REINFORCE++: OpenRLHF/OpenRLHF  openrlhf/models/utils.py compute_approx_kl (k1, clamped to +-10)
           and compute_reward (-kl_coef * kl, score at the last action); openrlhf/trainer/ppo_utils/
           experience_maker.py get_cumulative_returns (gamma) and the "Normalize advantages across all
           experiences" block of compute_advantages_and_returns (masked mean, biased masked variance,
           rsqrt(var.clamp(min=1e-8))).
  * Policy loss of rloo and reinforce_pp: OpenRLHF openrlhf/models/loss.py PolicyLoss (policy_loss_type
           "ppo", token_level_loss=True: sum over real tokens / number of real tokens).

Differences from the references, on purpose (see README, "Online RL algorithms"):
  * TRL's RLOOTrainer takes one importance ratio per sequence (exp of the summed log-ratio); rlhf4j,
    like OpenRLHF, clips per token with the sequence advantage on every real token. The fixture's
    rloo loss is the token-level one.
  * OpenRLHF clamps each k1 estimate to +-10 nats and the policy log-ratio to +-20; the inputs here
    stay far inside both, and rlhf4j does not clamp.
"""

import json
import platform
from pathlib import Path

import numpy as np
import torch

TRL_COMMIT = "f2cd57710ae345ea6428ae95363267fcf38a3dc8"
OPENRLHF_COMMIT = "3c3be6234e0cb353e76bb8019947db9dfe99fca7"

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "ppo/src/test/resources/fixtures/advantage_numerics.json"

K = 3  # generations per prompt
PROMPTS = 2
B = K * PROMPTS
T = 6
MAX_COMPLETION_LENGTH = 8  # Dr. GRPO's constant (max_new_tokens), larger than T on purpose
LENGTHS = [6, 4, 1, 5, 6, 2]  # sequences ending early; row 2 has a single token
BETA = 0.05
GAMMA = 0.99
CLIP = 0.2


def lst(x):
    return x.detach().to(torch.float32).tolist()


# ---- TRL utils.nanstd (Bessel-corrected std; no NaNs occur here) ----
def nanstd(t, dim=None):
    mean = torch.nanmean(t, dim=dim, keepdim=True)
    var = torch.nanmean((t - mean) ** 2, dim=dim, keepdim=True)
    count = torch.sum(~torch.isnan(t), dim=dim, keepdim=True)
    var = var * count / (count - 1)
    out = torch.sqrt(var)
    return out.squeeze(dim) if dim is not None else out.squeeze()


# ---- RLOO (TRL rloo_trainer.py) ----
def rloo_advantages(scores, old_logp, ref_logp, mask, beta, k):
    per_token_kl = old_logp - ref_logp
    kl = (per_token_kl * mask).sum(-1)
    rewards = scores - beta * kl
    grouped = rewards.view(-1, k)
    grouped_sum = grouped.sum(dim=1, keepdim=True)
    baselines = ((grouped_sum - grouped) / (k - 1)).view(-1)
    return rewards, rewards - baselines


# ---- GRPO (TRL grpo_trainer.py) ----
def grpo_advantages(rewards, k, scale):
    mean = torch.nanmean(rewards.view(-1, k), dim=1).repeat_interleave(k, dim=0)
    if scale in ("group", "none"):
        std = nanstd(rewards.view(-1, k), dim=1).repeat_interleave(k, dim=0)
    else:
        std = nanstd(rewards).expand_as(rewards)
    adv = rewards - mean
    if scale != "none":
        adv = adv / (std + 1e-4)
    return adv


def grpo_loss(logp, old_logp, ref_logp, advantages, mask, beta, loss_type, eps, max_len):
    advantages = advantages.unsqueeze(1)
    coef_1 = torch.exp(logp - old_logp)
    per_token_kl = torch.exp(ref_logp - logp) - (ref_logp - logp) - 1
    coef_2 = torch.clamp(coef_1, 1 - eps, 1 + eps)
    per_token_loss = -torch.min(coef_1 * advantages, coef_2 * advantages)
    per_token_loss = per_token_loss + beta * per_token_kl
    if loss_type == "grpo":
        loss = ((per_token_loss * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)).mean()
    elif loss_type == "bnpo":
        loss = (per_token_loss * mask).sum() / mask.sum().clamp(min=1.0)
    elif loss_type == "dr_grpo":
        loss = (per_token_loss * mask).sum() / (per_token_loss.size(0) * max_len)
    mean_kl = (per_token_kl * mask).sum() / mask.sum()
    return loss, mean_kl


# ---- REINFORCE++ (OpenRLHF models/utils.py, ppo_utils/experience_maker.py) ----
def compute_approx_kl_k1(logp, ref_logp):
    return (logp.float() - ref_logp.float()).clamp(min=-10, max=10)


def compute_reward(r, kl_coef, kl, action_mask):
    kl_reward = -kl_coef * kl
    eos_indices = action_mask.size(1) - 1 - action_mask.long().fliplr().argmax(dim=1, keepdim=True)
    last_reward = torch.zeros_like(kl).scatter_(dim=1, index=eos_indices, src=r.unsqueeze(1).to(kl.dtype))
    return last_reward + kl_reward


def get_cumulative_returns(rewards, action_mask, gamma):
    returns = torch.zeros_like(rewards)
    cumulative = torch.zeros(rewards.size(0))
    rewards = action_mask * rewards
    for t in reversed(range(rewards.size(1))):
        cumulative = rewards[:, t] + gamma * cumulative
        returns[:, t] = cumulative
    return returns


def normalise_over_batch(adv, action_mask):
    n = action_mask.sum()
    mean = (adv * action_mask).sum() / n
    var = ((adv - mean).pow(2) * action_mask).sum() / n
    rstd = var.clamp(min=1e-8).rsqrt()
    return (adv - mean) * rstd


# ---- OpenRLHF loss.py PolicyLoss, "ppo", token-level ----
def token_policy_loss(logp, old_logp, advantages, mask, eps):
    ratio = (logp - old_logp).clamp(min=-20.0, max=20.0).exp()
    surr1 = ratio * advantages
    surr2 = ratio.clamp(1 - eps, 1 + eps) * advantages
    loss = -torch.min(surr1, surr2)
    return (loss * mask).sum() / mask.sum()


def main():
    torch.manual_seed(20250314)
    mask = (torch.arange(T).repeat(B, 1) < torch.tensor(LENGTHS).unsqueeze(1)).float()
    # garbage (not zeros) on padding everywhere, on purpose
    logprobs = -(torch.rand(B, T) * 3 + 0.05)  # rollout ("old") policy
    ref_logprobs = (logprobs + 0.3 * torch.randn(B, T)).clamp(max=-1e-3)
    new_logprobs = logprobs + 0.25 * torch.randn(B, T)  # after some updates: some ratios clip
    scores = torch.randn(B) * 1.5
    scores[3:6] = torch.tensor([0.7, 0.7, 0.2])  # group 2: a tie (a group of equal scores is checked by hand in Java)

    rloo_rewards, rloo_adv = rloo_advantages(scores, logprobs, ref_logprobs, mask, BETA, K)
    rloo_adv_tokens = rloo_adv.unsqueeze(1) * mask
    rloo_loss = token_policy_loss(new_logprobs, logprobs, rloo_adv_tokens, mask, CLIP)

    grpo = {}
    for scale in ("group", "batch", "none"):
        adv = grpo_advantages(scores, K, scale)
        grpo["advantages_" + scale] = lst(adv.unsqueeze(1) * mask)
        for loss_type in ("grpo", "bnpo", "dr_grpo"):
            loss, mean_kl = grpo_loss(new_logprobs, logprobs, ref_logprobs, adv, mask, BETA, loss_type, CLIP,
                                      MAX_COMPLETION_LENGTH)
            grpo["loss_" + scale + "_" + loss_type] = loss.item()
            grpo["kl"] = mean_kl.item()

    kl = compute_approx_kl_k1(logprobs, ref_logprobs)
    assert kl.abs().max() < 10
    rpp_rewards = compute_reward(scores, BETA, kl, mask)
    rpp_returns = get_cumulative_returns(rpp_rewards, mask, GAMMA)
    rpp_adv = normalise_over_batch(rpp_returns.clone(), mask)
    rpp_loss = token_policy_loss(new_logprobs, logprobs, rpp_adv, mask, CLIP)

    fixture = {
        "provenance": {
            "script": "tools/make_advantage_fixture.py",
            "torch": torch.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
            "trl_source": "huggingface/trl @ " + TRL_COMMIT
            + ": trl/trainer/rloo_trainer.py, trl/trainer/grpo_trainer.py, trl/trainer/utils.py (nanstd)",
            "openrlhf_source": "OpenRLHF/OpenRLHF @ " + OPENRLHF_COMMIT
            + ": openrlhf/models/utils.py, openrlhf/trainer/ppo_utils/experience_maker.py, openrlhf/models/loss.py",
        },
        "params": {"k": K, "beta": BETA, "gamma": GAMMA, "clip_range": CLIP,
                   "max_completion_length": MAX_COMPLETION_LENGTH},
        "mask": lst(mask),
        "scores": lst(scores),
        "logprobs": lst(logprobs),
        "ref_logprobs": lst(ref_logprobs),
        "new_logprobs": lst(new_logprobs),
        "rloo": {"rewards": lst(rloo_rewards), "advantages": lst(rloo_adv_tokens), "loss": rloo_loss.item()},
        "grpo": grpo,
        "reinforce_pp": {"rewards": lst(rpp_rewards * mask), "returns": lst(rpp_returns * mask),
                         "advantages": lst(rpp_adv * mask), "loss": rpp_loss.item()},
    }
    OUT.write_text(json.dumps(fixture, indent=1) + "\n")
    print("wrote", OUT, OUT.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
