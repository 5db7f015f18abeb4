package dev.rlhf4j.rm.train;

import java.util.List;

/**
 * The keys reward-model training writes to {@code metrics.jsonl} besides the shared {@code step,
 * loss, lr, grad_norm, tokens_per_s} (averages since the previous line; {@code eval/*} on the
 * held-out pairs at evaluation steps).
 */
public final class RewardMetrics {

    private RewardMetrics() {}

    public static final String ACCURACY = "train/accuracy";
    public static final String MARGIN = "train/margin";
    public static final String REWARD_CHOSEN = "train/reward_chosen";
    public static final String REWARD_REJECTED = "train/reward_rejected";
    public static final String PAIRS_PER_S = "train/pairs_per_s";
    public static final String EPOCH = "train/epoch";
    public static final String EVAL_LOSS = "eval/loss";
    public static final String EVAL_ACCURACY = "eval/accuracy";
    public static final String EVAL_MARGIN = "eval/margin";
    public static final String EVAL_REWARD_CHOSEN = "eval/reward_chosen";
    public static final String EVAL_REWARD_REJECTED = "eval/reward_rejected";

    public static final List<String> ALL = List.of(ACCURACY, MARGIN, REWARD_CHOSEN, REWARD_REJECTED, PAIRS_PER_S, EPOCH,
            EVAL_LOSS, EVAL_ACCURACY, EVAL_MARGIN, EVAL_REWARD_CHOSEN, EVAL_REWARD_REJECTED);
}
