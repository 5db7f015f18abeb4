package dev.rlhf4j.rm.train;

import ai.djl.ndarray.NDArray;
import dev.rlhf4j.core.ops.Scalars;
import dev.rlhf4j.core.util.Checks;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Bradley–Terry reward-model loss (PPO-NOTES, "Reward model"), per pair {@code i} with scores
 * {@code r_c}, {@code r_r}, label margin {@code m}, and {@code p̂} the share of the pair's votes for
 * the chosen side ({@link dev.rlhf4j.data.record.Votes#chosenRate}; 1 for a single judgement):
 *
 * <pre>
 *   x_i  = r_c − r_r − m
 *   l_i  = p̂ · (−log σ(x_i)) + (1 − p̂) · (−log σ(−x_i))  +  centerCoef · (r_c + r_r)²
 *   loss = Σ_i w_i l_i,   w_i ∝ v_i / |g(i)|,   Σ_i w_i = 1
 * </pre>
 *
 * With one vote per pair ({@code p̂ = 1}, {@code v = 1}) this is TRL's {@code RewardTrainer} loss
 * ({@code -logsigmoid(r_c - r_r - margin).mean()} plus {@code center_rewards_coefficient *
 * mean((r_c + r_r)**2)}). A pair judged {@code v} times ({@code c} for chosen, {@code v − c}
 * against) contributes {@code v · l_i}, which is exactly the Bradley–Terry log-likelihood of its
 * {@code v} votes: training on the deduplicated record equals training on every vote as its own
 * record, at the cost of one forward pass, and the model is pulled towards the observed preference
 * rate ({@code σ(x) → 23/27} for 23 votes to 4) instead of towards certainty.
 *
 * <p>Pairs of one ranking (one {@code group_id}) form a group whose weight is shared among its
 * pairs (InstructGPT: all K(K−1)/2 comparisons of a prompt as one batch element); a pair without a
 * group is a group of one. {@code −log σ(x)} is computed as {@code max(−x, 0) + log(1 + e^{−|x|})},
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
     * @param target (P) the share of votes for the chosen side, {@code p̂} (ones for single judgements)
     * @param weights (P) pair weights summing to 1 ({@link #weights})
     * @param centerCoef the centring coefficient c (>= 0)
     * @return () float32
     */
    public static NDArray loss(NDArray chosen, NDArray rejected, NDArray margin, NDArray target, NDArray weights,
            double centerCoef) {
        return perPair(chosen, rejected, margin, target, centerCoef).mul(weights).sum();
    }

    /** The per-pair terms {@code l_i}, (P). */
    public static NDArray perPair(NDArray chosen, NDArray rejected, NDArray margin, NDArray target, double centerCoef) {
        Checks.nonNegative("center_coef", centerCoef);
        NDArray x = chosen.sub(rejected).sub(margin);                       // (P)
        NDArray nll = negLogSigmoid(x).mul(target)
                .add(negLogSigmoid(x.neg()).mul(target.neg().add(1f)));     // (P)
        if (centerCoef == 0) {
            return nll;
        }
        // the coefficient as an array of this scope: the backward reads it (see Scalars)
        return nll.add(chosen.add(rejected).square().mul(Scalars.of(chosen, (float) centerCoef)));
    }

    /** {@code −log σ(x) = max(−x, 0) + log(1 + e^{−|x|})}, elementwise. */
    public static NDArray negLogSigmoid(NDArray x) {
        // max with an array of this scope, not a number: DJL frees a number operand at once (see Scalars)
        return x.neg().maximum(Scalars.of(x, 0f)).add(x.abs().neg().exp().add(1f).log());
    }

    /** {@code l_i} in double precision, for scores computed without gradients (evaluation). */
    public static double value(double chosen, double rejected, double margin, double target, double centerCoef) {
        double x = chosen - rejected - margin;
        double nll = target * softplus(-x) + (1 - target) * softplus(x);
        return nll + centerCoef * (chosen + rejected) * (chosen + rejected);
    }

    /** {@code log(1 + e^x)}, without overflow. */
    private static double softplus(double x) {
        return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    }

    /**
     * Pair weights {@code w_i = (v_i / |g_i|) / Σ_j (v_j / |g_j|)}: pairs with the same key share a
     * group, a null key is a group of its own; {@code v} are the pairs' vote counts. With one vote
     * each this is {@code 1 / (G · |g|)}.
     */
    public static float[] weights(List<String> groupKeys, int[] votes) {
        Map<String, Integer> sizes = new HashMap<>();
        for (String k : groupKeys) {
            if (k != null) {
                sizes.merge(k, 1, Integer::sum);
            }
        }
        double[] raw = new double[groupKeys.size()];
        double total = 0;
        for (int i = 0; i < raw.length; i++) {
            String k = groupKeys.get(i);
            raw[i] = (double) votes[i] / (k == null ? 1 : sizes.get(k));
            total += raw[i];
        }
        float[] w = new float[raw.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (raw[i] / total);
        }
        return w;
    }
}
