package dev.rlhf4j.rm.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.rm.eval.PairMetrics.Accuracy;
import dev.rlhf4j.rm.eval.PairMetrics.Bucket;
import dev.rlhf4j.rm.eval.PairMetrics.Calibration;
import dev.rlhf4j.rm.eval.PairMetrics.CalibrationBin;
import dev.rlhf4j.rm.eval.PairMetrics.Distribution;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every metric against a small example worked by hand (the working is in each test's comment). */
class PairMetricsTest {

    private static final double EPS = 1e-12;

    @Test
    void accuracyIsStrictAndCountsScoreTies() {
        // pairs (c, r): (2,1) right, (1,1) tie → wrong, (0,1) wrong, (3,0) right: 2 of 4
        Accuracy a = PairMetrics.accuracy(new double[] {2, 1, 0, 3}, new double[] {1, 1, 1, 0});
        assertEquals(new Accuracy(4, 2, 1), a);
        assertEquals(0.5, a.accuracy());
    }

    @Test
    void rocAucOnOrderSymmetrisedPairs() {
        // Δ = [1, 0, −1, 3]: positives {1, 0, −1, 3}, negatives {−1, 0, 1, −3}; over the 16 (pos, neg)
        // pairs count pos > neg as 1 and pos = neg as 1/2:
        //   pos 1: > {−1, 0, −3} = 3, = {1} = 0.5   → 3.5
        //   pos 0: > {−1, −3} = 2,    = {0} = 0.5   → 2.5
        //   pos −1: > {−3} = 1,       = {−1} = 0.5  → 1.5
        //   pos 3: > all 4                          → 4
        // AUC = 11.5 / 16 = 0.71875
        assertEquals(0.71875, PairMetrics.pairwiseRocAuc(new double[] {1, 0, -1, 3}), EPS);
        // plain rocAuc: scores [0.1, 0.4, 0.35, 0.8], labels [0, 0, 1, 1] (scikit-learn's doc example): 0.75
        assertEquals(0.75, PairMetrics.rocAuc(new double[] {0.1, 0.4, 0.35, 0.8},
                new boolean[] {false, false, true, true}), EPS);
    }

    @Test
    void logLossAndBrier() {
        // Δ = [0, ln 3]: σ = [1/2, 3/4]
        // log-loss = (−ln 1/2 − ln 3/4) / 2 = (0.6931471805599453 + 0.2876820724517809) / 2 = 0.4904146265058631
        // Brier = ((1 − 1/2)² + (1 − 3/4)²) / 2 = (0.25 + 0.0625) / 2 = 0.15625
        double[] delta = {0, Math.log(3)};
        assertEquals(0.4904146265058631, PairMetrics.logLoss(delta), 1e-12);
        assertEquals(0.15625, PairMetrics.brier(delta), 1e-12);
    }

    @Test
    void expectedCalibrationErrorOnSymmetrisedPairs() {
        // Δ = [ln 3, ln 3, −ln 3, ln(17/3)]: σ = [0.75, 0.75, 0.25, 0.85]; symmetrised (p, y):
        //   (0.75,1) (0.75,1) (0.25,1) (0.85,1) and (0.25,0) (0.25,0) (0.75,0) (0.15,0)
        // bins of width 0.1: bin 1 {(0.15,0)}, bin 2 {(0.25,1),(0.25,0),(0.25,0)},
        //   bin 7 {(0.75,1),(0.75,1),(0.75,0)}, bin 8 {(0.85,1)}
        // ECE = 1/8·|0 − 0.15| + 3/8·|1/3 − 0.25| + 3/8·|2/3 − 0.75| + 1/8·|1 − 0.85|
        //     = 0.01875 + 0.03125 + 0.03125 + 0.01875 = 0.1
        double l3 = Math.log(3);
        Calibration c = PairMetrics.calibration(new double[] {l3, l3, -l3, Math.log(17.0 / 3)}, 10);
        assertEquals(0.1, c.ece(), 1e-12);
        CalibrationBin bin7 = c.bins().get(7);
        assertEquals(3, bin7.count());
        assertEquals(0.75, bin7.confidence(), 1e-12);
        assertEquals(2.0 / 3, bin7.accuracy(), 1e-12);
        assertEquals(0, c.bins().get(5).count());
        assertTrue(Double.isNaN(c.bins().get(5).accuracy()));
    }

    @Test
    void distributionWithNumpyLinearQuantiles() {
        // [1, 2, 3, 4, 10]: mean 4; deviations −3 −2 −1 0 6 → variance 50/5 = 10 → std √10
        // quantile q at position 4q: p05 → 0.2: 1 + 0.2·1 = 1.2; p25 → 1: 2; p50 → 2: 3; p75 → 3: 4;
        // p95 → 3.8: 4 + 0.8·6 = 8.8   (numpy.quantile, method "linear")
        Distribution d = PairMetrics.distribution(new double[] {10, 1, 4, 2, 3});
        assertEquals(4, d.mean(), EPS);
        assertEquals(Math.sqrt(10), d.std(), EPS);
        assertEquals(1, d.min());
        assertEquals(10, d.max());
        assertArrayEquals(new double[] {1.2, 2, 3, 4, 8.8}, d.quantiles(), 1e-12);
    }

    @Test
    void bucketsByDistinctValueOrByQuartile() {
        // graded strengths 1, 2, 2, 3: one bucket per value; the value-2 pairs are (1, 0) right and (0, 1) wrong
        double[] c = {1, 1, 0, 1};
        double[] r = {0, 0, 1, 0};
        List<Bucket> graded = PairMetrics.buckets(new double[] {1, 2, 2, 3}, c, r, 6);
        assertEquals(3, graded.size());
        assertEquals(new Bucket(2, 2, new Accuracy(2, 1, 0)), graded.get(1));
        // eight distinct values 1..8: quartile edges [1, 2.75, 4.5, 6.25, 8] → 2 values per bucket
        double[] v = {1, 2, 3, 4, 5, 6, 7, 8};
        double[] cc = {0, 0, 1, 0, 1, 1, 1, 1};
        double[] rr = new double[8];
        List<Bucket> quartiles = PairMetrics.buckets(v, cc, rr, 6);
        assertEquals(4, quartiles.size());
        assertEquals(new Bucket(1, 2.75, new Accuracy(2, 0, 2)), quartiles.get(0));
        assertEquals(new Bucket(2.75, 4.5, new Accuracy(2, 1, 1)), quartiles.get(1));
        assertEquals(new Bucket(6.25, 8, new Accuracy(2, 2, 0)), quartiles.get(3));
    }

    @Test
    void rankCorrelations() {
        // x = [1, 2, 3, 4], y = [1, 3, 2, 4]: of the 6 pairs only (2, 3) is discordant → τ = (5 − 1)/6 = 2/3;
        // rank differences d = [0, 1, 1, 0] → ρ = 1 − 6·Σd²/(n(n² − 1)) = 1 − 12/60 = 0.8
        double[] x = {1, 2, 3, 4};
        double[] y = {1, 3, 2, 4};
        assertEquals(2.0 / 3, PairMetrics.kendall(x, y), 1e-12);
        assertEquals(0.8, PairMetrics.spearman(x, y), 1e-12);
        // Pearson: x̄ = 2.5, ȳ = 2.5; Σ(x−x̄)(y−ȳ) = 2.25 + (−0.5)(0.5) + (0.5)(−0.5) + 2.25 = 4; Σ(x−x̄)² = Σ(y−ȳ)² = 5 → 0.8
        assertEquals(0.8, PairMetrics.pearson(x, y), 1e-12);
        assertTrue(Double.isNaN(PairMetrics.pearson(x, new double[] {2, 2, 2, 2})), "constant series: undefined");
    }
}
