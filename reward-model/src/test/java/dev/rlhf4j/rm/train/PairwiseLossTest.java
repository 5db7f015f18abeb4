package dev.rlhf4j.rm.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The batch below: three pairs, the first two from one ranking (group "g"), the third alone, so
 * G = 2 groups and weights 1/(2·2), 1/(2·2), 1/(2·1).
 *
 * <pre>
 *   r_c = [1.0, 0.5, -0.2], r_r = [0.0, 0.7, -0.2], margin = [0, 0.1, 0.5]
 *   x   = r_c − r_r − m = [1.0, −0.3, −0.5]
 *   l   = −log σ(x) = log(1 + e^{−x}) = [log(1 + e^{−1}), log(1 + e^{0.3}), log(1 + e^{0.5})]
 *       = [0.31326168751822286, 0.8543552444685271, 0.9740769841801067]
 *   loss = 0.25 · 0.313262 + 0.25 · 0.854355 + 0.5 · 0.974077 = 0.7789427250867409
 *   with c = 0.1: l += 0.1 · (r_c + r_r)² = [0.1, 0.144, 0.016]  →  loss + 0.069 = 0.8479427250867408
 * </pre>
 * (Python, float64: {@code math.log1p(math.exp(-x))} per pair, then the weighted sum.)
 */
class PairwiseLossTest {

    private static final float[] CHOSEN = {1.0f, 0.5f, -0.2f};
    private static final float[] REJECTED = {0.0f, 0.7f, -0.2f};
    private static final float[] MARGIN = {0f, 0.1f, 0.5f};

    @Test
    void groupWeightsAverageWithinRankingsThenOverGroups() {
        assertArrayEquals(new float[] {0.25f, 0.25f, 0.5f}, PairwiseLoss.groupWeights(Arrays.asList("g", "g", null)));
        assertArrayEquals(new float[] {0.25f, 0.25f, 0.25f, 0.25f},
                PairwiseLoss.groupWeights(Arrays.asList(null, null, null, null)), "no groups: the plain mean");
    }

    @Test
    void lossEqualsTheHandComputedValue() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.create(PairwiseLoss.groupWeights(Arrays.asList("g", "g", null)));
            NDArray loss = PairwiseLoss.loss(m.create(CHOSEN), m.create(REJECTED), m.create(MARGIN), w, 0);
            assertEquals(0.7789427250867409, loss.getFloat(), 1e-6);
            NDArray centred = PairwiseLoss.loss(m.create(CHOSEN), m.create(REJECTED), m.create(MARGIN), w, 0.1);
            assertEquals(0.8479427250867408, centred.getFloat(), 1e-6);
            double scalar = 0;
            float[] ws = w.toFloatArray();
            for (int i = 0; i < 3; i++) {
                scalar += ws[i] * PairwiseLoss.value(CHOSEN[i], REJECTED[i], MARGIN[i], 0.1);
            }
            assertEquals(0.8479427250867408, scalar, 1e-6, "the double-precision form used in evaluation");
        }
    }

    @Test
    void gradientIsMinusSigmoidOfMinusX() {
        // d/dr_c [−log σ(x)] = −σ(−x) = −1/(1 + e^{x}); at x = 1: −0.2689414213699951, times the weight 0.25
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray chosen = m.create(CHOSEN);
            chosen.setRequiresGradient(true);
            NDArray w = m.create(PairwiseLoss.groupWeights(Arrays.asList("g", "g", null)));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(PairwiseLoss.loss(chosen, m.create(REJECTED), m.create(MARGIN), w, 0));
            }
            assertEquals(-0.25 * 0.2689414213699951, chosen.getGradient().toFloatArray()[0], 1e-7);
        }
    }

    @Test
    void staysFiniteForLargeScoreGaps() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] l = PairwiseLoss.negLogSigmoid(m.create(new float[] {-200f, 200f, 0f})).toFloatArray();
            assertArrayEquals(new float[] {200f, 0f, (float) Math.log(2)}, l, 1e-6f);
        }
    }
}
