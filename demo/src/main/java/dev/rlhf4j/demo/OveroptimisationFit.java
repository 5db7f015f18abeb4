package dev.rlhf4j.demo;

import java.util.List;
import org.apache.commons.math3.stat.regression.OLSMultipleLinearRegression;

/**
 * The scaling law of reward-model over-optimisation for RL (Gao, Schulman and Hilton, 2022):
 * {@code R(d) = d·(α − β·ln d)}, with {@code d = sqrt(KL(π‖π_ref))} and R the gold reward gained
 * over the initial policy. Fitted by least squares, linear in (α, β) with no intercept (R(0) = 0).
 * The gold reward peaks at {@code d* = exp(α/β − 1)}.
 *
 * @param alpha α
 * @param beta β
 * @param points the (d, R) points fitted
 */
record OveroptimisationFit(double alpha, double beta, int points) {

    /** Fits (d, R) points; points with d ≤ 0 carry no information (R(0) = 0) and are skipped. */
    static OveroptimisationFit fit(List<double[]> dr) {
        List<double[]> usable = dr.stream().filter(p -> p[0] > 0 && Double.isFinite(p[1])).toList();
        if (usable.size() < 3) {
            return new OveroptimisationFit(Double.NaN, Double.NaN, usable.size());
        }
        double[] y = new double[usable.size()];
        double[][] x = new double[usable.size()][];
        for (int i = 0; i < y.length; i++) {
            double d = usable.get(i)[0];
            x[i] = new double[] {d, -d * Math.log(d)};
            y[i] = usable.get(i)[1];
        }
        OLSMultipleLinearRegression ols = new OLSMultipleLinearRegression();
        ols.setNoIntercept(true);
        ols.newSampleData(y, x);
        double[] b = ols.estimateRegressionParameters();
        return new OveroptimisationFit(b[0], b[1], y.length);
    }

    /** R(d). */
    double at(double d) {
        return d <= 0 ? 0 : d * (alpha - beta * Math.log(d));
    }

    /**
     * Where the fitted gold reward peaks, or NaN if it never turns down: β ≤ 0, or β so close to 0
     * that the peak is beyond any representable distance.
     */
    double peak() {
        double peak = beta > 0 ? Math.exp(alpha / beta - 1) : Double.NaN;
        return Double.isFinite(peak) ? peak : Double.NaN;
    }
}
