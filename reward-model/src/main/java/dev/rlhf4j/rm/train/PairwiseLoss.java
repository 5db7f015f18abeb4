package dev.rlhf4j.rm.train;

import ai.djl.ndarray.NDArray;
import dev.rlhf4j.core.ops.Scalars;
import dev.rlhf4j.core.util.Checks;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Bradley–Terry reward-model loss (PPO-NOTES, "Reward model"), per pair {@code i} with scores
 * {@code r_c}, {@code r_r} and label margin {@code m}:
 *
 * <pre>
 *   l_i  = −log σ(r_c − r_r − m)  +  centerCoef · (r_c + r_r)²
 *   loss = (1/G) Σ_g (1/|g|) Σ_{i ∈ g} l_i                 (G groups in the batch)
 * </pre>
 *
 * Pairs of one ranking (one {@code group_id}) form a group and are averaged first (InstructGPT:
 * all K(K−1)/2 comparisons of a prompt as one batch element); a pair without a group is a group
 * of one, so without rankings the loss is the plain mean over pairs, TRL's {@code RewardTrainer}
 * loss ({@code -logsigmoid(r_c - r_r - margin).mean()} plus {@code center_rewards_coefficient *
 * mean((r_c + r_r)**2)}). {@code −log σ(x)} is computed as {@code max(−x, 0) + log(1 + e^{−|x|})},
 * finite for every finite x.
 */
public final class PairwiseLoss {

    private PairwiseLoss() {}

    /**
     * The weighted loss of a batch.
     *
     * @param chosen (P) scores of the chosen responses
     * @param rejected (P) scores of the rejected responses
     * @param margin (P) label margins (zeros when margins are not used)
     * @param weights (P) pair weights, {@code 1 / (G · |g|)} ({@link #groupWeights})
     * @param centerCoef the centring coefficient c (>= 0)
     * @return () float32
     */
    public static NDArray loss(NDArray chosen, NDArray rejected, NDArray margin, NDArray weights, double centerCoef) {
        return perPair(chosen, rejected, margin, centerCoef).mul(weights).sum();
    }

    /** The per-pair terms {@code l_i}, (P). */
    public static NDArray perPair(NDArray chosen, NDArray rejected, NDArray margin, double centerCoef) {
        Checks.nonNegative("center_coef", centerCoef);
        NDArray x = chosen.sub(rejected).sub(margin);                       // (P)
        NDArray nll = negLogSigmoid(x);                                     // (P)
        if (centerCoef == 0) {
            return nll;
        }
        // the coefficient as an array of this scope: the backward reads it (see Scalars)
        return nll.add(chosen.add(rejected).square().mul(Scalars.of(chosen, (float) centerCoef)));
    }

    /** {@code −log σ(x) = max(−x, 0) + log(1 + e^{−|x|})}, elementwise. */
    public static NDArray negLogSigmoid(NDArray x) {
        return x.neg().maximum(0f).add(x.abs().neg().exp().add(1f).log());
    }

    /** {@code l_i} in double precision, for scores computed without gradients (evaluation). */
    public static double value(double chosen, double rejected, double margin, double centerCoef) {
        double x = chosen - rejected - margin;
        double nll = Math.max(-x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
        return nll + centerCoef * (chosen + rejected) * (chosen + rejected);
    }

    /**
     * Pair weights {@code 1 / (G · |g|)}: pairs with the same key share a group, a null key is a
     * group of its own.
     */
    public static float[] groupWeights(List<String> groupKeys) {
        Map<String, Integer> sizes = new HashMap<>();
        int groups = 0;
        for (String k : groupKeys) {
            if (k == null) {
                groups++;
            } else if (sizes.merge(k, 1, Integer::sum) == 1) {
                groups++;
            }
        }
        float[] w = new float[groupKeys.size()];
        for (int i = 0; i < w.length; i++) {
            String k = groupKeys.get(i);
            int size = k == null ? 1 : sizes.get(k);
            w[i] = (float) (1.0 / ((double) groups * size));
        }
        return w;
    }
}
