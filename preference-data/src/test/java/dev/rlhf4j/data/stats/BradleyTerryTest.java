package dev.rlhf4j.data.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.data.stats.BradleyTerry.Comparison;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BradleyTerryTest {

    private static List<Comparison> games(int winner, int loser, int times) {
        List<Comparison> out = new ArrayList<>();
        for (int i = 0; i < times; i++) {
            out.add(new Comparison(winner, loser, false));
        }
        return out;
    }

    /** Two items, 3 wins to 1: the maximum-likelihood P(0 beats 1) is 3/4 in closed form. */
    @Test
    void twoItemsClosedForm() {
        List<Comparison> c = new ArrayList<>(games(0, 1, 3));
        c.addAll(games(1, 0, 1));
        double[] pi = BradleyTerry.fit(2, c, 0);
        assertEquals(0.75, BradleyTerry.probability(pi, 0, 1), 1e-9);
    }

    /** A tie counts half a win each way: 2 wins, 1 loss, 2 ties gives (2 + 1) / 5 = 0.6. */
    @Test
    void tiesCountHalf() {
        List<Comparison> c = new ArrayList<>(games(0, 1, 2));
        c.addAll(games(1, 0, 1));
        c.add(new Comparison(0, 1, true));
        c.add(new Comparison(0, 1, true));
        assertEquals(0.6, BradleyTerry.probability(BradleyTerry.fit(2, c, 0), 0, 1), 1e-9);
    }

    /**
     * Three items: the fitted strengths satisfy the likelihood equations of the model,
     * W_i = Σ_j n_ij π_i / (π_i + π_j) (Hunter 2004, eq. 3), which define the MLE.
     */
    @Test
    void threeItemsSatisfyTheLikelihoodEquations() {
        List<Comparison> c = new ArrayList<>();
        c.addAll(games(0, 1, 4));
        c.addAll(games(1, 0, 1));
        c.addAll(games(1, 2, 3));
        c.addAll(games(2, 1, 2));
        c.addAll(games(2, 0, 1));
        c.addAll(games(0, 2, 2));
        double[] pi = BradleyTerry.fit(3, c, 0);
        double[] wins = {6, 4, 3};
        int[][] n = {{0, 5, 3}, {5, 0, 5}, {3, 5, 0}};
        for (int i = 0; i < 3; i++) {
            double expected = 0;
            for (int j = 0; j < 3; j++) {
                if (j != i) {
                    expected += n[i][j] * pi[i] / (pi[i] + pi[j]);
                }
            }
            assertEquals(wins[i], expected, 1e-6);
        }
        assertTrue(pi[0] > pi[1] && pi[1] > pi[2]);
    }

    @Test
    void priorKeepsAnUnbeatenItemFinite() {
        double[] pi = BradleyTerry.fit(2, games(0, 1, 3), 0.5);
        double p = BradleyTerry.probability(pi, 0, 1);
        assertTrue(p > 0.7 && p < 1, "p = " + p);
    }
}
