package dev.rlhf4j.core.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * The training-loop keys every stage shares (a {@code training:} block in each stage section).
 *
 * @param batchSize examples per micro-batch (default 8)
 * @param gradAccum micro-batches per optimizer step (default 1)
 * @param maxSteps optimizer steps; 0 = derive from {@code epochs} (default 0)
 * @param epochs passes over the data when {@code max_steps} is 0 (default 1)
 * @param lr peak learning rate (default 1e-5; tiny demo models need far more)
 * @param schedule LR schedule after warmup: constant, linear or cosine (default cosine)
 * @param warmupSteps linear warmup steps (default 0)
 * @param weightDecay decoupled AdamW weight decay, not applied to biases and norm gains (default 0)
 * @param adamBeta1 Adam β1 (default 0.9)
 * @param adamBeta2 Adam β2 (default 0.999)
 * @param adamEps Adam ε (default 1e-8)
 * @param maxGradNorm global L2 gradient clipping; 0 = off (default 1.0)
 * @param logEvery steps between metrics lines (default 10)
 * @param evalEvery steps between evaluations; 0 = only at the end (default 0)
 * @param saveEvery steps between checkpoints; 0 = only the final model (default 0)
 * @param keepCheckpoints checkpoints kept (default 2)
 * @param gradientCheckpointing recompute each decoder block in the backward instead of keeping its
 *     activations: less memory, about one more forward's time (default false; transformers'
 *     {@code gradient_checkpointing})
 */
public record TrainingConfig(
        @JsonProperty("batch_size") Integer batchSize,
        @JsonProperty("grad_accum") Integer gradAccum,
        @JsonProperty("max_steps") Long maxSteps,
        @JsonProperty("epochs") Double epochs,
        @JsonProperty("lr") Double lr,
        @JsonProperty("schedule") Schedule schedule,
        @JsonProperty("warmup_steps") Long warmupSteps,
        @JsonProperty("weight_decay") Double weightDecay,
        @JsonProperty("adam_beta1") Double adamBeta1,
        @JsonProperty("adam_beta2") Double adamBeta2,
        @JsonProperty("adam_eps") Double adamEps,
        @JsonProperty("max_grad_norm") Double maxGradNorm,
        @JsonProperty("log_every") Integer logEvery,
        @JsonProperty("eval_every") Integer evalEvery,
        @JsonProperty("save_every") Integer saveEvery,
        @JsonProperty("keep_checkpoints") Integer keepCheckpoints,
        @JsonProperty("gradient_checkpointing") Boolean gradientCheckpointing) {

    /** LR schedule after warmup. */
    public enum Schedule {
        CONSTANT,
        LINEAR,
        COSINE;

        @JsonValue
        public String key() {
            return name().toLowerCase();
        }
    }

    public TrainingConfig {
        batchSize = positive("batch_size", batchSize, 8);
        gradAccum = positive("grad_accum", gradAccum, 1);
        maxSteps = nonNegative("max_steps", maxSteps, 0L);
        epochs = positive("epochs", epochs, 1.0);
        lr = positive("lr", lr, 1e-5);
        schedule = schedule == null ? Schedule.COSINE : schedule;
        warmupSteps = nonNegative("warmup_steps", warmupSteps, 0L);
        weightDecay = nonNegative("weight_decay", weightDecay, 0.0);
        adamBeta1 = unit("adam_beta1", adamBeta1, 0.9);
        adamBeta2 = unit("adam_beta2", adamBeta2, 0.999);
        adamEps = positive("adam_eps", adamEps, 1e-8);
        maxGradNorm = nonNegative("max_grad_norm", maxGradNorm, 1.0);
        logEvery = positive("log_every", logEvery, 10);
        evalEvery = nonNegative("eval_every", evalEvery, 0);
        saveEvery = nonNegative("save_every", saveEvery, 0);
        keepCheckpoints = positive("keep_checkpoints", keepCheckpoints, 2);
        gradientCheckpointing = gradientCheckpointing != null && gradientCheckpointing;
    }

    /** Without gradient checkpointing. */
    public TrainingConfig(Integer batchSize, Integer gradAccum, Long maxSteps, Double epochs, Double lr,
            Schedule schedule, Long warmupSteps, Double weightDecay, Double adamBeta1, Double adamBeta2, Double adamEps,
            Double maxGradNorm, Integer logEvery, Integer evalEvery, Integer saveEvery, Integer keepCheckpoints) {
        this(batchSize, gradAccum, maxSteps, epochs, lr, schedule, warmupSteps, weightDecay, adamBeta1, adamBeta2,
                adamEps, maxGradNorm, logEvery, evalEvery, saveEvery, keepCheckpoints, null);
    }

    /** All defaults. */
    public static TrainingConfig defaults() {
        return new TrainingConfig(null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null);
    }

    /** Examples per optimizer step. */
    public int effectiveBatchSize() {
        return batchSize * gradAccum;
    }

    /** Optimizer steps for a dataset of {@code examples}: max_steps, or epochs × ceil(examples / effective batch). */
    public long totalSteps(long examples) {
        if (maxSteps > 0) {
            return maxSteps;
        }
        long perEpoch = Math.max(1, (examples + effectiveBatchSize() - 1) / effectiveBatchSize());
        return Math.max(1, (long) Math.ceil(epochs * perEpoch));
    }

    private static <T extends Number> T positive(String key, T v, T fallback) {
        if (v == null) {
            return fallback;
        }
        if (!(v.doubleValue() > 0)) {
            throw new IllegalArgumentException(key + " must be > 0, but is: " + v);
        }
        return v;
    }

    private static <T extends Number> T nonNegative(String key, T v, T fallback) {
        if (v == null) {
            return fallback;
        }
        if (!(v.doubleValue() >= 0)) {
            throw new IllegalArgumentException(key + " must be >= 0, but is: " + v);
        }
        return v;
    }

    private static Double unit(String key, Double v, double fallback) {
        if (v == null) {
            return fallback;
        }
        if (!(v >= 0 && v < 1)) {
            throw new IllegalArgumentException(key + " must be in [0, 1), but is: " + v);
        }
        return v;
    }
}
