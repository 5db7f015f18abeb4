package dev.rlhf4j.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OveroptimisationFitTest {

    /** Points drawn from R(d) = d(1.2 − 0.5 ln d) give back α = 1.2, β = 0.5, and the peak exp(α/β − 1). */
    @Test
    void recoversTheLawItWasDrawnFrom() {
        List<double[]> points = new ArrayList<>();
        points.add(new double[] {0, 0}); // d = 0 carries no information and is skipped
        for (int i = 1; i <= 20; i++) {
            double d = 0.25 * i;
            points.add(new double[] {d, d * (1.2 - 0.5 * Math.log(d))});
        }
        OveroptimisationFit fit = OveroptimisationFit.fit(points);
        assertEquals(1.2, fit.alpha(), 1e-9);
        assertEquals(0.5, fit.beta(), 1e-9);
        assertEquals(20, fit.points());
        assertEquals(Math.exp(1.2 / 0.5 - 1), fit.peak(), 1e-9);
        assertEquals(0, fit.at(0));
    }

    @Test
    void tooFewPointsGiveNoFit() {
        OveroptimisationFit fit = OveroptimisationFit.fit(List.of(new double[] {1, 1}, new double[] {2, 1}));
        assertTrue(Double.isNaN(fit.alpha()) && Double.isNaN(fit.peak()));
    }

    /** A gold reward that keeps rising (β a hair above 0) has no peak, not one at an infinite distance. */
    @Test
    void aLawThatNeverTurnsDownHasNoPeak() {
        List<double[]> points = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            double d = 0.25 * i;
            points.add(new double[] {d, d * (0.567 - 1e-5 * Math.log(d))});
        }
        OveroptimisationFit fit = OveroptimisationFit.fit(points);
        assertTrue(fit.beta() > 0, "beta " + fit.beta());
        assertTrue(Double.isNaN(fit.peak()));
    }
}
