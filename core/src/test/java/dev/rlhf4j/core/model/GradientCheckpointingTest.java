package dev.rlhf4j.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.rlhf4j.core.config.LoraConfig;
import dev.rlhf4j.core.ops.LogProbs;
import dev.rlhf4j.core.ops.Slices;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Gradient checkpointing gives the gradients of the plain backward (within 1e-5), for full
 * training and for LoRA adapters, with padding; with dropout on, the recomputed blocks reproduce
 * the forward's values exactly (same masks).
 */
class GradientCheckpointingTest {
    private static final long[][] IDS = {{5, 9, 13, 2, 44, 7, 3, 8}, {1, 2, 3, 4, 5, 6, 0, 0}};
    private static final long[][] MASK = {{1, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 0, 0}};

    static Stream<ModelConfig> configs() {
        return Stream.of(ModelConfig.gpt2(50, 32, 3, 4, 32), ModelConfig.llama(50, 32, 3, 4, 2, 64, 32));
    }

    @ParameterizedTest
    @MethodSource("configs")
    void checkpointedGradientsEqualPlainGradients(ModelConfig config) {
        for (boolean lora : new boolean[] {false, true}) {
            try (NDManager m = NDManager.newBaseManager();
                    CausalLM model = new CausalLM(config, m, WeightSource.random(5, 0.2f, config.numLayers()), true)) {
                if (lora) {
                    model.setTrainable(false);
                    model.addLora(new LoraConfig(4, 8.0, 0.0, List.of(LoraConfig.ALL_LINEAR), null, null),
                            LoraTrainingTest.nonZero(3));
                }
                Map<String, float[]> plain = gradients(model, m, false, false);
                model.setGradientCheckpointing(true);
                Map<String, float[]> checkpointed = gradients(model, m, false, false);
                assertFalse(GradientCheckpointing.pending());
                assertEquals(plain.keySet(), checkpointed.keySet());
                assertTrue(plain.size() > (lora ? 10 : 20), "gradients of " + plain.keySet());
                double worst = 0;
                for (String name : plain.keySet()) {
                    float[] a = plain.get(name);
                    float[] b = checkpointed.get(name);
                    double w = 0; // this tensor's worst
                    for (int i = 0; i < a.length; i++) {
                        w = Math.max(w, Math.abs(a[i] - b[i]));
                    }
                    worst = Math.max(worst, w);
                }
                assertTrue(worst <= 1e-5, (lora ? "lora: " : "full: ") + "max abs gradient difference " + worst);
            }
        }
    }

    /** With dropout the recomputation draws the forward's masks: checked block by block, bit for bit. */
    @ParameterizedTest
    @MethodSource("configs")
    void recomputedBlocksReproduceTheForwardWithDropout(ModelConfig config) {
        GradientCheckpointing.verifyRecomputation = true;
        try (NDManager m = NDManager.newBaseManager();
                CausalLM model = new CausalLM(config, m, WeightSource.random(5, 0.2f, config.numLayers()), true)) {
            model.setGradientCheckpointing(true);
            Engine.getInstance().setRandomSeed(11);
            Map<String, float[]> first = gradients(model, m, true, true);
            Engine.getInstance().setRandomSeed(11);
            Map<String, float[]> again = gradients(model, m, true, true);
            for (String name : first.keySet()) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(first.get(name), again.get(name), name);
            }
        } finally {
            GradientCheckpointing.verifyRecomputation = false;
        }
    }

    /** Next-token loss of the real tokens; every trainable parameter's gradient, cleared afterwards. */
    private static Map<String, float[]> gradients(CausalLM model, NDManager parent, boolean training,
            boolean clear) {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (NDManager m = parent.newSubManager()) {
            NDArray ids = m.create(IDS);
            NDArray mask = m.create(MASK);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray logits = model.forward(ids, mask, null, null, training).logits(); // (B, T, V)
                NDArray lp = LogProbs.logProbsOf(Slices.along(logits, 1, 0, IDS[0].length - 1), ids.get(":, 1:"));
                NDArray loss = lp.mul(mask.get(":, 1:").toType(ai.djl.ndarray.types.DataType.FLOAT32, false)).sum()
                        .neg();
                gc.backward(loss);
                GradientCheckpointing.backward();
            }
            for (ai.djl.util.Pair<String, Parameter> p : model.getParameters()) {
                if (!p.getValue().requiresGradient()) {
                    continue;
                }
                NDArray g = p.getValue().getArray().getGradient();
                out.put(p.getKey(), g.toFloatArray());
                g.subi(g);
            }
        }
        return out;
    }
}
