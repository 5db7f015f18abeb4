package dev.rlhf4j.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Per-token rewards with the KL penalty (PPO-NOTES, Per-token rewards and KL):
 *
 * <pre>
 * lr_t     = logp_policy(y_t) − logp_ref(y_t)
 * kl_t     = estimator(lr_t)                      on real tokens, 0 elsewhere
 * reward_t = −β · kl_t  (+ score on the last real token)
 * </pre>
 *
 * <p>Dimensions: {@code B} responses, {@code T} response positions. {@code mask} is 1 on real
 * response tokens (up to and including the first EOS) and 0 after; values of the inputs at masked
 * positions are ignored. TRL adds the score one position past the last real token; PPO-NOTES (and
 * this class) put it on the last real token.
 */
public final class Rewards {

    private Rewards() {}

    /**
     * The per-token penalty and rewards of a batch.
     *
     * @param kl (B, T) {@code kl_t}, 0 on masked positions
     * @param nonScoreReward (B, T) {@code −β · kl_t}
     * @param rewards (B, T) {@code −β · kl_t} plus the score on each row's last real token
     */
    public record TokenRewards(NDArray kl, NDArray nonScoreReward, NDArray rewards) {}

    /**
     * Computes the per-token rewards.
     *
     * @param logProbs (B, T) policy log-probs of the sampled tokens (at rollout)
     * @param refLogProbs (B, T) reference-policy log-probs of the same tokens
     * @param mask (B, T) real response tokens
     * @param scores (B) processed scores ({@link ScoreProcessing#apply})
     * @param estimator the KL estimator
     * @param beta the KL coefficient β ({@link KlController#beta()})
     * @return arrays attached to the manager of {@code logProbs} (and {@code mask})
     */
    public static TokenRewards perToken(
            NDArray logProbs, NDArray refLogProbs, NDArray mask, NDArray scores, KlEstimator estimator, double beta) {
        NDArray m = mask.toType(DataType.FLOAT32, false); // (B, T)
        NDArray logRatio = logProbs.sub(refLogProbs).mul(m); // (B, T) 0 on padding, so every estimator gives 0 there
        NDArray kl = estimator.apply(logRatio).mul(m); // (B, T)
        NDArray nonScoreReward = kl.mul((float) -beta); // (B, T)
        NDArray onLast = lastTokenMask(m).mul(scores.toType(DataType.FLOAT32, false).expandDims(1)); // (B, T)
        NDArray rewards = nonScoreReward.add(onLast); // (B, T)
        return new TokenRewards(kl, nonScoreReward, rewards);
    }

    /**
     * 1 on each row's last real token, 0 elsewhere; rows without real tokens are all 0.
     *
     * @param mask (B, T) real response tokens
     * @return (B, T) float32, attached to the manager of {@code mask}
     */
    public static NDArray lastTokenMask(NDArray mask) {
        NDArray m = mask.toType(DataType.FLOAT32, false); // (B, T)
        NDArray seen = m.cumSum(1); // (B, T) real tokens up to t
        NDArray total = m.sum(new int[] {1}, true); // (B, 1)
        return seen.eq(total).toType(DataType.FLOAT32, false).mul(m); // (B, T)
    }
}
