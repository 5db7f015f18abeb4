package dev.rlhf4j.rm.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import org.apache.commons.math3.stat.correlation.KendallsCorrelation;
import org.apache.commons.math3.stat.correlation.PearsonsCorrelation;
import org.apache.commons.math3.stat.correlation.SpearmansCorrelation;

/**
 * The numerics of a reward-model evaluation, on plain arrays, each a small pure function. Notation:
 * pair i has scores {@code c_i} (chosen) and {@code r_i} (rejected), {@code Δ_i = c_i − r_i},
 * {@code p_i = σ(Δ_i)}, the model's probability that the chosen response is preferred.
 *
 * <p><b>Order symmetrisation.</b> A pair carries no information about which response was listed
 * first, so probabilistic metrics that would otherwise see only positives (label 1: "chosen
 * wins") use both orders of each pair: {@code (p_i, 1)} and {@code (1 − p_i, 0)}. Log-loss and
 * Brier score are the same on both orders; ROC-AUC and calibration need the symmetrised set.
 */
public final class PairMetrics {

    /** Quantiles reported for reward distributions. */
    public static final double[] QUANTILES = {0.05, 0.25, 0.5, 0.75, 0.95};

    private PairMetrics() {}

    /** σ(x) = 1 / (1 + e^{−x}), computed without overflow. */
    public static double sigmoid(double x) {
        if (x >= 0) {
            return 1 / (1 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1 + e);
    }

    /** Pairs counted, correct ({@code c > r} strictly), and score ties ({@code c == r}, counted wrong). */
    public record Accuracy(long n, long correct, long ties) {

        /** correct / n (NaN when n is 0). */
        public double accuracy() {
            return n == 0 ? Double.NaN : (double) correct / n;
        }

        static Accuracy of(double[] chosen, double[] rejected) {
            long correct = 0;
            long ties = 0;
            for (int i = 0; i < chosen.length; i++) {
                if (chosen[i] > rejected[i]) {
                    correct++;
                } else if (chosen[i] == rejected[i]) {
                    ties++;
                }
            }
            return new Accuracy(chosen.length, correct, ties);
        }
    }

    /** Strict pairwise accuracy: a score tie counts as wrong. */
    public static Accuracy accuracy(double[] chosen, double[] rejected) {
        return Accuracy.of(chosen, rejected);
    }

    /**
     * ROC-AUC of {@code scores} for {@code labels} (the Mann–Whitney U statistic over positives ×
     * negatives, ties between a positive and a negative counting one half), from average ranks.
     */
    public static double rocAuc(double[] scores, boolean[] labels) {
        int n = scores.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(scores[a], scores[b]));
        double[] rank = new double[n];
        for (int i = 0; i < n; ) {
            int j = i;
            while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) {
                j++;
            }
            double average = (i + j) / 2.0 + 1; // 1-based ranks i+1 .. j+1
            for (int k = i; k <= j; k++) {
                rank[order[k]] = average;
            }
            i = j + 1;
        }
        long positives = 0;
        double rankSum = 0;
        for (int i = 0; i < n; i++) {
            if (labels[i]) {
                positives++;
                rankSum += rank[i];
            }
        }
        long negatives = n - positives;
        if (positives == 0 || negatives == 0) {
            return Double.NaN;
        }
        return (rankSum - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
    }

    /** ROC-AUC of {@code Δ} on the order-symmetrised pairs: scores {@code Δ_i} (label 1) and {@code −Δ_i} (label 0). */
    public static double pairwiseRocAuc(double[] delta) {
        double[] scores = new double[2 * delta.length];
        boolean[] labels = new boolean[2 * delta.length];
        for (int i = 0; i < delta.length; i++) {
            scores[2 * i] = delta[i];
            labels[2 * i] = true;
            scores[2 * i + 1] = -delta[i];
        }
        return rocAuc(scores, labels);
    }

    /** Mean of {@code −ln σ(Δ_i)} (nats). */
    public static double logLoss(double[] delta) {
        double sum = 0;
        for (double d : delta) {
            sum += Math.max(-d, 0) + Math.log1p(Math.exp(-Math.abs(d)));
        }
        return sum / delta.length;
    }

    /** Mean of {@code (1 − σ(Δ_i))²}. */
    public static double brier(double[] delta) {
        double sum = 0;
        for (double d : delta) {
            double miss = 1 - sigmoid(d);
            sum += miss * miss;
        }
        return sum / delta.length;
    }

    /**
     * One bin of a reliability diagram.
     *
     * @param lo the bin's lower edge
     * @param hi its upper edge
     * @param count predictions in it
     * @param confidence their mean predicted probability (NaN when empty)
     * @param accuracy the fraction of them whose label is 1 (NaN when empty)
     */
    public record CalibrationBin(double lo, double hi, long count, double confidence, double accuracy) {}

    /**
     * Expected calibration error with its reliability diagram.
     *
     * @param ece {@code Σ_b (n_b / N) · |accuracy_b − confidence_b|}
     * @param bins equal-width bins over [0, 1]
     */
    public record Calibration(double ece, List<CalibrationBin> bins) {}

    /**
     * Expected calibration error (Guo et al. 2017) of the order-symmetrised pairs, {@code (σ(Δ_i),
     * 1)} and {@code (σ(−Δ_i), 0)}, in {@code bins} equal-width bins; a probability p falls in bin
     * {@code min(floor(p · bins), bins − 1)}.
     */
    public static Calibration calibration(double[] delta, int bins) {
        long[] count = new long[bins];
        double[] confidence = new double[bins];
        double[] positive = new double[bins];
        for (double d : delta) {
            double p = sigmoid(d);
            double q = sigmoid(-d);
            int bp = Math.min((int) Math.floor(p * bins), bins - 1);
            int bq = Math.min((int) Math.floor(q * bins), bins - 1);
            count[bp]++;
            confidence[bp] += p;
            positive[bp] += 1;
            count[bq]++;
            confidence[bq] += q;
        }
        long total = 2L * delta.length;
        double ece = 0;
        List<CalibrationBin> out = new ArrayList<>();
        for (int b = 0; b < bins; b++) {
            double conf = count[b] == 0 ? Double.NaN : confidence[b] / count[b];
            double acc = count[b] == 0 ? Double.NaN : positive[b] / count[b];
            if (count[b] > 0) {
                ece += (double) count[b] / total * Math.abs(acc - conf);
            }
            out.add(new CalibrationBin((double) b / bins, (double) (b + 1) / bins, count[b], conf, acc));
        }
        return new Calibration(ece, List.copyOf(out));
    }

    /**
     * A distribution summary.
     *
     * @param n values
     * @param mean their mean
     * @param std population standard deviation (divided by n, as numpy's {@code std})
     * @param min smallest
     * @param max largest
     * @param quantiles at {@link #QUANTILES}, linear interpolation (numpy's default {@code
     *     "linear"} method: position {@code (n − 1) q})
     */
    public record Distribution(long n, double mean, double std, double min, double max, double[] quantiles) {}

    /** The summary of {@code values} (not modified). */
    public static Distribution distribution(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double sum = 0;
        for (double v : sorted) {
            sum += v;
        }
        double mean = sum / n;
        double sq = 0;
        for (double v : sorted) {
            sq += (v - mean) * (v - mean);
        }
        double[] q = new double[QUANTILES.length];
        for (int i = 0; i < q.length; i++) {
            q[i] = quantile(sorted, QUANTILES[i]);
        }
        return new Distribution(n, mean, Math.sqrt(sq / n), sorted[0], sorted[n - 1], q);
    }

    /** The q-quantile of sorted values, numpy's {@code "linear"} method. */
    public static double quantile(double[] sorted, double q) {
        double h = (sorted.length - 1) * q;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    /**
     * Accuracy within a range of some per-pair value.
     *
     * @param lo lowest value in the bucket
     * @param hi highest value (inclusive for the last bucket, exclusive otherwise; equal to lo for
     *     a bucket of one distinct value)
     * @param accuracy strict accuracy of its pairs
     */
    public record Bucket(double lo, double hi, Accuracy accuracy) {}

    /**
     * Accuracy by value bucket: one bucket per distinct value when there are at most {@code
     * maxDistinct} of them (graded labels such as HelpSteer2's strengths 1..3), otherwise the four
     * quartile ranges {@code [min, q25) [q25, q50) [q50, q75) [q75, max]} (empty ones left out).
     */
    public static List<Bucket> buckets(double[] values, double[] chosen, double[] rejected, int maxDistinct) {
        TreeSet<Double> distinct = new TreeSet<>();
        for (double v : values) {
            distinct.add(v);
        }
        List<double[]> ranges = new ArrayList<>();
        if (distinct.size() <= maxDistinct) {
            for (double v : distinct) {
                ranges.add(new double[] {v, v});
            }
        } else {
            double[] sorted = values.clone();
            Arrays.sort(sorted);
            double[] edges = {sorted[0], quantile(sorted, 0.25), quantile(sorted, 0.5), quantile(sorted, 0.75),
                sorted[sorted.length - 1]};
            for (int i = 0; i < 4; i++) {
                ranges.add(new double[] {edges[i], edges[i + 1]});
            }
        }
        List<Bucket> out = new ArrayList<>();
        for (int k = 0; k < ranges.size(); k++) {
            double lo = ranges.get(k)[0];
            double hi = ranges.get(k)[1];
            boolean last = k == ranges.size() - 1;
            List<Integer> members = new ArrayList<>();
            for (int i = 0; i < values.length; i++) {
                double v = values[i];
                boolean in = lo == hi ? v == lo : v >= lo && (last ? v <= hi : v < hi);
                if (in) {
                    members.add(i);
                }
            }
            if (members.isEmpty()) {
                continue;
            }
            double[] c = new double[members.size()];
            double[] r = new double[members.size()];
            for (int j = 0; j < c.length; j++) {
                c[j] = chosen[members.get(j)];
                r[j] = rejected[members.get(j)];
            }
            out.add(new Bucket(lo, hi, Accuracy.of(c, r)));
        }
        return List.copyOf(out);
    }

    /** Pearson's r, or NaN when fewer than two values or a constant series. */
    public static double pearson(double[] x, double[] y) {
        return x.length < 2 || constant(x) || constant(y) ? Double.NaN : new PearsonsCorrelation().correlation(x, y);
    }

    /** Spearman's ρ (Pearson's r of average ranks), or NaN as {@link #pearson}. */
    public static double spearman(double[] x, double[] y) {
        return x.length < 2 || constant(x) || constant(y) ? Double.NaN : new SpearmansCorrelation().correlation(x, y);
    }

    /** Kendall's τ-b (ties corrected), or NaN as {@link #pearson}. */
    public static double kendall(double[] x, double[] y) {
        return x.length < 2 || constant(x) || constant(y) ? Double.NaN : new KendallsCorrelation().correlation(x, y);
    }

    private static boolean constant(double[] x) {
        for (double v : x) {
            if (v != x[0]) {
                return false;
            }
        }
        return true;
    }
}
