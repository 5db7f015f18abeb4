package dev.rlhf4j.core.train;

import dev.rlhf4j.core.util.Checks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Skips optimizer steps whose loss or gradient norm is NaN or infinite, and stops the run when
 * too many come in a row.
 *
 * <pre>{@code
 * double gradNorm = GradClip.clipGlobalNorm(params, maxGradNorm);
 * if (guard.check(step, loss, gradNorm)) {
 *     optimizer.step(schedule.lr(optimizer step count));
 * }
 * optimizer.zeroGrad();                    // in both cases: drop the non-finite gradients
 * }</pre>
 *
 * <p>A skipped step leaves weights, Adam moments and the optimizer's step count as they were; the
 * data it consumed stays consumed. Each skip is logged (WARN) and counted; a finite step resets
 * the run of consecutive skips.
 */
public final class NonFiniteGuard {

    /** Default for {@code maxConsecutive}. */
    public static final int DEFAULT_MAX_CONSECUTIVE = 5;

    private static final Logger LOG = LoggerFactory.getLogger(NonFiniteGuard.class);

    private final int maxConsecutive;
    private int consecutive;
    private long skipped;

    /** A guard that stops after {@value #DEFAULT_MAX_CONSECUTIVE} non-finite steps in a row. */
    public NonFiniteGuard() {
        this(DEFAULT_MAX_CONSECUTIVE);
    }

    /** @param maxConsecutive non-finite steps in a row that stop the run (>= 1) */
    public NonFiniteGuard(int maxConsecutive) {
        this.maxConsecutive = Checks.positive("max_consecutive_nonfinite_steps", maxConsecutive);
    }

    /**
     * Decides whether step {@code step} may update the weights.
     *
     * @param step the training step, for the log and the error
     * @param loss the step's loss
     * @param gradNorm the step's global gradient norm (before clipping)
     * @return {@code true} if both are finite; {@code false} if the step must be skipped
     * @throws NonFiniteException on the {@code maxConsecutive}-th non-finite step in a row
     */
    public boolean check(long step, double loss, double gradNorm) {
        return check("step " + step, loss, gradNorm);
    }

    /**
     * As {@link #check(long, double, double)}, with the update named in words for the log and the
     * error (PPO: {@code "iteration 3, epoch 2, minibatch 1"}).
     */
    public boolean check(String where, double loss, double gradNorm) {
        if (Double.isFinite(loss) && Double.isFinite(gradNorm)) {
            consecutive = 0;
            return true;
        }
        consecutive++;
        skipped++;
        String what = Double.isFinite(loss)
                ? "gradient norm is " + gradNorm + " (loss " + loss + ")"
                : "loss is " + loss + " (gradient norm " + gradNorm + ")";
        if (consecutive >= maxConsecutive) {
            throw new NonFiniteException(String.format(
                    "training stopped at %s: %s; %d non-finite steps in a row reached the limit of %d (%d skipped in all)."
                            + " Lower the learning rate, set max_grad_norm, or check the data of these steps",
                    where, what, consecutive, maxConsecutive, skipped));
        }
        LOG.warn("{}: {}; skipping the update ({} in a row, {} skipped in all)", where, what, consecutive, skipped);
        return false;
    }

    /** Non-finite steps in a row so far. */
    public int consecutive() {
        return consecutive;
    }

    /** Non-finite steps skipped since the start. */
    public long skipped() {
        return skipped;
    }

    /** Thrown when too many steps in a row were not finite. */
    public static final class NonFiniteException extends TrainingStoppedException {
        private static final long serialVersionUID = 1L;

        NonFiniteException(String message) {
            super(message);
        }
    }
}
