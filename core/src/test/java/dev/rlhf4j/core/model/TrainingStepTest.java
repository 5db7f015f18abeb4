package dev.rlhf4j.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import dev.rlhf4j.core.ops.LogProbs;
import dev.rlhf4j.core.train.AdamW;
import dev.rlhf4j.core.train.NamedParameter;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Gradients flow through the decoder: they match finite differences, optimiser steps lower the loss, nothing leaks. */
class TrainingStepTest {

    static Stream<ModelConfig> configs() {
        return Stream.of(ModelConfig.gpt2(30, 16, 2, 2, 16), ModelConfig.llama(30, 16, 2, 4, 2, 32, 16));
    }

    private static final long[][] IDS = {{1, 5, 9, 3, 7, 2}, {4, 4, 8, 1, 0, 0}};
    private static final long[][] MASK = {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 0, 0}};

    /** Mean next-token NLL over real tokens, in double precision for the finite-difference check. */
    private static NDArray loss(CausalLM model, NDManager m) {
        NDArray ids = m.create(IDS);
        NDArray mask = m.create(MASK);
        NDArray logits = model.forward(ids, mask, null, null, false).logits();
        NDArray logp = LogProbs.logProbsOf(logits.get(":, :-1"), ids.get(":, 1:"));
        NDArray counted = mask.get(":, 1:").toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
        return logp.mul(counted).sum().neg().div(counted.sum());
    }

    @ParameterizedTest
    @MethodSource("configs")
    void gradientMatchesFiniteDifference(ModelConfig config) {
        try (NDManager m = NDManager.newBaseManager();
                CausalLM model = new CausalLM(config, m, WeightSource.random(11, 0.3f, config.numLayers()), true)) {
            String name = config.family() == ModelConfig.Family.GPT2
                    ? "transformer.h.1.attn.c_attn.weight" : "model.layers.1.self_attn.k_proj.weight";
            NDArray w = model.namedParameters().get(name).getArray();
            float analytic;
            try (NDManager s = m.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(loss(model, s));
                try (NDArray g = w.getGradient()) {
                    analytic = g.get(new NDIndex("2, 3")).getFloat();
                }
            }
            float eps = 1e-2f;
            float original = w.get(new NDIndex("2, 3")).getFloat();
            w.set(new NDIndex("2, 3"), original + eps);
            float up = lossValue(model, m);
            w.set(new NDIndex("2, 3"), original - eps);
            float down = lossValue(model, m);
            w.set(new NDIndex("2, 3"), original);
            float numeric = (up - down) / (2 * eps);
            assertEquals(numeric, analytic, 2e-3 + 0.02 * Math.abs(numeric), "d loss / d " + name + "[2,3]");
            assertTrue(Math.abs(analytic) > 1e-5, "the chosen weight must matter: " + analytic);
        }
    }

    private static float lossValue(CausalLM model, NDManager m) {
        try (NDManager s = m.newSubManager()) {
            return loss(model, s).getFloat();
        }
    }

    @ParameterizedTest
    @MethodSource("configs")
    void optimiserStepsLowerTheLossAndLiveArraysStayFlat(ModelConfig config) {
        try (NDManager m = NDManager.newBaseManager();
                CausalLM model = new CausalLM(config, m, WeightSource.random(5, 0.1f, config.numLayers()), true);
                AdamW adam = AdamW.builder().setParameters(NamedParameter.trainable(model.getParameters()))
                        .optWeightDecay(0).build()) {
            float first = 0;
            float last = 0;
            int liveAfterFirst = -1;
            int steps = 200;
            for (int step = 0; step < steps; step++) {
                try (NDManager s = m.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray l = loss(model, s);
                    gc.backward(l);
                    last = l.getFloat();
                }
                adam.step(3e-3);
                adam.zeroGrad();
                if (step == 0) {
                    first = last;
                    liveAfterFirst = m.getManagedArrays().size();
                }
            }
            assertTrue(last < 0.5f * first, "loss " + first + " -> " + last);
            assertEquals(liveAfterFirst, m.getManagedArrays().size(), "live NDArrays after " + steps + " steps");
        }
    }

    @Test
    void trainingFlagTurnsDropoutOn() {
        ModelConfig config = ModelConfig.gpt2(30, 16, 2, 2, 16); // dropout 0.1
        try (NDManager m = NDManager.newBaseManager();
                CausalLM model = new CausalLM(config, m, WeightSource.random(5, 0.1f, 2), true)) {
            NDArray ids = m.create(IDS);
            float[] eval1 = model.forward(ids, null, null, null, false).logits().toFloatArray();
            float[] eval2 = model.forward(ids, null, null, null, false).logits().toFloatArray();
            float[] train = model.forward(ids, null, null, null, true).logits().toFloatArray();
            assertTrue(java.util.Arrays.equals(eval1, eval2));
            assertTrue(!java.util.Arrays.equals(eval1, train));
        }
    }

}
