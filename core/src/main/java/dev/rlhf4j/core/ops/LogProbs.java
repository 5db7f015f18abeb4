package dev.rlhf4j.core.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Log-probabilities of chosen tokens and the entropy of the next-token distribution.
 *
 * <p>Dimensions: {@code B} batch, {@code T} positions, {@code V} vocabulary. {@code logits[b, t]}
 * is the distribution that produced {@code ids[b, t]} (the caller shifts model logits by one).
 * With a temperature τ the distribution is {@code softmax(logits / τ)}: PPO must score samples
 * with the temperature they were generated with (PPO-NOTES, Rollouts). Results are attached to
 * the manager of {@code logits}.
 */
public final class LogProbs {

    private LogProbs() {}

    /** {@link #logProbsOf(NDArray, NDArray, float)} at temperature 1. */
    public static NDArray logProbsOf(NDArray logits, NDArray ids) {
        return logProbsOf(logits, ids, 1f);
    }

    /**
     * {@code log_softmax(logits / temperature)} gathered at {@code ids}, TRL's
     * selective_log_softmax.
     *
     * @param logits (B, T, V) floating point
     * @param ids (B, T) token ids, any integer type
     * @param temperature positive
     * @return (B, T) log-probabilities
     */
    public static NDArray logProbsOf(NDArray logits, NDArray ids, float temperature) {
        return gather(logSoftmax(logits, temperature), ids);
    }

    /**
     * {@code log_softmax(logits / temperature)} over the vocabulary: the whole distribution, for a
     * caller that needs both {@link #gather} and {@link #entropyOf} of it.
     *
     * @param logits (B, T, V) floating point
     * @return (B, T, V) log-probabilities
     */
    public static NDArray logSoftmax(NDArray logits, float temperature) {
        return scaled(logits, temperature).logSoftmax(logits.getShape().dimension() - 1);
    }

    /**
     * The log-probabilities of {@code ids}.
     *
     * @param logProbs (B, T, V) from {@link #logSoftmax}
     * @param ids (B, T) token ids, any integer type
     * @return (B, T)
     */
    public static NDArray gather(NDArray logProbs, NDArray ids) {
        int vocabAxis = logProbs.getShape().dimension() - 1;
        NDArray index = ids.toType(DataType.INT64, false).expandDims(vocabAxis); // (B, T, 1)
        return logProbs.gather(index, vocabAxis).squeeze(vocabAxis); // (B, T)
    }

    /**
     * The entropy {@code −Σ_v p_v log p_v} of each position's distribution.
     *
     * @param logProbs (B, T, V) from {@link #logSoftmax}
     * @return (B, T)
     */
    public static NDArray entropyOf(NDArray logProbs) {
        int vocabAxis = logProbs.getShape().dimension() - 1;
        return logProbs.exp().mul(logProbs).sum(new int[] {vocabAxis}).neg();
    }

    /** {@link #entropy(NDArray, float)} at temperature 1. */
    public static NDArray entropy(NDArray logits) {
        return entropy(logits, 1f);
    }

    /**
     * The entropy in nats of {@code softmax(logits / temperature)} at each position: {@code
     * −Σ_v p_v log p_v}, TRL's entropy_from_logits.
     *
     * @param logits (B, T, V) floating point
     * @param temperature positive
     * @return (B, T) entropies
     */
    public static NDArray entropy(NDArray logits, float temperature) {
        return entropyOf(logSoftmax(logits, temperature));
    }

    private static NDArray scaled(NDArray logits, float temperature) {
        if (!(temperature > 0) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be positive, but is: " + temperature);
        }
        return temperature == 1f ? logits : logits.div(Scalars.of(logits, temperature)); // see Scalars
    }
}
