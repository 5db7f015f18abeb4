package dev.rlhf4j.data.stats;

import java.util.Arrays;
import java.util.List;

/**
 * Inter-annotator agreement coefficients, small and pure. Categories are {@code 0..K-1}.
 */
public final class Agreement {

    private Agreement() {}

    /**
     * Cohen's κ for two raters (Cohen 1960) from their K×K confusion matrix
     * {@code confusion[a][b]} = items rater 1 put in a and rater 2 in b:
     * κ = (p_o − p_e) / (1 − p_e), p_o = Σ_k c_kk / N, p_e = Σ_k (row_k / N)(col_k / N).
     *
     * @return κ, or NaN when p_e = 1 (both raters always used one and the same category)
     */
    public static double cohenKappa(long[][] confusion) {
        int k = confusion.length;
        double n = 0;
        double diag = 0;
        double[] rows = new double[k];
        double[] cols = new double[k];
        for (int a = 0; a < k; a++) {
            for (int b = 0; b < k; b++) {
                n += confusion[a][b];
                rows[a] += confusion[a][b];
                cols[b] += confusion[a][b];
            }
            diag += confusion[a][a];
        }
        if (n == 0) {
            return Double.NaN;
        }
        double po = diag / n;
        double pe = 0;
        for (int c = 0; c < k; c++) {
            pe += (rows[c] / n) * (cols[c] / n);
        }
        return pe >= 1 ? Double.NaN : (po - pe) / (1 - pe);
    }

    /**
     * Fleiss' κ (Fleiss 1971) from {@code counts[i][j]} = raters who put item i in category j.
     * With the same number of raters n per item this is exactly Fleiss' formula:
     * P_i = (Σ_j n_ij² − n) / (n(n − 1)), P̄ = mean P_i, p_j = Σ_i n_ij / (N n), P̄_e = Σ_j p_j²,
     * κ = (P̄ − P̄_e) / (1 − P̄_e). Items may also have different numbers of raters n_i: P_i then
     * uses its own n_i and p_j the pooled ratings (the usual generalisation). Items with fewer
     * than two ratings are left out.
     *
     * @return κ, or NaN without items of two or more ratings or when P̄_e = 1
     */
    public static double fleissKappa(List<long[]> counts) {
        double sumP = 0;
        int items = 0;
        double[] totals = null;
        double all = 0;
        for (long[] row : counts) {
            long n = Arrays.stream(row).sum();
            if (n < 2) {
                continue;
            }
            if (totals == null) {
                totals = new double[row.length];
            }
            double sq = 0;
            for (int j = 0; j < row.length; j++) {
                sq += (double) row[j] * row[j];
                totals[j] += row[j];
            }
            all += n;
            sumP += (sq - n) / ((double) n * (n - 1));
            items++;
        }
        if (items == 0) {
            return Double.NaN;
        }
        double pBar = sumP / items;
        double pe = 0;
        for (double t : totals) {
            pe += (t / all) * (t / all);
        }
        return pe >= 1 ? Double.NaN : (pBar - pe) / (1 - pe);
    }

    /**
     * Raw pairwise agreement: over all pairs of ratings of the same item, the share that agree.
     * Items with fewer than two ratings are left out.
     */
    public static double pairwiseAgreement(List<long[]> counts) {
        double agree = 0;
        double pairs = 0;
        for (long[] row : counts) {
            long n = Arrays.stream(row).sum();
            for (long c : row) {
                agree += c * (c - 1) / 2.0;
            }
            pairs += n * (n - 1) / 2.0;
        }
        return pairs == 0 ? Double.NaN : agree / pairs;
    }

    /** Krippendorff's difference functions δ². */
    public enum Metric { NOMINAL, ORDINAL, INTERVAL, RATIO }

    /**
     * Krippendorff's α (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability"): each
     * unit is the list of values it received (missing values simply absent). Units with fewer than
     * two values are unpairable and left out. With the coincidence matrix
     * o_ck = Σ_u (number of c-k pairs in u) / (m_u − 1), n_c = Σ_k o_ck and n = Σ_c n_c:
     * α = 1 − (n − 1) Σ_ck o_ck δ²_ck / Σ_ck n_c n_k δ²_ck, with δ² nominal (0 if equal, else 1),
     * ordinal ((Σ_{g=c..k} n_g − (n_c + n_k)/2)² over the ranks of the values), interval
     * ((c − k)²) or ratio (((c − k)/(c + k))²).
     *
     * @return α, or NaN with no pairable values or no disagreement expected
     */
    public static double krippendorffAlpha(List<double[]> units, Metric metric) {
        double[] values = units.stream().filter(u -> u.length >= 2).flatMapToDouble(Arrays::stream)
                .distinct().sorted().toArray();
        int v = values.length;
        if (v == 0) {
            return Double.NaN;
        }
        double[][] o = new double[v][v];
        for (double[] unit : units) {
            int m = unit.length;
            if (m < 2) {
                continue;
            }
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < m; j++) {
                    if (i != j) {
                        o[Arrays.binarySearch(values, unit[i])][Arrays.binarySearch(values, unit[j])] += 1.0 / (m - 1);
                    }
                }
            }
        }
        double[] nc = new double[v];
        double n = 0;
        for (int c = 0; c < v; c++) {
            for (int k = 0; k < v; k++) {
                nc[c] += o[c][k];
            }
            n += nc[c];
        }
        double observed = 0;
        double expected = 0;
        for (int c = 0; c < v; c++) {
            for (int k = 0; k < v; k++) {
                double d = delta(metric, values, nc, c, k);
                observed += o[c][k] * d;
                expected += nc[c] * nc[k] * d;
            }
        }
        if (expected == 0) {
            return Double.NaN;
        }
        return 1 - (n - 1) * observed / expected;
    }

    private static double delta(Metric metric, double[] values, double[] nc, int c, int k) {
        if (c == k) {
            return 0;
        }
        switch (metric) {
            case NOMINAL:
                return 1;
            case ORDINAL: {
                int lo = Math.min(c, k);
                int hi = Math.max(c, k);
                double sum = 0;
                for (int g = lo; g <= hi; g++) {
                    sum += nc[g];
                }
                double d = sum - (nc[lo] + nc[hi]) / 2;
                return d * d;
            }
            case INTERVAL: {
                double d = values[c] - values[k];
                return d * d;
            }
            case RATIO: {
                double d = (values[c] - values[k]) / (values[c] + values[k]);
                return d * d;
            }
            default:
                throw new AssertionError(metric);
        }
    }
}
