package dev.rlhf4j.data.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.data.stats.Agreement.Metric;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Agreement coefficients against published worked examples and a hand computation. */
class AgreementTest {

    /**
     * Hand-computable Cohen's κ: two raters, 50 items, yes/yes 20, yes/no 5, no/yes 10, no/no 15.
     * p_o = (20 + 15) / 50 = 0.7; rater 1 says yes 25/50 = 0.5, rater 2 30/50 = 0.6, so
     * p_e = 0.5 × 0.6 + 0.5 × 0.4 = 0.5 and κ = (0.7 − 0.5) / (1 − 0.5) = 0.4.
     */
    @Test
    void cohenKappaHandComputed() {
        assertEquals(0.4, Agreement.cohenKappa(new long[][] {{20, 5}, {10, 15}}), 1e-12);
    }

    @Test
    void cohenKappaPerfectAndUndefined() {
        assertEquals(1.0, Agreement.cohenKappa(new long[][] {{3, 0}, {0, 4}}), 1e-12);
        assertTrue(Double.isNaN(Agreement.cohenKappa(new long[][] {{5, 0}, {0, 0}})), "p_e = 1");
    }

    /**
     * Fleiss, J. L. (1971), "Measuring nominal scale agreement among many raters", Psychological
     * Bulletin 76(5), 378–382, Table 1: 30 patients, 6 psychiatric diagnoses each, 5 categories
     * (1 depression, 2 personality disorder, 3 schizophrenia, 4 neurosis, 5 other); the paper gives
     * κ = .430. The ratings are as distributed with R's irr package (dataset {@code diagnoses},
     * where {@code kappam.fleiss} also gives 0.430).
     */
    static final int[][] FLEISS_1971 = {
        {4, 4, 4, 4, 4, 4}, {2, 2, 2, 5, 5, 5}, {2, 3, 3, 3, 3, 5}, {5, 5, 5, 5, 5, 5}, {2, 2, 2, 4, 4, 4},
        {1, 1, 3, 3, 3, 3}, {3, 3, 3, 3, 5, 5}, {1, 1, 3, 3, 3, 4}, {1, 1, 4, 4, 4, 4}, {5, 5, 5, 5, 5, 5},
        {1, 4, 4, 4, 4, 4}, {1, 2, 4, 4, 4, 4}, {2, 2, 2, 3, 3, 3}, {1, 4, 4, 4, 4, 4}, {2, 2, 4, 4, 4, 5},
        {3, 3, 3, 3, 3, 5}, {1, 1, 1, 4, 5, 5}, {1, 1, 1, 1, 1, 2}, {2, 2, 4, 4, 4, 4}, {1, 3, 3, 5, 5, 5},
        {5, 5, 5, 5, 5, 5}, {2, 4, 4, 4, 4, 4}, {2, 2, 4, 5, 5, 5}, {1, 1, 4, 4, 4, 4}, {1, 4, 4, 4, 4, 5},
        {2, 2, 2, 2, 2, 4}, {1, 1, 1, 1, 5, 5}, {2, 2, 4, 4, 4, 4}, {1, 3, 3, 3, 3, 3}, {5, 5, 5, 5, 5, 5},
    };

    @Test
    void fleissKappaFleiss1971Table1() {
        List<long[]> counts = new ArrayList<>();
        for (int[] patient : FLEISS_1971) {
            long[] row = new long[5];
            for (int diagnosis : patient) {
                row[diagnosis - 1]++;
            }
            counts.add(row);
        }
        assertEquals(0.430, Agreement.fleissKappa(counts), 0.0005);
    }

    @Test
    void fleissKappaSkipsItemsWithOneRating() {
        List<long[]> counts = List.of(new long[] {2, 0}, new long[] {0, 2}, new long[] {1, 0});
        assertEquals(1.0, Agreement.fleissKappa(counts), 1e-12);
    }

    /**
     * Krippendorff, K. (2011), "Computing Krippendorff's Alpha-Reliability", University of
     * Pennsylvania, section C: 4 observers, 12 units, values 1–5 with missing ratings (unit 12 has
     * one value and is unpairable). The paper gives α = 0.743 (nominal), 0.815 (ordinal),
     * 0.849 (interval) and 0.797 (ratio).
     */
    static final double N = Double.NaN;
    static final double[][] KRIPPENDORFF_2011 = { // rows: units; columns: observers A, B, C, D
        {1, 1, N, 1}, {2, 2, 3, 2}, {3, 3, 3, 3}, {3, 3, 3, 3}, {2, 2, 2, 2}, {1, 2, 3, 4},
        {4, 4, 4, 4}, {1, 1, 2, 1}, {2, 2, 2, 2}, {N, 5, 5, 5}, {N, N, 1, 1}, {N, N, 3, N},
    };

    static List<double[]> units() {
        List<double[]> units = new ArrayList<>();
        for (double[] row : KRIPPENDORFF_2011) {
            units.add(java.util.Arrays.stream(row).filter(v -> !Double.isNaN(v)).toArray());
        }
        return units;
    }

    @Test
    void krippendorffAlpha2011WorkedExample() {
        assertEquals(0.743, Agreement.krippendorffAlpha(units(), Metric.NOMINAL), 0.0005);
        assertEquals(0.815, Agreement.krippendorffAlpha(units(), Metric.ORDINAL), 0.0005);
        assertEquals(0.849, Agreement.krippendorffAlpha(units(), Metric.INTERVAL), 0.0005);
        assertEquals(0.797, Agreement.krippendorffAlpha(units(), Metric.RATIO), 0.0005);
    }

    /** Hand computed: one item rated A, A, B has 3 pairs of which 1 agrees; another A, A: 1 of 1. */
    @Test
    void pairwiseAgreementHandComputed() {
        assertEquals(0.5, Agreement.pairwiseAgreement(List.of(new long[] {2, 1, 0}, new long[] {2, 0, 0})), 1e-12);
    }
}
