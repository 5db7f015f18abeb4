package dev.rlhf4j.sft;

import java.util.List;

/** The keys SFT writes to {@code metrics.jsonl} besides the shared {@code step, loss, lr, grad_norm, tokens_per_s}. */
public final class SftMetrics {

    private SftMetrics() {}

    /** Fractional epoch: rows consumed / rows. */
    public static final String EPOCH = "train/epoch";
    /** Mean loss per completion token on the held-out file, at evaluation steps. */
    public static final String EVAL_LOSS = "eval/loss";
    /** exp of it. */
    public static final String EVAL_PERPLEXITY = "eval/perplexity";
    /** Share of completion tokens predicted exactly (argmax). */
    public static final String EVAL_TOKEN_ACCURACY = "eval/token_accuracy";

    public static final List<String> ALL = List.of(EPOCH, EVAL_LOSS, EVAL_PERPLEXITY, EVAL_TOKEN_ACCURACY);
}
