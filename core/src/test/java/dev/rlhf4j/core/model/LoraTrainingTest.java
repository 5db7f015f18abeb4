package dev.rlhf4j.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.rlhf4j.core.config.LoraConfig;
import dev.rlhf4j.core.testing.GcChurn;
import dev.rlhf4j.core.train.AdamW;
import dev.rlhf4j.core.train.NamedParameter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Training with LoRA: only the adapters get gradients, optimizer moments and updates; the base
 * weights stay bit for bit; the adapter's gradients survive a garbage collection before backward.
 */
class LoraTrainingTest {

    static Stream<ModelConfig> configs() {
        return Stream.of(ModelConfig.gpt2(50, 32, 2, 4, 32), ModelConfig.llama(50, 32, 2, 4, 2, 64, 32));
    }

    /** New adapters with B drawn too (PEFT's B starts at 0, which would leave A without gradient). */
    static WeightSource nonZero(long seed) {
        WeightSource initial = LoraAdapters.initial(seed);
        return (name, shape, manager) -> {
            if (!name.endsWith("lora_B.weight")) {
                return initial.load(name, shape, manager);
            }
            Random rng = new Random(seed + name.hashCode());
            float[] v = new float[Math.toIntExact(shape.size())];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (rng.nextGaussian() * 0.1);
            }
            return manager.create(v, shape);
        };
    }

    static CausalLM loraModel(ModelConfig config, NDManager m) {
        CausalLM model = new CausalLM(config, m, WeightSource.random(5, 0.2f, config.numLayers()), true);
        model.setTrainable(false);
        model.addLora(new LoraConfig(4, 8.0, 0.0, List.of(LoraConfig.ALL_LINEAR), null, null), nonZero(3));
        return model;
    }

    @ParameterizedTest
    @MethodSource("configs")
    void onlyTheAdaptersAreTrainedAndHoldOptimizerState(ModelConfig config) {
        try (NDManager m = NDManager.newBaseManager(); CausalLM model = loraModel(config, m)) {
            List<NamedParameter> trainable = NamedParameter.trainable(model.getParameters());
            assertEquals(model.lora().parameters().keySet(),
                    trainable.stream().map(NamedParameter::name).collect(java.util.stream.Collectors.toSet()));
            Map<String, float[]> before = snapshot(model);
            try (AdamW opt = AdamW.builder().setParameters(trainable).build()) {
                try (NDManager step = m.newSubManager()) {
                    NDArray ids = step.create(new long[][] {{5, 9, 13, 2, 44, 7}});
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        gc.backward(model.forward(ids, null, null, null, true).logits().logSoftmax(-1).mean());
                    }
                    opt.step(1e-2);
                    opt.zeroGrad();
                }
                assertEquals(model.lora().parameters().size(), opt.parameters().size(),
                        "AdamW moments exist for the adapters only");
            }
            Map<String, float[]> after = snapshot(model);
            for (String name : model.namedParameters().keySet()) {
                assertArrayEquals(before.get(name), after.get(name), "base weight changed: " + name);
                assertFalse(model.namedParameters().get(name).requiresGradient(), name);
            }
            for (String name : model.lora().parameters().keySet()) {
                assertFalse(java.util.Arrays.equals(before.get(name), after.get(name)), "adapter not updated: " + name);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("configs")
    void adapterGradientsSurviveAGarbageCollectionBeforeBackward(ModelConfig config) {
        try (NDManager m = NDManager.newBaseManager(); CausalLM model = loraModel(config, m)) {
            float[] plain = gradients(model, m, false);
            float[] churned = gradients(model, m, true);
            assertTrue(plain.length > 0);
            assertArrayEquals(plain, churned);
        }
    }

    private static Map<String, float[]> snapshot(CausalLM model) {
        Map<String, float[]> out = new HashMap<>();
        model.namedParameters().forEach((k, p) -> out.put(k, p.getArray().toFloatArray()));
        model.lora().parameters().forEach((k, p) -> out.put(k, p.getArray().toFloatArray()));
        return out;
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
            for (Parameter p : model.lora().parameters().values()) {
                NDArray g = p.getArray().getGradient();
                for (float f : g.toFloatArray()) {
                    all.add(f);
                }
                g.subi(g);
            }
        }
        float[] out = new float[all.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = all.get(i);
        }
        return out;
    }
}
