package dev.rlhf4j.ppo;

import ai.djl.ndarray.NDArray;
import dev.rlhf4j.core.ops.Masked;

/**
 * The KL coefficient β of the per-token penalty {@code −β · kl_t}, fixed or adaptive (PPO-NOTES,
 * Per-token rewards and KL). Immutable: {@link #update} returns the controller for the next
 * iteration, so β is a plain value to log and checkpoint.
 */
public sealed interface KlController permits KlController.Fixed, KlController.Adaptive {

    /** PPO-NOTES default for a fixed β. */
    double DEFAULT_FIXED_BETA = 0.05;

    /** The current coefficient β. */
    double beta();

    /**
     * The controller after one batch.
     *
     * @param meanKl the batch's KL: per-sequence sum of k1 over tokens, averaged over sequences
     *     ({@link #meanKl})
     * @param n the number of samples in the batch
     */
    KlController update(double meanKl, long n);

    /** A constant β. */
    static Fixed fixed(double beta) {
        return new Fixed(beta);
    }

    /** The adaptive controller of Ziegler et al. (2019); PPO-NOTES defaults are 0.2, 6, 10000. */
    static Adaptive adaptive(double initBeta, double target, double horizon) {
        return new Adaptive(initBeta, target, horizon);
    }

    /**
     * The KL the adaptive controller tracks: {@code mean_b Σ_t mask[b, t] · kl[b, t]}.
     *
     * @param kl (B, T) per-token k1 estimates
     * @param mask (B, T) real response tokens
     */
    static double meanKl(NDArray kl, NDArray mask) {
        return Masked.maskedSum(kl, mask, 1).mean().getFloat();
    }

    /** β stays as it is. */
    record Fixed(double beta) implements KlController {
        public Fixed {
            if (!(beta >= 0) || Double.isInfinite(beta)) {
                throw new IllegalArgumentException("ppo.kl_coef must be non-negative, but is: " + beta);
            }
        }

        @Override
        public Fixed update(double meanKl, long n) {
            return this;
        }
    }

    /**
     * Proportional control of the KL towards {@code target} (Ziegler et al., 2019):
     *
     * <pre>
     * e = clip(meanKl / target − 1, −0.2, 0.2)
     * β ← β · (1 + e · n / horizon)
     * </pre>
     */
    record Adaptive(double beta, double target, double horizon) implements KlController {
        /** The bound on the proportional error. */
        public static final double MAX_ERROR = 0.2;

        public Adaptive {
            if (!(beta > 0) || Double.isInfinite(beta)) {
                throw new IllegalArgumentException("ppo.init_kl_coef must be positive, but is: " + beta);
            }
            if (!(target > 0) || Double.isInfinite(target)) {
                throw new IllegalArgumentException("ppo.kl_target must be positive, but is: " + target);
            }
            if (!(horizon > 0) || Double.isInfinite(horizon)) {
                throw new IllegalArgumentException("ppo.kl_horizon must be positive, but is: " + horizon);
            }
        }

        @Override
        public Adaptive update(double meanKl, long n) {
            if (!Double.isFinite(meanKl)) {
                throw new IllegalArgumentException("the mean KL of the batch must be finite, but is: " + meanKl);
            }
            double proportionalError = Math.max(-MAX_ERROR, Math.min(MAX_ERROR, meanKl / target - 1));
            double mult = 1 + proportionalError * n / horizon;
            return new Adaptive(beta * mult, target, horizon);
        }
    }
}
