package dev.rlhf4j.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shared update: clip, schedule, guard, step all or none, clear; the step count follows applied updates. */
class OptimizerStepTest {

    @Test
    void twoModelsStepTogetherOrNotAtAll() {
        try (NDManager m = NDManager.newBaseManager()) {
            List<NamedParameter> policy = List.of(TestParams.param(m, "p", new float[] {1, 2}, 2));
            List<NamedParameter> critic = List.of(TestParams.param(m, "c", new float[] {3}, 1));
            try (AdamW a = AdamW.builder().setParameters(policy).build();
                    AdamW b = AdamW.builder().setParameters(critic).build()) {
                OptimizerStep update = new OptimizerStep(1.0, new NonFiniteGuard(),
                        new OptimizerStep.Part("policy", a, LrSchedule.linear(1e-2, 0, 4)),
                        new OptimizerStep.Part("critic", b, LrSchedule.constant(1e-1, 0)));

                TestParams.setGradients(m, policy, List.of(new float[] {3, 4}));
                TestParams.setGradients(m, critic, List.of(new float[] {0.5f}));
                OptimizerStep.Result first = update.apply(1, 0.7);
                assertTrue(first.applied());
                assertArrayEquals(new double[] {5.0, 0.5}, first.gradNorms(), 1e-6, "norms before clipping");
                assertArrayEquals(new double[] {1e-2, 1e-1}, first.lrs(), 1e-12, "each part's own schedule at step 0");
                assertEquals(1, update.optimizerStep());
                assertArrayEquals(new float[] {0, 0}, TestParams.gradient(policy.get(0)), "cleared");

                float[] p = policy.get(0).array().toFloatArray();
                float[] c = critic.get(0).array().toFloatArray();
                TestParams.setGradients(m, policy, List.of(new float[] {1, 1}));
                TestParams.setGradients(m, critic, List.of(new float[] {Float.NaN}));
                OptimizerStep.Result skipped = update.apply(2, 0.6);
                assertFalse(skipped.applied(), "a NaN critic gradient skips the policy's update too");
                assertArrayEquals(p, policy.get(0).array().toFloatArray());
                assertArrayEquals(c, critic.get(0).array().toFloatArray());
                assertEquals(1, update.optimizerStep(), "a skipped update does not advance the schedules");
                assertEquals(1, a.stepCount("p"));
                assertEquals(1, b.stepCount("c"));

                TestParams.setGradients(m, policy, List.of(new float[] {1, 1}));
                TestParams.setGradients(m, critic, List.of(new float[] {1}));
                assertEquals(0.75e-2, update.apply(3, 0.5).lr(), 1e-12, "linear decay at optimizer step 1 of 4");
                update.resumeAt(3);
                assertEquals(0.25e-2, update.apply(4, 0.5).lr(), 1e-12, "resumed at optimizer step 3");
            }
        }
    }
}
