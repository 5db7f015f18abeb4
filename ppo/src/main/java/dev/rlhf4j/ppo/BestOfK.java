package dev.rlhf4j.ppo;

import dev.rlhf4j.core.util.Checks;
import java.util.Arrays;
import java.util.Comparator;

/**
 * Best-of-k figures for every k ≤ n from one set of n samples per prompt: the unbiased estimator
 * over subsets that Nakano et al. (2021, WebGPT) and Gao et al. (2022) use for best-of-n curves.
 *
 * <p>Drawing k of the n samples without replacement and keeping the one ranked highest, the
 * sample of ascending rank i (1 = lowest, n = highest) is kept with probability
 *
 * <pre>
 *   w_i = C(i − 1, k − 1) / C(n, k)     (0 for i &lt; k)
 * </pre>
 *
 * (it must be drawn, and the other k − 1 drawn from the i − 1 below it). So {@code Σ_i w_i · v_i}
 * is the exact mean over all C(n, k) subsets of the value of the kept sample: an unbiased estimate
 * of best-of-k with far less variance than sampling k afresh per k. Samples ranked equal are kept
 * with equal chance (each value is replaced by the mean of its tie group, which gives exactly that
 * expectation). The weights are computed from the top, {@code w_n = k / n} and {@code w_{i−1} = w_i
 * · (i − k) / (i − 1)}, so no binomial coefficient is ever formed and nothing overflows.
 *
 * <p>{@link #klBon} is the KL divergence of best-of-k from the distribution it samples from (Stiennon
 * et al. 2020; Gao et al. 2022), exact when no two samples rank equal.
 */
public final class BestOfK {

    private BestOfK() {}

    /** {@code KL_bon(k) = log k − (k − 1) / k} nats: best-of-k against the sampling distribution. */
    public static double klBon(int k) {
        Checks.positive("k", k);
        return Math.log(k) - (k - 1.0) / k;
    }

    /** The expected maximum of {@code k} of the {@code scores} drawn without replacement. */
    public static double expectedMax(double[] scores, int k) {
        return expectedValueOfBest(scores, scores, k);
    }

    /**
     * The expected {@code values[j]} of the sample {@code j} ranked highest by {@code rankBy} among
     * {@code k} drawn without replacement: the proxy ranks, the value may be another measure of the
     * same samples (a gold reward, a length).
     *
     * @param rankBy (n) finite ranking keys, higher is better
     * @param values (n) the measure of each sample, finite
     * @param k subset size, 1 ≤ k ≤ n
     */
    public static double expectedValueOfBest(double[] rankBy, double[] values, int k) {
        int n = rankBy.length;
        Checks.check(values.length == n, "rankBy and values must have the same length, but are: %s and %s", n,
                values.length);
        Checks.check(n > 0, "there are no samples to choose from");
        Checks.between("k", k, 1, n);
        for (int j = 0; j < n; j++) {
            Checks.check(Double.isFinite(rankBy[j]) && Double.isFinite(values[j]),
                    "sample %s has a non-finite ranking key or value: %s, %s", j, rankBy[j], values[j]);
        }
        Integer[] order = new Integer[n];
        for (int j = 0; j < n; j++) {
            order[j] = j;
        }
        Arrays.sort(order, Comparator.comparingDouble(j -> rankBy[j])); // ascending rank
        double[] sorted = new double[n];
        for (int from = 0; from < n; ) { // tie groups get their mean value
            int to = from;
            double sum = 0;
            while (to < n && rankBy[order[to]] == rankBy[order[from]]) {
                sum += values[order[to++]];
            }
            Arrays.fill(sorted, from, to, sum / (to - from));
            from = to;
        }
        double[] w = weights(n, k);
        double expected = 0;
        for (int i = 0; i < n; i++) {
            expected += w[i] * sorted[i];
        }
        return expected;
    }

    /** {@code w[i − 1] = C(i − 1, k − 1) / C(n, k)} for ascending ranks i = 1..n; they sum to 1. */
    static double[] weights(int n, int k) {
        double[] w = new double[n];
        w[n - 1] = (double) k / n;
        for (int i = n; i - 1 >= k; i--) { // w_{i−1} = w_i · (i − k) / (i − 1)
            w[i - 2] = w[i - 1] * (i - k) / (i - 1);
        }
        return w;
    }
}
