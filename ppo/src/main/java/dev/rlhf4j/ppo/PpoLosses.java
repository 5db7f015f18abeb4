package dev.rlhf4j.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.rlhf4j.core.ops.LogProbs;
import dev.rlhf4j.core.ops.Masked;
import dev.rlhf4j.core.ops.Scalars;

/**
 * The clipped PPO losses and the statistics logged with them (Schulman et al., 2017; PPO-NOTES,
 * Losses and Metrics). Every mean is a masked mean over the real tokens of the minibatch.
 *
 * <p>Dimensions: {@code B} responses, {@code T} response positions, {@code V} vocabulary. {@code
 * mask} is {@code (B, T)}, 1 on real tokens. The losses keep the autograd graph of {@code
 * logProbs} / {@code values}; the logged statistics are plain floats. Arrays are attached to the
 * manager of the first argument.
 */
public final class PpoLosses {

    private PpoLosses() {}

    /**
     * The clipped policy loss and its statistics.
     *
     * @param pgLoss scalar {@code mean(max(−A·ratio, −A·clip(ratio, 1−ε, 1+ε)))}, differentiable
     * @param ratio (B, T) {@code exp(logp_new − logp_old)}, unmasked
     * @param clipfrac fraction of real tokens where the clipped branch was taken: {@code mean(pgLoss2
     *     > pgLoss1)}
     * @param approxKl {@code 0.5 · mean((logp_new − logp_old)²)}
     * @param ratioMean {@code mean(ratio)}
     * @param ratioVar unbiased variance of the ratio over real tokens; NaN with fewer than 2 tokens
     */
    public record PolicyLoss(
            NDArray pgLoss, NDArray ratio, float clipfrac, float approxKl, float ratioMean, float ratioVar) {}

    /** How GRPO's per-token loss is averaged into one number (TRL's {@code loss_type}). */
    public enum LossType {
        /** Each sequence's mean over its tokens, then the mean over sequences (GRPO). */
        GRPO,
        /** The mean over every real token of the minibatch. */
        BNPO,
        /** The sum over tokens divided by rows × the maximum response length, a constant (Dr. GRPO). */
        DR_GRPO;

        /** The config value: {@code grpo}, {@code bnpo}, {@code dr_grpo}. */
        @com.fasterxml.jackson.annotation.JsonValue
        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * GRPO's loss and its statistics.
     *
     * @param loss scalar, differentiable: the clipped surrogate plus {@code β·k3} per token, averaged
     *     as the {@link LossType} says
     * @param stats the clipped surrogate's statistics (as {@link #policyLoss}; its {@code pgLoss} is
     *     {@code loss})
     * @param kl mean over real tokens of the k3 KL to the reference
     */
    public record GroupPolicyLoss(NDArray loss, PolicyLoss stats, float kl) {}

    /**
     * The clipped value loss and its statistic.
     *
     * @param vfLoss scalar {@code 0.5 · mean(max((V − R)², (v_clip − R)²))}, differentiable
     * @param vfClipfrac fraction of real tokens where the clipped branch was larger
     */
    public record ValueLoss(NDArray vfLoss, float vfClipfrac) {}

    /**
     * The clipped surrogate objective, as a loss:
     *
     * <pre>
     * logRatio = logp_new − logp_old
     * ratio    = exp(logRatio)
     * pgLoss1  = −A · ratio
     * pgLoss2  = −A · clip(ratio, 1 − ε, 1 + ε)
     * pgLoss   = mean(max(pgLoss1, pgLoss2))
     * </pre>
     *
     * @param logProbs (B, T) log-probs of the sampled tokens under the current policy (with graph)
     * @param oldLogProbs (B, T) log-probs at rollout
     * @param advantages (B, T) whitened advantages
     * @param mask (B, T) real response tokens
     * @param clipRange ε in (0, 1); PPO-NOTES default 0.2
     */
    public static PolicyLoss policyLoss(
            NDArray logProbs, NDArray oldLogProbs, NDArray advantages, NDArray mask, float clipRange) {
        if (!(clipRange > 0 && clipRange < 1)) {
            throw new IllegalArgumentException("ppo.clip_range must be between 0 and 1, but is: " + clipRange);
        }
        NDArray logRatio = logProbs.sub(oldLogProbs); // (B, T)
        NDArray ratio = logRatio.exp(); // (B, T)
        NDArray negAdvantages = advantages.neg(); // (B, T)
        NDArray pgLoss1 = negAdvantages.mul(ratio); // (B, T)
        NDArray pgLoss2 = negAdvantages.mul(ratio.clip(1f - clipRange, 1f + clipRange)); // (B, T)
        NDArray pgLoss = Masked.maskedMean(pgLoss1.maximum(pgLoss2), mask); // ()
        float clipfrac = Masked.maskedMean(pgLoss2.gt(pgLoss1).toType(DataType.FLOAT32, false), mask).getFloat();
        float approxKl = 0.5f * Masked.maskedMean(logRatio.square(), mask).getFloat();
        float ratioMean = Masked.maskedMean(ratio, mask).getFloat();
        float ratioVar = realTokens(mask) >= 2 ? Masked.maskedVar(ratio, mask).getFloat() : Float.NaN;
        return new PolicyLoss(pgLoss, ratio, clipfrac, approxKl, ratioMean, ratioVar);
    }

    /**
     * GRPO's loss (Shao et al., 2024), as TRL's {@code GRPOTrainer._compute_loss} (trl/trainer/grpo_trainer.py)
     * with token-level importance sampling:
     *
     * <pre>
     * ratio    = exp(logp − logp_old)
     * surr_t   = max(−A·ratio, −A·clip(ratio, 1 − ε, 1 + ε))
     * k3_t     = exp(logp_ref − logp) − (logp_ref − logp) − 1      (Schulman's k3, ≥ 0, with gradient)
     * loss_t   = surr_t + β · k3_t
     * grpo:    mean_b( Σ_t loss_t·m / max(Σ_t m, 1) )
     * bnpo:    Σ loss_t·m / max(Σ m, 1)
     * dr_grpo: Σ loss_t·m / (B · maxLength)
     * </pre>
     *
     * @param logProbs (B, T) log-probs under the current policy (with graph)
     * @param oldLogProbs (B, T) log-probs at rollout
     * @param refLogProbs (B, T) log-probs under the reference
     * @param advantages (B, T) the group advantage of each sequence on its real tokens
     * @param mask (B, T) real response tokens
     * @param clipRange ε in (0, 1)
     * @param beta the KL coefficient β ≥ 0
     * @param lossType the averaging
     * @param maxLength Dr. GRPO's constant: the maximum response length ({@code max_new_tokens})
     */
    public static GroupPolicyLoss groupPolicyLoss(NDArray logProbs, NDArray oldLogProbs, NDArray refLogProbs,
            NDArray advantages, NDArray mask, float clipRange, float beta, LossType lossType, int maxLength) {
        PolicyLoss token = policyLoss(logProbs, oldLogProbs, advantages, mask, clipRange); // its stats; loss rebuilt below
        NDArray negAdvantages = advantages.neg(); // (B, T)
        NDArray pgLoss1 = negAdvantages.mul(token.ratio()); // (B, T)
        NDArray pgLoss2 = negAdvantages.mul(token.ratio().clip(1f - clipRange, 1f + clipRange)); // (B, T)
        NDArray refLogRatio = refLogProbs.sub(logProbs); // (B, T)
        NDArray k3 = refLogRatio.exp().sub(refLogRatio).sub(Scalars.of(refLogRatio, 1f)); // (B, T)
        NDArray perToken = pgLoss1.maximum(pgLoss2).add(k3.mul(Scalars.of(k3, beta))); // (B, T)
        NDArray m = mask.toType(DataType.FLOAT32, false); // (B, T)
        NDArray masked = perToken.mul(m); // (B, T)
        NDArray loss = switch (lossType) {
            case GRPO -> masked.sum(new int[] {1}).div(m.sum(new int[] {1}).maximum(1f)).mean();
            case BNPO -> masked.sum().div(m.sum().maximum(1f));
            case DR_GRPO -> masked.sum().div(Scalars.of(masked, (float) (m.getShape().get(0) * maxLength)));
        };
        float kl = Masked.maskedMean(k3, mask).getFloat();
        PolicyLoss stats = new PolicyLoss(loss, token.ratio(), token.clipfrac(), token.approxKl(), token.ratioMean(),
                token.ratioVar());
        return new GroupPolicyLoss(loss, stats, kl);
    }

    /**
     * The clipped value loss:
     *
     * <pre>
     * v_clip = clip(V_new, V_old − ε_v, V_old + ε_v)     (= V_old + clip(V_new − V_old, −ε_v, ε_v))
     * vfLoss = 0.5 · mean(max((V_new − R)², (v_clip − R)²))
     * </pre>
     *
     * @param values (B, T) current critic values V_new (with graph)
     * @param oldValues (B, T) critic values at rollout V_old
     * @param returns (B, T) GAE returns R ({@link Gae.Result#returns()})
     * @param mask (B, T) real response tokens
     * @param clipRangeValue ε_v, positive; PPO-NOTES default 0.2
     */
    public static ValueLoss valueLoss(
            NDArray values, NDArray oldValues, NDArray returns, NDArray mask, float clipRangeValue) {
        if (!(clipRangeValue > 0)) {
            throw new IllegalArgumentException("ppo.clip_range_value must be positive, but is: " + clipRangeValue);
        }
        NDArray low = oldValues.sub(clipRangeValue); // (B, T)
        NDArray high = oldValues.add(clipRangeValue); // (B, T)
        NDArray valuesClipped = values.maximum(low).minimum(high); // (B, T) exactly V_new where not clipped
        NDArray vfLoss1 = values.sub(returns).square(); // (B, T)
        NDArray vfLoss2 = valuesClipped.sub(returns).square(); // (B, T)
        NDArray vfLoss = Masked.maskedMean(vfLoss1.maximum(vfLoss2), mask).mul(Scalars.of(values, 0.5f)); // ()
        float vfClipfrac = Masked.maskedMean(vfLoss2.gt(vfLoss1).toType(DataType.FLOAT32, false), mask).getFloat();
        return new ValueLoss(vfLoss, vfClipfrac);
    }

    /**
     * How much of the returns' variance the values explain: {@code 1 − Var(R − V) / Var(R)} over
     * real tokens (CleanRL). 1 is perfect, 0 is no better than a constant, negative is worse; NaN
     * when {@code Var(R) = 0}.
     *
     * @param values (B, T) critic values
     * @param returns (B, T) GAE returns
     * @param mask (B, T) real response tokens
     */
    public static float explainedVariance(NDArray values, NDArray returns, NDArray mask) {
        float varReturns = Masked.maskedVar(returns, mask, false).getFloat();
        if (varReturns == 0f) {
            return Float.NaN;
        }
        float varResidual = Masked.maskedVar(returns.sub(values), mask, false).getFloat();
        return 1f - varResidual / varReturns;
    }

    /**
     * The mean entropy over real tokens of {@code softmax(logits / temperature)}; differentiable, for
     * an entropy bonus and the {@code policy/entropy} metric.
     *
     * @param logits (B, T, V) policy logits at the response positions
     * @param mask (B, T) real response tokens
     * @param temperature the sampling temperature
     * @return a scalar
     */
    public static NDArray entropyMean(NDArray logits, NDArray mask, float temperature) {
        return entropyMeanOf(LogProbs.logSoftmax(logits, temperature), mask);
    }

    /** {@link #entropyMean} from the log-softmax already computed for the loss, (b, N, V). */
    static NDArray entropyMeanOf(NDArray logProbs, NDArray mask) {
        return Masked.maskedMean(LogProbs.entropyOf(logProbs), mask);
    }

    private static float realTokens(NDArray mask) {
        return mask.toType(DataType.FLOAT32, false).sum().getFloat();
    }
}
