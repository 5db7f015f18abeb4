package dev.rlhf4j.data.stats;

import java.util.List;

/**
 * Bradley–Terry strengths from pairwise comparisons: P(i beats j) = π_i / (π_i + π_j). Fitted by
 * Hunter's (2004) minorisation–maximisation iteration π_i ← W_i / Σ_j n_ij / (π_i + π_j), where
 * W_i is i's wins (a tie counts half a win for each side) and n_ij the comparisons of i and j.
 *
 * <p>With {@code prior} &gt; 0 every item also plays a virtual opponent of fixed strength 1, winning
 * and losing {@code prior} times each: this keeps strengths finite for an item that never lost (or
 * never won) and pulls items with few comparisons toward the average. With prior 0 this is the
 * plain maximum-likelihood estimate (which exists only when the comparison graph is strongly
 * connected).
 */
public final class BradleyTerry {

    /** One comparison: {@code winner} beat {@code loser}, or a tie between them. */
    public record Comparison(int winner, int loser, boolean tie) {}

    private BradleyTerry() {}

    /**
     * @return π_i for each of the {@code n} items, normalised so their geometric mean is 1
     */
    public static double[] fit(int n, List<Comparison> comparisons, double prior) {
        double[] wins = new double[n];
        double[][] games = new double[n][n];
        for (Comparison c : comparisons) {
            if (c.tie()) {
                wins[c.winner()] += 0.5;
                wins[c.loser()] += 0.5;
            } else {
                wins[c.winner()] += 1;
            }
            games[c.winner()][c.loser()] += 1;
            games[c.loser()][c.winner()] += 1;
        }
        double[] pi = new double[n];
        java.util.Arrays.fill(pi, 1.0);
        for (int iter = 0; iter < 10_000; iter++) {
            double maxChange = 0;
            double[] next = new double[n];
            for (int i = 0; i < n; i++) {
                double denom = prior > 0 ? 2 * prior / (pi[i] + 1) : 0;
                for (int j = 0; j < n; j++) {
                    if (games[i][j] > 0) {
                        denom += games[i][j] / (pi[i] + pi[j]);
                    }
                }
                double w = wins[i] + prior;
                next[i] = denom == 0 ? pi[i] : Math.max(w, 1e-300) / denom;
            }
            if (prior == 0) {
                normalise(next);
            }
            for (int i = 0; i < n; i++) {
                maxChange = Math.max(maxChange, Math.abs(Math.log(next[i] / pi[i])));
            }
            pi = next;
            if (maxChange < 1e-10) {
                break;
            }
        }
        normalise(pi);
        return pi;
    }

    /** P(i beats j) from fitted strengths. */
    public static double probability(double[] pi, int i, int j) {
        return pi[i] / (pi[i] + pi[j]);
    }

    private static void normalise(double[] pi) {
        double logMean = 0;
        for (double p : pi) {
            logMean += Math.log(p);
        }
        double scale = Math.exp(logMean / pi.length);
        for (int i = 0; i < pi.length; i++) {
            pi[i] /= scale;
        }
    }
}
