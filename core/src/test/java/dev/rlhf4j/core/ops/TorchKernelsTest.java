package dev.rlhf4j.core.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The fused activations against their closed forms, values and derivatives, computed here in double
 * precision (the AdamW kernel is checked against torch in {@code AdamWTest}).
 */
class TorchKernelsTest {

    private static final float[] X = {-8f, -3.5f, -1f, -0.25f, 0f, 0.1f, 0.5f, 1.5f, 3f, 9f};
    private static final double K = Math.sqrt(2 / Math.PI);

    @Test
    void siluAndItsGradientMatchTheirClosedForms() {
        DoubleUnaryOperator sigmoid = x -> 1 / (1 + Math.exp(-x));
        check(TorchKernels::silu, x -> x * sigmoid.applyAsDouble(x), x -> {
            double s = sigmoid.applyAsDouble(x);
            return s * (1 + x * (1 - s));
        });
    }

    @Test
    void tanhGeluAndItsGradientMatchTheirClosedForms() {
        check(TorchKernels::geluTanh, x -> 0.5 * x * (1 + Math.tanh(K * (x + 0.044715 * x * x * x))), x -> {
            double t = Math.tanh(K * (x + 0.044715 * x * x * x));
            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * K * (1 + 3 * 0.044715 * x * x);
        });
    }

    @Test
    void withoutGradientsNothingIsRecordedAndResultsBelongToTheScope() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(X);
            NDArray y;
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                y = TorchKernels.silu(x);
                assertEquals(x.getManager(), y.getManager());
                assertFalse(y.hasGradient());
            }
            assertTrue(y.isReleased(), "the scope closed the result");
        }
    }

    private static void check(UnaryOperator<NDArray> kernel, DoubleUnaryOperator f, DoubleUnaryOperator df) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(X);
            x.setRequiresGradient(true);
            float[] y;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray out = kernel.apply(x);
                y = out.toFloatArray();
                gc.backward(out.mul(m.create(2f)).sum()); // d/dx of sum(2·f(x)) = 2·f'(x)
            }
            float[] grad = x.getGradient().toFloatArray();
            for (int i = 0; i < X.length; i++) {
                assertEquals(f.applyAsDouble(X[i]), y[i], 2e-6 * Math.max(1, Math.abs(y[i])), "f(" + X[i] + ")");
                assertEquals(2 * df.applyAsDouble(X[i]), grad[i], 4e-6, "f'(" + X[i] + ")");
            }
        }
    }
}
