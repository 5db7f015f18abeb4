package dev.rlhf4j.ppo;

import java.util.List;

/**
 * The keys PPO writes to {@code metrics.jsonl}, one line per logged iteration (besides the shared
 * {@code step, loss, lr, grad_norm, tokens_per_s}). Named as TRL's PPO trainer names them where it
 * has them; the README's metrics table is checked against {@link #ALL}. Without a critic
 * ({@link Algorithm#criticFree()}) {@code loss/value}, {@code val/*} and {@code lr/critic} are not
 * written.
 */
public final class PpoMetrics {

    private PpoMetrics() {}

    public static final String KL = "objective/kl";
    public static final String KL_K3 = "objective/kl_k3";
    public static final String ENTROPY = "objective/entropy";
    public static final String NON_SCORE_REWARD = "objective/non_score_reward";
    public static final String SCORES = "objective/scores";
    public static final String SCORES_RAW = "objective/scores_raw";
    public static final String RLHF_REWARD = "objective/rlhf_reward";
    public static final String BETA = "objective/beta";
    /** rloo and grpo: the share of prompts whose k scores are all equal (TRL's {@code frac_reward_zero_std}). */
    public static final String FRAC_REWARD_ZERO_STD = "objective/frac_reward_zero_std";
    public static final String APPROX_KL = "policy/approxkl";
    public static final String CLIPFRAC = "policy/clipfrac";
    public static final String RATIO_MEAN = "policy/ratio_mean";
    public static final String RATIO_VAR = "policy/ratio_var";
    public static final String FIRST_RATIO_MEAN = "policy/first_ratio_mean";
    public static final String FIRST_CLIPFRAC = "policy/first_clipfrac";
    public static final String LOSS_POLICY = "loss/policy";
    public static final String LOSS_VALUE = "loss/value";
    public static final String LOSS_PTX = "loss/ptx";
    /** grpo: the mean per-token k3 KL to the reference in the loss (before β; TRL's {@code kl}). */
    public static final String LOSS_KL = "loss/kl";
    public static final String VALUE_CLIPFRAC = "val/clipfrac";
    public static final String EXPLAINED_VARIANCE = "val/explained_variance";
    public static final String VALUE_MEAN = "val/mean";
    public static final String RESPONSE_LENGTH = "response/length";
    public static final String EOS_RATE = "response/eos_rate";
    public static final String SKIPPED_STEPS = "train/skipped_steps";
    public static final String LR_POLICY = "lr/policy";
    public static final String LR_CRITIC = "lr/critic";
    public static final String TIME_GENERATE = "time/generate";
    public static final String TIME_SCORE = "time/score";
    public static final String TIME_TRAIN = "time/train";
    public static final String TOKENS_PER_S = "throughput/tokens_per_s";
    /** Prefix of the extra measurements ({@link PpoTrainer.SampleMetric}): {@code eval/<name>}. */
    public static final String EVAL_PREFIX = "eval/";

    /** Every key above, in the order they are logged. */
    public static final List<String> ALL = List.of(KL, KL_K3, ENTROPY, NON_SCORE_REWARD, SCORES, SCORES_RAW,
            RLHF_REWARD, BETA, FRAC_REWARD_ZERO_STD, APPROX_KL, CLIPFRAC, RATIO_MEAN, RATIO_VAR, FIRST_RATIO_MEAN, FIRST_CLIPFRAC,
            LOSS_POLICY, LOSS_VALUE, LOSS_KL, LOSS_PTX, VALUE_CLIPFRAC, EXPLAINED_VARIANCE, VALUE_MEAN, RESPONSE_LENGTH, EOS_RATE,
            SKIPPED_STEPS, LR_POLICY, LR_CRITIC, TIME_GENERATE, TIME_SCORE, TIME_TRAIN, TOKENS_PER_S);
}
