package dev.rlhf4j.core.train;

import dev.rlhf4j.core.util.Checks;
import java.util.List;

/**
 * One optimizer update, the same in every stage, after the step's backward passes:
 *
 * <ol>
 *   <li>clip: each model's gradients to global norm {@code max_grad_norm} (0: only measured);
 *   <li>schedule: each model's learning rate at the current optimizer step;
 *   <li>guard: an update whose loss or any gradient norm is NaN/Inf is skipped, weights and
 *       moments untouched ({@link NonFiniteGuard}, which stops the run after too many in a row);
 *   <li>step: every optimizer steps, or none does; the optimizer step count advances;
 *   <li>clear: the gradients, for the next step (also after a skip, dropping the bad ones).
 * </ol>
 *
 * <p>Several models train together in one update (PPO's policy and critic): each {@link Part} has
 * its own optimizer and schedule, and a non-finite gradient in any of them skips them all, so they
 * never drift apart by one update. The optimizer step count is part of the resume state ({@link
 * #optimizerStep}, {@link #resumeAt}).
 */
public final class OptimizerStep {

    /** One model's optimizer and learning-rate schedule. */
    public record Part(String name, AdamW optimizer, LrSchedule schedule) {}

    /**
     * What one update did.
     *
     * @param gradNorms each part's global gradient norm before clipping
     * @param lrs each part's learning rate
     * @param applied whether the optimizers stepped (false: skipped as non-finite)
     */
    public record Result(double[] gradNorms, double[] lrs, boolean applied) {

        /** The first part's gradient norm (the only one of a single-model stage). */
        public double gradNorm() {
            return gradNorms[0];
        }

        /** The first part's learning rate. */
        public double lr() {
            return lrs[0];
        }
    }

    private final List<Part> parts;
    private final double maxGradNorm;
    private final NonFiniteGuard guard;
    private long optimizerStep;

    /**
     * @param maxGradNorm global-norm clipping per part; 0 = off
     * @param guard decides on non-finite updates (and stops the run after too many)
     * @param parts the models updated together, at least one
     */
    public OptimizerStep(double maxGradNorm, NonFiniteGuard guard, Part... parts) {
        this.maxGradNorm = Checks.nonNegative("max_grad_norm", maxGradNorm);
        this.guard = Checks.notNull("guard", guard);
        this.parts = List.of(parts);
        Checks.check(!this.parts.isEmpty(), "an optimizer step needs at least one optimizer");
    }

    /** A single model's update with the default guard. */
    public static OptimizerStep of(AdamW optimizer, LrSchedule schedule, double maxGradNorm) {
        return new OptimizerStep(maxGradNorm, new NonFiniteGuard(), new Part("model", optimizer, schedule));
    }

    /**
     * Clips, schedules, guards, steps and clears; see the class comment.
     *
     * @param step the training step, for the guard's messages
     * @param loss the step's loss
     * @throws NonFiniteGuard.NonFiniteException when too many updates in a row were non-finite
     */
    public Result apply(long step, double loss) {
        return apply("step " + step, loss);
    }

    /** As {@link #apply(long, double)}, the update named in words for the guard's messages. */
    public Result apply(String where, double loss) {
        double[] norms = new double[parts.size()];
        double[] lrs = new double[parts.size()];
        for (int i = 0; i < norms.length; i++) {
            List<NamedParameter> params = parts.get(i).optimizer().parameters();
            norms[i] = maxGradNorm > 0 ? GradClip.clipGlobalNorm(params, maxGradNorm) : GradClip.globalNorm(params);
            lrs[i] = parts.get(i).schedule().lr(optimizerStep);
        }
        boolean applied = guard.check(where, loss, nonFinite(norms));
        if (applied) {
            for (int i = 0; i < norms.length; i++) {
                parts.get(i).optimizer().step(lrs[i]);
            }
            optimizerStep++;
        }
        for (Part p : parts) {
            p.optimizer().zeroGrad();
        }
        return new Result(norms, lrs, applied);
    }

    /** The first non-finite norm, or the largest (all finite). */
    private static double nonFinite(double[] norms) {
        double max = 0;
        for (double n : norms) {
            if (!Double.isFinite(n)) {
                return n;
            }
            max = Math.max(max, n);
        }
        return max;
    }

    /** Updates applied so far (skipped ones do not count): where the schedules are. */
    public long optimizerStep() {
        return optimizerStep;
    }

    /** Restores the count saved with a checkpoint. */
    public void resumeAt(long optimizerStep) {
        this.optimizerStep = Checks.nonNegative("optimizer_step", optimizerStep);
    }

    /** The guard, for its counts. */
    public NonFiniteGuard guard() {
        return guard;
    }
}
