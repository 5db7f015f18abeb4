package dev.rlhf4j.core.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.function.BiFunction;

/**
 * Asserts that a loss's gradients do not change when a garbage collection runs between its
 * forward and its backward ({@link GcChurn}): the loss keeps every array its backward reads alive,
 * scalar operands included (see {@code dev.rlhf4j.core.ops.Scalars}). One such test per loss.
 */
public final class GcSafeGradients {

    private GcSafeGradients() {}

    /**
     * @param inputs the loss's differentiable inputs (fresh copies are made for each pass)
     * @param loss builds the scalar loss from copies of {@code inputs} in the given manager
     */
    public static void assertGradientsSurviveAGarbageCollection(float[][] inputs,
            BiFunction<NDManager, NDArray[], NDArray> loss) {
        float[][] plain = gradients(inputs, loss, false);
        float[][] churned = gradients(inputs, loss, true);
        for (int i = 0; i < plain.length; i++) {
            assertArrayEquals(plain[i], churned[i], "gradient of input " + i + " after a garbage collection");
        }
    }

    private static float[][] gradients(float[][] inputs, BiFunction<NDManager, NDArray[], NDArray> loss, boolean churn) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray[] xs = new NDArray[inputs.length];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = m.create(inputs[i]);
                xs[i].setRequiresGradient(true);
            }
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray l = loss.apply(m, xs);
                if (churn) {
                    GcChurn.churn();
                }
                gc.backward(l);
            }
            float[][] out = new float[xs.length][];
            for (int i = 0; i < xs.length; i++) {
                out[i] = xs[i].getGradient().toFloatArray();
            }
            return out;
        }
    }
}
