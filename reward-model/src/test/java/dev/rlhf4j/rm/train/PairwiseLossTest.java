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
    private static final float[] ONES = {1f, 1f, 1f};
    private static final int[] ONE_VOTE_EACH = {1, 1, 1};

    @Test
    void groupWeightsAverageWithinRankingsThenOverGroups() {
        assertArrayEquals(new float[] {0.25f, 0.25f, 0.5f}, PairwiseLoss.weights(Arrays.asList("g", "g", null), ONE_VOTE_EACH));
        assertArrayEquals(new float[] {0.25f, 0.25f, 0.25f, 0.25f},
                PairwiseLoss.weights(Arrays.asList(null, null, null, null), new int[] {1, 1, 1, 1}), "no groups: the plain mean");
    }

    @Test
    void lossEqualsTheHandComputedValue() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.create(PairwiseLoss.weights(Arrays.asList("g", "g", null), ONE_VOTE_EACH));
            NDArray loss = PairwiseLoss.loss(m.create(CHOSEN), m.create(REJECTED), m.create(MARGIN), m.create(ONES), w, 0);
            assertEquals(0.7789427250867409, loss.getFloat(), 1e-6);
            NDArray centred = PairwiseLoss.loss(m.create(CHOSEN), m.create(REJECTED), m.create(MARGIN), m.create(ONES), w, 0.1);
            assertEquals(0.8479427250867408, centred.getFloat(), 1e-6);
            double scalar = 0;
            float[] ws = w.toFloatArray();
            for (int i = 0; i < 3; i++) {
                scalar += ws[i] * PairwiseLoss.value(CHOSEN[i], REJECTED[i], MARGIN[i], 1.0, 0.1);
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
            NDArray w = m.create(PairwiseLoss.weights(Arrays.asList("g", "g", null), ONE_VOTE_EACH));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(PairwiseLoss.loss(chosen, m.create(REJECTED), m.create(MARGIN), m.create(ONES), w, 0));
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

    /**
     * Votes: the same three pairs judged 1, 27 (23 for chosen, 4 against: p̂ = 23/27) and 8 times
     * (4 for, 2 ties, 2 against: p̂ = (4 + 2/2) / 8 = 0.625). Reference: PyTorch 2.15, float64,
     * {@code F.binary_cross_entropy_with_logits(x, p̂, reduction="none")} = [0.31326168751822286,
     * 0.8099108000240828, 0.7865769841801067]; weights (v/|g|) normalised = [1/44, 27/44, 16/44];
     * loss 0.7901382962511401; d loss / d r_c = [-0.006112305031136253, -0.2615897262253362,
     * -0.08998521134612894].
     */
    @Test
    void votesGiveTheBradleyTerryLikelihoodOfEveryJudgement() {
        float[] target = {1f, 23f / 27, 0.625f};
        int[] votes = {1, 27, 8};
        float[] w = PairwiseLoss.weights(Arrays.asList("g", "g", null), votes);
        assertArrayEquals(new float[] {1f / 44, 27f / 44, 16f / 44}, w, 1e-7f);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray chosen = m.create(CHOSEN);
            chosen.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = PairwiseLoss.loss(chosen, m.create(REJECTED), m.create(MARGIN), m.create(target),
                        m.create(w), 0);
                assertEquals(0.7901382962511401, loss.getFloat(), 1e-6);
                gc.backward(loss);
            }
            assertArrayEquals(new float[] {-0.006112305031136253f, -0.2615897262253362f, -0.08998521134612894f},
                    chosen.getGradient().toFloatArray(), 1e-6f);
        }
        double scalar = 0;
        for (int i = 0; i < 3; i++) {
            scalar += w[i] * PairwiseLoss.value(CHOSEN[i], REJECTED[i], MARGIN[i], target[i], 0);
        }
        assertEquals(0.7901382962511401, scalar, 1e-6, "the double-precision form used in evaluation");
    }

    /** Every operand the backward reads (the max with 0 of −log σ, the centring coefficient) outlives a garbage collection. */
    @Test
    void gradientsSurviveAGarbageCollection() {
        float[] target = {1f, 23f / 27, 0.625f};
        dev.rlhf4j.core.testing.GcSafeGradients.assertGradientsSurviveAGarbageCollection(
                new float[][] {{3f, -0.5f, -0.2f}, REJECTED}, (m, x) -> PairwiseLoss.loss(x[0], x[1], m.create(MARGIN),
                        m.create(target), m.create(new float[] {0.2f, 0.3f, 0.5f}), 0.1));
    }
}
