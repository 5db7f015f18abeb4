package dev.rlhf4j.ppo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The best-of-k estimator equals the mean over every k-subset of the n samples (enumerated), ties
 * broken uniformly; KL_bon matches the KL of best-of-k computed from its distribution.
 */
class BestOfKTest {

    /** The mean over all C(n, k) subsets of the value of the best-ranked sample, ties shared equally. */
    private static double bruteForce(double[] rankBy, double[] values, int k) {
        int n = rankBy.length;
        double sum = 0;
        int subsets = 0;
        for (int mask = 0; mask < 1 << n; mask++) {
            if (Integer.bitCount(mask) != k) {
                continue;
            }
            double top = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                if ((mask >> j & 1) == 1) {
                    top = Math.max(top, rankBy[j]);
                }
            }
            double tied = 0;
            int count = 0;
            for (int j = 0; j < n; j++) {
                if ((mask >> j & 1) == 1 && rankBy[j] == top) {
                    tied += values[j];
                    count++;
                }
            }
            sum += tied / count;
            subsets++;
        }
        return sum / subsets;
    }

    @Test
    void estimatorEqualsTheMeanOverAllSubsets() {
        Random rnd = new Random(11);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + rnd.nextInt(9);
            boolean ties = trial % 3 == 0;
            double[] rankBy = new double[n];
            double[] values = new double[n];
            for (int j = 0; j < n; j++) {
                rankBy[j] = ties ? rnd.nextInt(3) : rnd.nextGaussian();
                values[j] = rnd.nextGaussian();
            }
            for (int k = 1; k <= n; k++) {
                assertEquals(bruteForce(rankBy, values, k), BestOfK.expectedValueOfBest(rankBy, values, k), 1e-12,
                        "n " + n + ", k " + k + ", trial " + trial);
                assertEquals(bruteForce(rankBy, rankBy, k), BestOfK.expectedMax(rankBy, k), 1e-12);
            }
        }
    }

    @Test
    void bestOfOneIsTheMeanAndBestOfNTheMax() {
        double[] s = {0.3, -1.2, 2.5, 0.9};
        assertEquals((0.3 - 1.2 + 2.5 + 0.9) / 4, BestOfK.expectedMax(s, 1), 1e-15);
        assertEquals(2.5, BestOfK.expectedMax(s, 4), 1e-15);
        // C(3,1)/C(4,2) = 1/2 for the top, C(2,1)/C(4,2) = 1/3, C(1,1)/C(4,2) = 1/6
        assertEquals(2.5 / 2 + 0.9 / 3 + 0.3 / 6, BestOfK.expectedMax(s, 2), 1e-15);
    }

    @Test
    void weightsStayFiniteForLargeN() {
        double[] w = BestOfK.weights(5000, 2500);
        double sum = 0;
        for (double x : w) {
            sum += x;
        }
        assertEquals(1.0, sum, 1e-9);
        assertEquals(0.5, w[4999], 1e-15);
    }

    /**
     * KL(best-of-k ‖ p) for p uniform over N ordered outcomes: outcome i (ascending) is the best of k
     * with probability (i/N)^k − ((i−1)/N)^k; as N grows this tends to log k − (k − 1)/k.
     */
    @Test
    void klBonIsTheKlOfBestOfKFromItsDistribution() {
        int atoms = 200_000;
        for (int k : new int[] {1, 2, 3, 8, 64}) {
            double kl = 0;
            for (int i = 1; i <= atoms; i++) {
                double p = Math.pow((double) i / atoms, k) - Math.pow((double) (i - 1) / atoms, k);
                if (p > 0) {
                    kl += p * Math.log(p * atoms);
                }
            }
            assertEquals(kl, BestOfK.klBon(k), 1e-7, "k " + k);
        }
        assertEquals(0.0, BestOfK.klBon(1), 0.0);
        assertEquals(Math.log(8) - 7.0 / 8, BestOfK.klBon(8), 1e-15);
    }

    @Test
    void badArgumentsAreNamed() {
        assertEquals("k must be between 1 and 3, but is: 4",
                assertThrows(IllegalArgumentException.class, () -> BestOfK.expectedMax(new double[3], 4)).getMessage());
        assertEquals("k must be > 0, but is: 0",
                assertThrows(IllegalArgumentException.class, () -> BestOfK.klBon(0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> BestOfK.expectedMax(new double[] {1, Double.NaN}, 1));
    }
}
