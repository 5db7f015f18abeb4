package dev.rlhf4j.core.train;

import dev.rlhf4j.core.util.Checks;

/**
 * A learning-rate schedule with linear warmup, equal to Hugging Face transformers'
 * {@code get_constant_schedule_with_warmup}, {@code get_linear_schedule_with_warmup} and {@code
 * get_cosine_schedule_with_warmup} (one half cosine, {@code num_cycles = 0.5}) at every step:
 *
 * <pre>
 *   step &lt; warmup : peak * step / max(1, warmup)
 *   constant      : peak
 *   linear        : peak * max(0, (total - step) / max(1, total - warmup))
 *   cosine        : peak * max(0, 0.5 * (1 + cos(pi * 0.5 * 2 * progress))),
 *                   progress = (step - warmup) / max(1, total - warmup)
 * </pre>
 *
 * <p>Computed in double precision in the same order of operations as transformers; the cosine is
 * {@link Math#cos}, which on x86-64 gives the same values as the C library's {@code cos} that
 * Python calls ({@link StrictMath#cos} differs in the last bit at some arguments).
 *
 * <p>{@code step} counts the optimizer updates already made, so {@code lr(0)} is the rate of the
 * first update (0 when there is warmup, as in transformers). The schedule is a pure function of
 * the step: its position in a checkpoint is the optimizer step count.
 *
 * @param kind the shape after warmup
 * @param peakLr the rate reached at the end of warmup (> 0)
 * @param warmupSteps updates of linear warmup from 0 (>= 0)
 * @param totalSteps total updates; the linear and cosine schedules reach 0 there (ignored by
 *     constant)
 */
public record LrSchedule(Kind kind, double peakLr, long warmupSteps, long totalSteps) {

    /** The shape of the schedule after warmup. */
    public enum Kind {
        CONSTANT,
        LINEAR,
        COSINE
    }

    public LrSchedule {
        Checks.notNull("schedule", kind);
        Checks.positive("lr", peakLr);
        Checks.nonNegative("warmup_steps", warmupSteps);
        Checks.nonNegative("total_steps", totalSteps);
    }

    /** The schedule a stage's shared {@code training:} block describes, over {@code totalSteps} updates. */
    public static LrSchedule of(dev.rlhf4j.core.config.TrainingConfig training, long totalSteps) {
        return new LrSchedule(Kind.valueOf(training.schedule().name()), training.lr(), training.warmupSteps(), totalSteps);
    }

    /** Linear warmup to {@code peakLr}, then constant. */
    public static LrSchedule constant(double peakLr, long warmupSteps) {
        return new LrSchedule(Kind.CONSTANT, peakLr, warmupSteps, 0);
    }

    /** Linear warmup to {@code peakLr}, then linear decay to 0 at {@code totalSteps}. */
    public static LrSchedule linear(double peakLr, long warmupSteps, long totalSteps) {
        return new LrSchedule(Kind.LINEAR, peakLr, warmupSteps, totalSteps);
    }

    /** Linear warmup to {@code peakLr}, then half-cosine decay to 0 at {@code totalSteps}. */
    public static LrSchedule cosine(double peakLr, long warmupSteps, long totalSteps) {
        return new LrSchedule(Kind.COSINE, peakLr, warmupSteps, totalSteps);
    }

    /** The learning rate of the update that follows {@code step} completed updates. */
    public double lr(long step) {
        return peakLr * factor(Checks.nonNegative("step", step));
    }

    private double factor(long step) {
        if (step < warmupSteps) {
            return (double) step / Math.max(1, warmupSteps);
        }
        return switch (kind) {
            case CONSTANT -> 1.0;
            case LINEAR -> Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
            case COSINE -> {
                double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
                yield Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * 0.5 * 2.0 * progress)));
            }
        };
    }
}
