package dev.rlhf4j.ppo;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Per-token estimators of KL(π ‖ π_ref) from the log-ratio {@code lr_t = log π(y_t) − log
 * π_ref(y_t)} of a sampled token (Schulman, "Approximating KL divergence", 2020; PPO-NOTES, Per-token
 * rewards and KL). Each maps a {@code (B, T)} log-ratio to a {@code (B, T)} estimate attached to
 * the log-ratio's manager; masking is the caller's business.
 */
public enum KlEstimator {

    /** {@code k1 = lr}: unbiased, can be negative per token; the default. */
    K1 {
        @Override
        public NDArray apply(NDArray logRatio) {
            return logRatio.duplicate();
        }
    },

    /** {@code k3 = (e^{−lr} − 1) + lr}: unbiased, always ≥ 0, lower variance. */
    K3 {
        @Override
        public NDArray apply(NDArray logRatio) {
            return logRatio.neg().exp().sub(1f).add(logRatio);
        }
    },

    /** {@code abs = |lr|}: biased, ≥ 0. */
    ABS {
        @Override
        public NDArray apply(NDArray logRatio) {
            return logRatio.abs();
        }
    };

    /**
     * The estimate for each token.
     *
     * @param logRatio (B, T) {@code logp_policy − logp_ref}
     * @return (B, T) a new array (never {@code logRatio} itself)
     */
    public abstract NDArray apply(NDArray logRatio);

    /** The config name: {@code k1}, {@code k3} or {@code abs}. */
    @JsonValue
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a config name (case-insensitive). */
    public static KlEstimator fromConfigName(String name) {
        for (KlEstimator estimator : values()) {
            if (estimator.configName().equalsIgnoreCase(name)) {
                return estimator;
            }
        }
        throw new IllegalArgumentException("ppo.kl_estimator must be one of k1, k3, abs, but is: " + name);
    }
}
