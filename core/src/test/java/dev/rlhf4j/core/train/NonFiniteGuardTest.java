package dev.rlhf4j.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.List;
import org.junit.jupiter.api.Test;

class NonFiniteGuardTest {

    /** The documented step: clip, guard, update unless non-finite, zero the gradients. */
    private static boolean trainStep(NonFiniteGuard guard, AdamW adamw, List<NamedParameter> params, long step,
            double loss) {
        double gradNorm = GradClip.clipGlobalNorm(params, 1.0);
        boolean applied = guard.check(step, loss, gradNorm);
        if (applied) {
            adamw.step(1e-2);
        }
        adamw.zeroGrad();
        return applied;
    }

    @Test
    void nanStepLeavesWeightsAndMomentsUnchanged() {
        try (NDManager manager = NDManager.newBaseManager()) {
            List<NamedParameter> params = List.of(TestParams.param(manager, "w", new float[] {1, 2, 3}, 3),
                    TestParams.param(manager, "w.bias", new float[] {-1}, 1));
            NonFiniteGuard guard = new NonFiniteGuard();
            try (AdamW adamw = AdamW.builder().setParameters(params).build()) {
                TestParams.setGradients(manager, params, List.of(new float[] {0.1f, -0.2f, 0.3f}, new float[] {1}));
                assertTrue(trainStep(guard, adamw, params, 1, 0.5));

                float[] w = params.get(0).array().toFloatArray();
                float[] m = adamw.expAvg("w").toFloatArray();
                float[] v = adamw.expAvgSq("w").toFloatArray();
                TestParams.setGradients(manager, params, List.of(new float[] {Float.NaN, 1, 1}, new float[] {1}));
                assertFalse(trainStep(guard, adamw, params, 2, 0.4));   // NaN gradient
                TestParams.setGradients(manager, params, List.of(new float[] {1, 1, 1}, new float[] {1}));
                assertFalse(trainStep(guard, adamw, params, 3, Double.POSITIVE_INFINITY)); // Inf loss

                assertArrayEquals(w, params.get(0).array().toFloatArray());
                assertArrayEquals(m, adamw.expAvg("w").toFloatArray());
                assertArrayEquals(v, adamw.expAvgSq("w").toFloatArray());
                assertEquals(1, adamw.stepCount("w"));
                assertArrayEquals(new float[] {0, 0, 0}, TestParams.gradient(params.get(0)), "NaN gradient zeroed");
                assertEquals(2, guard.skipped());
                assertEquals(2, guard.consecutive());

                TestParams.setGradients(manager, params, List.of(new float[] {1, 1, 1}, new float[] {1}));
                assertTrue(trainStep(guard, adamw, params, 4, 0.3));
                assertEquals(0, guard.consecutive());
                assertEquals(2, adamw.stepCount("w"));
            }
        }
    }

    @Test
    void stopsAfterTooManyInARowNamingStepAndValue() {
        NonFiniteGuard guard = new NonFiniteGuard(3);
        assertFalse(guard.check(10, Double.NaN, 1.0));
        assertTrue(guard.check(11, 0.5, 1.0));
        assertFalse(guard.check(12, 0.5, Double.POSITIVE_INFINITY));
        assertFalse(guard.check(13, Double.NaN, Double.NaN));
        NonFiniteGuard.NonFiniteException e =
                assertThrows(NonFiniteGuard.NonFiniteException.class, () -> guard.check(14, Double.NaN, 2.5));
        assertEquals("training stopped at step 14: loss is NaN (gradient norm 2.5); 3 non-finite steps in a row reached"
                + " the limit of 3 (4 skipped in all). Lower the learning rate, set max_grad_norm, or check the data of"
                + " these steps", e.getMessage());
        assertEquals("max_consecutive_nonfinite_steps must be > 0, but is: 0",
                assertThrows(IllegalArgumentException.class, () -> new NonFiniteGuard(0)).getMessage());
    }
}
