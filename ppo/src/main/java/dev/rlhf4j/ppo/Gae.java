package dev.rlhf4j.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Generalised advantage estimation (Schulman et al., 2016; PPO-NOTES, Advantages), backwards over
 * each response:
 *
 * <pre>
 * δ_t = r_t + γ · V_{t+1} − V_t          (V after the last real token is 0)
 * A_t = δ_t + γ · λ · A_{t+1}
 * R_t = A_t + V_t
 * </pre>
 *
 * <p>Dimensions: {@code B} responses, {@code T} response positions. {@code mask} is 1 on real
 * tokens, which form a prefix of each row (real tokens, then padding); advantages and returns are
 * 0 on masked positions. Rewards and values at masked positions are ignored. Advantages are not
 * whitened here (see {@link dev.rlhf4j.core.ops.Masked#maskedWhiten}).
 *
 * @param gamma the discount γ in [0, 1]; PPO-NOTES default 1.0
 * @param gaeLambda the GAE λ in [0, 1]; PPO-NOTES default 0.95
 */
public record Gae(float gamma, float gaeLambda) {

    /** PPO-NOTES defaults: γ = 1.0, λ = 0.95. */
    public static final Gae DEFAULT = new Gae(1.0f, 0.95f);

    public Gae {
        if (!(gamma >= 0 && gamma <= 1)) {
            throw new IllegalArgumentException("ppo.gamma must be between 0 and 1, but is: " + gamma);
        }
        if (!(gaeLambda >= 0 && gaeLambda <= 1)) {
            throw new IllegalArgumentException("ppo.lam must be between 0 and 1, but is: " + gaeLambda);
        }
    }

    /**
     * Advantages and returns of a batch.
     *
     * @param advantages (B, T) {@code A_t}, 0 on masked positions
     * @param returns (B, T) {@code R_t = A_t + V_t}, the value targets, 0 on masked positions
     */
    public record Result(NDArray advantages, NDArray returns) {}

    /**
     * Runs the backward recursion. The recursion is sequential in t, so it runs on the host over
     * a copy of the data (no gradient flows through advantages).
     *
     * @param rewards (B, T) per-token rewards ({@link Rewards.TokenRewards#rewards()})
     * @param values (B, T) critic values V_t at rollout
     * @param mask (B, T) real response tokens
     * @return float32 arrays attached to the manager of {@code rewards}
     */
    public Result compute(NDArray rewards, NDArray values, NDArray mask) {
        Shape shape = rewards.getShape();
        if (shape.dimension() != 2 || !shape.equals(values.getShape()) || !shape.equals(mask.getShape())) {
            throw new IllegalArgumentException(
                    "rewards, values and mask must have the same (B, T) shape, but are: "
                            + shape + ", " + values.getShape() + ", " + mask.getShape());
        }
        int batch = (int) shape.get(0);
        int length = (int) shape.get(1);
        float[] r = rewards.toType(DataType.FLOAT32, false).toFloatArray();
        float[] v = values.toType(DataType.FLOAT32, false).toFloatArray();
        float[] m = mask.toType(DataType.FLOAT32, false).toFloatArray();
        float[] advantages = new float[r.length];
        float[] returns = new float[r.length];
        for (int b = 0; b < batch; b++) {
            float lastGaeLam = 0f;
            float nextValue = 0f; // V_{t+1}, 0 past the last real token
            for (int t = length - 1; t >= 0; t--) {
                int i = b * length + t;
                if (m[i] == 0f) {
                    lastGaeLam = 0f;
                    nextValue = 0f;
                    continue;
                }
                float delta = r[i] + gamma * nextValue - v[i];
                lastGaeLam = delta + gamma * gaeLambda * lastGaeLam;
                advantages[i] = lastGaeLam;
                returns[i] = lastGaeLam + v[i];
                nextValue = v[i];
            }
        }
        return new Result(
                rewards.getManager().create(advantages, shape), rewards.getManager().create(returns, shape));
    }
}
