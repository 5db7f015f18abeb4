package dev.rlhf4j.core.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.rlhf4j.core.testing.GcChurn;
import org.junit.jupiter.api.Test;

/** A scalar from {@link Scalars} is still there when the backward pass reads it, garbage collection or not. */
class ScalarsTest {

    @Test
    void scalarOperandsSurviveGarbageCollectionBeforeBackward() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(new float[] {0.5f, 1f, 2f});
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                // y = 2.5·x + x³ + x / 4
                NDArray y = x.mul(Scalars.of(x, 2.5f)).add(x.pow(Scalars.of(x, 3f))).add(x.div(Scalars.of(x, 4f)))
                        .sum();
                GcChurn.churn();
                gc.backward(y);
            }
            // dy/dx = 2.5 + 3x² + 1/4
            assertArrayEquals(new float[] {3.5f, 5.75f, 14.75f}, x.getGradient().toFloatArray(), 1e-6f);
        }
    }
}
