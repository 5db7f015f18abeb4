package dev.rlhf4j.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.rlhf4j.core.testing.GcChurn;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The model's gradients do not depend on a garbage collection between forward and backward: every
 * array the backward reads (scalar operands included, see {@link dev.rlhf4j.core.ops.Scalars}) is
 * kept alive by the step's scope.
 */
class GradientLifetimeTest {

    static Stream<ModelConfig> configs() {
        return Stream.of(
                ModelConfig.gpt2(50, 32, 2, 4, 32),           // GELU-tanh, LayerNorm
                ModelConfig.llama(50, 32, 2, 4, 2, 64, 32));  // RMSNorm, RoPE
    }

    @ParameterizedTest
    @MethodSource("configs")
    void gradientsAreTheSameWithAGarbageCollectionBeforeBackward(ModelConfig config) {
        try (NDManager m = NDManager.newBaseManager();
                CausalLM model = new CausalLM(config, m, WeightSource.random(5, 0.2f, config.numLayers()), true)) {
            float[] plain = gradients(model, m, false);
            float[] churned = gradients(model, m, true);
            assertArrayEquals(plain, churned);
        }
    }

    private static float[] gradients(CausalLM model, NDManager parent, boolean churn) {
        List<Float> all = new ArrayList<>();
        try (NDManager m = parent.newSubManager()) {
            NDArray ids = m.create(new long[][] {{5, 9, 13, 2, 44, 7}, {1, 2, 3, 4, 5, 6}});
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = model.forward(ids, null, null, null, false).logits().logSoftmax(-1).mean();
                if (churn) {
                    GcChurn.churn();
                }
                gc.backward(loss);
            }
            for (Parameter p : model.namedParameters().values()) {
                NDArray g = p.getArray().getGradient();
                for (float f : g.toFloatArray()) {
                    all.add(f);
                }
                g.subi(g); // gradients accumulate across collectors: clear for the next call
            }
        }
        float[] out = new float[all.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = all.get(i);
        }
        return out;
    }
}
