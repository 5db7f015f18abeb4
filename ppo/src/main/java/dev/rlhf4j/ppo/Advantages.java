package dev.rlhf4j.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.rlhf4j.core.ops.Masked;
import java.util.Locale;

/**
 * How each algorithm ({@link Algorithm}) turns one iteration's rewards into per-token advantages:
 * the only step besides the loss in which they differ. Rollouts, scores, the KL estimate and the
 * per-token rewards ({@link Rewards#perToken}) are the same for all four.
 *
 * <p>Dimensions: B rollouts, T response positions; {@code k} responses per prompt, the k responses
 * of a prompt in consecutive rows (group g = rows g·k … g·k + k − 1, as TRL's repeated sampler
 * lays them out). Every result is 0 on masked positions. The recursions run on the host over
 * copies (no gradient flows through advantages), like {@link Gae}.
 */
public sealed interface Advantages permits Advantages.Ppo, Advantages.Rloo, Advantages.Grpo, Advantages.ReinforcePlusPlus {

    /** GRPO's scaling of the group-centred score (TRL's {@code scale_rewards}). */
    enum ScaleRewards {
        /** Divide by the std of the prompt's group (GRPO). */
        GROUP,
        /** Divide by the std of the whole batch. */
        BATCH,
        /** No scaling (Dr. GRPO). */
        NONE;

        /** The config value: {@code group}, {@code batch}, {@code none}. */
        @JsonValue
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** TRL's ε in {@code (r − mean) / (std + ε)} of GRPO (and of RLOO's optional normalisation). */
    float GROUP_STD_EPS = 1e-4f;

    /** OpenRLHF's floor under the batch variance of REINFORCE++'s normalisation. */
    float BATCH_VAR_FLOOR = 1e-8f;

    /**
     * What every algorithm may read.
     *
     * @param rewards the per-token rewards and KL of {@link Rewards#perToken}
     * @param scores (B) processed scores ({@link ScoreProcessing#apply})
     * @param values (B, T) critic values at rollout; null without a critic
     * @param mask (B, T) real response tokens
     */
    record Inputs(Rewards.TokenRewards rewards, NDArray scores, NDArray values, NDArray mask) {}

    /**
     * @param advantages (B, T) what multiplies the policy ratio in the loss, 0 on padding
     * @param returns (B, T) value targets (ppo) or discounted reward-to-go (reinforce_pp); null for
     *     rloo and grpo, whose advantage is one number per sequence
     */
    record Estimate(NDArray advantages, NDArray returns) {}

    /** The advantages of one iteration, attached to the manager of {@code in.mask()}. */
    Estimate estimate(Inputs in);

    /** The estimator of {@code cfg.algorithm()}. */
    static Advantages of(PpoConfig cfg) {
        return switch (cfg.algorithm()) {
            case PPO -> new Ppo(new Gae(cfg.gamma().floatValue(), cfg.lam().floatValue()), cfg.whitenRewards());
            case RLOO -> new Rloo(cfg.numGenerations());
            case GRPO -> new Grpo(cfg.numGenerations(), cfg.scaleRewards());
            case REINFORCE_PP -> new ReinforcePlusPlus(cfg.gamma().floatValue());
        };
    }

    /**
     * PPO (PPO-NOTES, Advantages): optionally whitened rewards, GAE against the critic's values,
     * advantages whitened over the batch's real tokens.
     */
    record Ppo(Gae gae, boolean whitenRewards) implements Advantages {
        @Override
        public Estimate estimate(Inputs in) {
            NDArray r = in.rewards().rewards();
            NDArray rewards = whitenRewards ? Masked.maskedWhiten(r, in.mask(), false) : r;
            Gae.Result g = gae.compute(rewards, in.values(), in.mask());
            return new Estimate(Masked.maskedWhiten(g.advantages(), in.mask()), g.returns());
        }
    }

    /**
     * RLOO (Ahmadian et al., 2024; TRL {@code trl/trainer/rloo_trainer.py}): sequence reward {@code
     * R_i = score_i − β·Σ_t kl_{i,t}}, advantage {@code R_i − mean_{j≠i} R_j} over the other
     * responses to the same prompt, on every real token.
     */
    record Rloo(int k) implements Advantages {
        public Rloo {
            requireGroups(k);
        }

        @Override
        public Estimate estimate(Inputs in) {
            float[] rewards = sequenceRewards(in.rewards(), in.scores(), in.mask());
            return new Estimate(onEveryToken(leaveOneOut(rewards, k), in.mask()), null);
        }
    }

    /**
     * GRPO (Shao et al., 2024; TRL {@code trl/trainer/grpo_trainer.py}): the raw score, no KL,
     * centred on its group's mean and divided by {@code std + 1e-4} of the group, of the batch, or
     * not at all (Dr. GRPO), on every real token. The KL to the reference is a loss term ({@link
     * PpoLosses#groupPolicyLoss}).
     */
    record Grpo(int k, ScaleRewards scale) implements Advantages {
        public Grpo {
            requireGroups(k);
        }

        @Override
        public Estimate estimate(Inputs in) {
            float[] scores = in.scores().toType(DataType.FLOAT32, false).toFloatArray();
            return new Estimate(onEveryToken(groupNormalised(scores, k, scale), in.mask()), null);
        }
    }

    /**
     * REINFORCE++ (Hu, 2025; OpenRLHF {@code openrlhf/trainer/ppo_utils/experience_maker.py},
     * {@code advantage_estimator: reinforce}): the per-token rewards {@code −β·kl_t} (+ score on
     * the last token), discounted reward-to-go {@code G_t = r_t + γ·G_{t+1}}, then normalised over
     * every real token of the batch: {@code (G − mean) / sqrt(max(var, 1e-8))}, var biased.
     */
    record ReinforcePlusPlus(float gamma) implements Advantages {
        public ReinforcePlusPlus {
            if (!(gamma >= 0 && gamma <= 1)) {
                throw new IllegalArgumentException("ppo.gamma must be between 0 and 1, but is: " + gamma);
            }
        }

        @Override
        public Estimate estimate(Inputs in) {
            NDArray returns = discountedReturns(in.rewards().rewards(), in.mask(), gamma);
            return new Estimate(batchNormalised(returns, in.mask()), returns);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // The maths, as plain functions (tested against TRL / OpenRLHF in AdvantagesTest).

    /**
     * {@code R_i = score_i + Σ_t (−β·kl_{i,t})}: the score with the sequence's KL penalty.
     *
     * @return (B) on the host
     */
    static float[] sequenceRewards(Rewards.TokenRewards tr, NDArray scores, NDArray mask) {
        float[] penalty = Masked.maskedSum(tr.nonScoreReward(), mask, 1).toType(DataType.FLOAT32, false).toFloatArray();
        float[] s = scores.toType(DataType.FLOAT32, false).toFloatArray();
        float[] out = new float[s.length];
        for (int i = 0; i < s.length; i++) {
            out[i] = s[i] + penalty[i];
        }
        return out;
    }

    /** {@code R_i − (Σ_{j in group} R_j − R_i) / (k − 1)} for every row (TRL's and OpenRLHF's RLOO baseline). */
    static float[] leaveOneOut(float[] rewards, int k) {
        requireRows(rewards.length, k);
        float[] out = new float[rewards.length];
        for (int g = 0; g < rewards.length; g += k) {
            float sum = 0f;
            for (int j = g; j < g + k; j++) {
                sum += rewards[j];
            }
            for (int j = g; j < g + k; j++) {
                out[j] = rewards[j] - (sum - rewards[j]) / (k - 1);
            }
        }
        return out;
    }

    /**
     * {@code (r − mean_group) / (std + 1e-4)}, std unbiased over the group ({@code GROUP}) or the
     * batch ({@code BATCH}); {@code r − mean_group} for {@code NONE}.
     */
    static float[] groupNormalised(float[] scores, int k, ScaleRewards scale) {
        requireRows(scores.length, k);
        float[] out = new float[scores.length];
        float batchStd = std(scores, 0, scores.length);
        for (int g = 0; g < scores.length; g += k) {
            float mean = mean(scores, g, g + k);
            float std = switch (scale) {
                case GROUP -> std(scores, g, g + k);
                case BATCH -> batchStd;
                case NONE -> 0f;
            };
            for (int j = g; j < g + k; j++) {
                float centred = scores[j] - mean;
                out[j] = scale == ScaleRewards.NONE ? centred : centred / (std + GROUP_STD_EPS);
            }
        }
        return out;
    }

    /** The share of groups whose k values are all equal: a zero advantage for each of their responses in GRPO. */
    static double flatGroupFraction(float[] values, int k) {
        requireRows(values.length, k);
        int flat = 0;
        for (int g = 0; g < values.length; g += k) {
            boolean same = true;
            for (int j = g + 1; j < g + k; j++) {
                same &= values[j] == values[g];
            }
            flat += same ? 1 : 0;
        }
        return flat / (double) (values.length / k);
    }

    /**
     * {@code G_t = r_t + γ·G_{t+1}} backwards over each row, rewards at masked positions taken as 0
     * (OpenRLHF's {@code get_cumulative_returns}); 0 on masked positions.
     *
     * @param rewards (B, T) per-token rewards
     * @param mask (B, T) real response tokens
     * @return (B, T) float32 in the manager of {@code mask}
     */
    static NDArray discountedReturns(NDArray rewards, NDArray mask, float gamma) {
        Shape shape = mask.getShape();
        int batch = (int) shape.get(0);
        int length = (int) shape.get(1);
        float[] r = rewards.toType(DataType.FLOAT32, false).toFloatArray();
        float[] m = mask.toType(DataType.FLOAT32, false).toFloatArray();
        float[] out = new float[r.length];
        for (int b = 0; b < batch; b++) {
            float g = 0f;
            for (int t = length - 1; t >= 0; t--) {
                int i = b * length + t;
                g = m[i] * r[i] + gamma * g;
                out[i] = g * m[i];
            }
        }
        return mask.getManager().create(out, shape);
    }

    /**
     * {@code (x − mean) · rsqrt(max(var, 1e-8))} over the real tokens of the whole batch, var the
     * biased masked variance (OpenRLHF's normalisation of REINFORCE++ advantages); 0 on padding.
     */
    static NDArray batchNormalised(NDArray x, NDArray mask) {
        float[] v = x.toType(DataType.FLOAT32, false).toFloatArray();
        float[] m = mask.toType(DataType.FLOAT32, false).toFloatArray();
        double n = 0;
        double sum = 0;
        for (int i = 0; i < v.length; i++) {
            n += m[i];
            sum += m[i] * v[i];
        }
        double mean = sum / n;
        double var = 0;
        for (int i = 0; i < v.length; i++) {
            var += m[i] * (v[i] - mean) * (v[i] - mean);
        }
        double rstd = 1 / Math.sqrt(Math.max(var / n, BATCH_VAR_FLOOR));
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = m[i] == 0f ? 0f : (float) ((v[i] - mean) * rstd);
        }
        return mask.getManager().create(out, mask.getShape());
    }

    /** (B) per-sequence advantages on every real token: (B, T) float32 in the manager of {@code mask}. */
    static NDArray onEveryToken(float[] perSequence, NDArray mask) {
        NDManager m = mask.getManager();
        return m.create(perSequence).expandDims(1).mul(mask.toType(DataType.FLOAT32, false));
    }

    private static float mean(float[] x, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += x[i];
        }
        return (float) (s / (to - from));
    }

    /** Unbiased (Bessel-corrected) standard deviation, as torch.std and TRL's nanstd. */
    private static float std(float[] x, int from, int to) {
        double mean = mean(x, from, to);
        double s = 0;
        for (int i = from; i < to; i++) {
            s += (x[i] - mean) * (x[i] - mean);
        }
        return to - from < 2 ? Float.NaN : (float) Math.sqrt(s / (to - from - 1));
    }

    private static void requireGroups(int k) {
        if (k < 2) {
            throw new IllegalArgumentException("ppo.num_generations must be >= 2, but is: " + k);
        }
    }

    private static void requireRows(int rows, int k) {
        if (k < 1 || rows % k != 0) {
            throw new IllegalArgumentException("the batch (" + rows + " rollouts) must hold whole groups of "
                    + "num_generations = " + k + " responses");
        }
    }
}
