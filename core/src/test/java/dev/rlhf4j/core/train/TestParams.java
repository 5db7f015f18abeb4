package dev.rlhf4j.core.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.List;

/** Raw NDArray parameters with gradients set to chosen values, for optimizer and clipping tests. */
final class TestParams {

    private TestParams() {}

    static NamedParameter param(NDManager manager, String name, float[] values, long... shape) {
        NDArray a = manager.create(values, new Shape(shape));
        a.setRequiresGradient(true);
        return new NamedParameter(name, a);
    }

    /** Makes {@code grads[i]} the gradient of {@code params[i]}: zero, then backward of sum_i sum(G_i * p_i). */
    static void setGradients(NDManager manager, List<NamedParameter> params, List<float[]> grads) {
        for (NamedParameter p : params) {
            Gradients.zero(p.array());
        }
        try (NDManager scope = manager.newSubManager();
                GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray total = scope.zeros(new Shape());
            for (int i = 0; i < params.size(); i++) {
                NDArray p = params.get(i).array();
                NDArray g = scope.create(grads.get(i), p.getShape());
                total = total.add(g.mul(p).sum());
            }
            collector.backward(total);
        }
    }

    static float[] gradient(NamedParameter p) {
        NDArray g = Gradients.of(p.array());
        if (g == null) {
            return null;
        }
        try (g) {
            return g.toFloatArray();
        }
    }

    static void assertClose(float[] expected, float[] actual, double tol, String what) {
        if (expected.length != actual.length) {
            throw new AssertionError(what + ": length " + actual.length + " != " + expected.length);
        }
        for (int i = 0; i < expected.length; i++) {
            double diff = Math.abs(expected[i] - actual[i]);
            if (!(diff <= tol * Math.max(1.0, Math.abs(expected[i])))) {
                throw new AssertionError(what + "[" + i + "]: expected " + expected[i] + " but was " + actual[i]);
            }
        }
    }
}
