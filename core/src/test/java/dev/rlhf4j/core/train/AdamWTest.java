package dev.rlhf4j.core.train;

import static dev.rlhf4j.core.train.TestParams.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdamWTest {

    @TempDir
    Path tmp;

    @Test
    void matchesTorchAdamWForFiveStepsWithTwoGroups() {
        JsonNode fixture = Fixtures.readJson(Fixtures.path("train/adamw.json"));
        for (JsonNode c : fixture.get("cases")) {
            try (NDManager manager = NDManager.newBaseManager()) {
                List<NamedParameter> params = new ArrayList<>();
                for (Iterator<String> it = c.get("shapes").fieldNames(); it.hasNext(); ) {
                    String name = it.next();
                    params.add(TestParams.param(manager, name, Fixtures.floats(c.get("initial").get(name)),
                            Fixtures.longs(c.get("shapes").get(name))));
                }
                try (AdamW adamw = AdamW.builder().setParameters(params)
                        .optBetas(c.get("beta1").asDouble(), c.get("beta2").asDouble())
                        .optEps(c.get("eps").asDouble())
                        .optWeightDecay(c.get("weight_decay").asDouble())
                        .build()) {
                    for (int step = 0; step < 5; step++) {
                        List<float[]> grads = new ArrayList<>();
                        for (NamedParameter p : params) {
                            grads.add(Fixtures.floats(c.get("grads").get(step).get(p.name())));
                        }
                        TestParams.setGradients(manager, params, grads);
                        adamw.step(c.get("lrs").get(step).asDouble());
                        for (NamedParameter p : params) {
                            assertClose(Fixtures.floats(c.get("after_step").get(step).get(p.name())),
                                    p.array().toFloatArray(), 1e-6,
                                    c.get("name").asText() + " step " + (step + 1) + " " + p.name());
                        }
                    }
                }
            }
        }
    }

    @Test
    void defaultGroupsExcludeBiasesAndNormGains() {
        for (String name : List.of("transformer.h.0.attn.c_attn.bias", "transformer.ln_f.weight",
                "transformer.h.3.ln_2.bias", "model.layers.0.input_layernorm.weight",
                "model.layers.1.post_attention_layernorm.weight", "model.norm.weight", "encoder.LayerNorm.weight")) {
            assertTrue(AdamW.isBiasOrNorm(name), name);
        }
        for (String name : List.of("transformer.wte.weight", "transformer.h.0.mlp.c_fc.weight",
                "model.layers.0.self_attn.q_proj.weight", "lm_head.weight", "score.weight")) {
            assertFalse(AdamW.isBiasOrNorm(name), name);
        }
    }

    @Test
    void weightDecaySkipsTheNoDecayGroup() {
        try (NDManager manager = NDManager.newBaseManager()) {
            List<NamedParameter> params = List.of(
                    TestParams.param(manager, "h.0.mlp.c_fc.weight", new float[] {1, -2}, 2),
                    TestParams.param(manager, "h.0.mlp.c_fc.bias", new float[] {1, -2}, 2),
                    TestParams.param(manager, "h.0.ln_1.weight", new float[] {1, -2}, 2));
            // zero gradient: the Adam term is 0 / (0 + eps) = 0, so only decay can move a weight
            TestParams.setGradients(manager, params, List.of(new float[2], new float[2], new float[2]));
            try (AdamW adamw = AdamW.builder().setParameters(params).optWeightDecay(0.5).build()) {
                adamw.step(0.1);
                assertTrue(adamw.decays("h.0.mlp.c_fc.weight"));
                assertFalse(adamw.decays("h.0.mlp.c_fc.bias"));
                assertArrayEquals(new float[] {0.95f, -1.9f}, params.get(0).array().toFloatArray());
                assertArrayEquals(new float[] {1, -2}, params.get(1).array().toFloatArray());
                assertArrayEquals(new float[] {1, -2}, params.get(2).array().toFloatArray());
            }
            // an overriding predicate: everything decays
            try (AdamW all = AdamW.builder().setParameters(params).optWeightDecay(0.5).optNoDecay(n -> false).build()) {
                all.step(0.1);
                assertArrayEquals(new float[] {0.95f, -1.9f}, params.get(1).array().toFloatArray());
            }
        }
    }

    @Test
    void parameterWithoutGradientIsSkippedLikeTorch() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NamedParameter used = TestParams.param(manager, "a.weight", new float[] {1, 2}, 2);
            NamedParameter unused = TestParams.param(manager, "b.weight", new float[] {3, 4}, 2);
            TestParams.setGradients(manager, List.of(used), List.of(new float[] {0.5f, -0.5f}));
            try (AdamW adamw = AdamW.builder().setParameters(List.of(used, unused)).build()) {
                adamw.step(0.01);
                assertEquals(1, adamw.stepCount("a.weight"));
                assertEquals(0, adamw.stepCount("b.weight"));
                assertArrayEquals(new float[] {3, 4}, unused.array().toFloatArray());
            }
        }
    }

    @Test
    void saveAndLoadRestoreMomentsAndStepCounts() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            List<NamedParameter> params = List.of(TestParams.param(manager, "w", new float[] {1, 2, 3}, 3),
                    TestParams.param(manager, "b.bias", new float[] {0.5f}, 1));
            Path file = tmp.resolve("optimizer.ndlist");
            try (AdamW a = AdamW.builder().setParameters(params).build()) {
                for (int i = 0; i < 3; i++) {
                    TestParams.setGradients(manager, params, List.of(new float[] {i, -1, 2}, new float[] {0.25f * i}));
                    a.step(1e-2);
                }
                a.save(file);
                try (AdamW b = AdamW.builder().setParameters(params).build()) {
                    b.load(file);
                    for (NamedParameter p : params) {
                        assertEquals(3, b.stepCount(p.name()));
                        assertArrayEquals(a.expAvg(p.name()).toFloatArray(), b.expAvg(p.name()).toFloatArray());
                        assertArrayEquals(a.expAvgSq(p.name()).toFloatArray(), b.expAvgSq(p.name()).toFloatArray());
                    }
                }
            }
            List<NamedParameter> other = List.of(TestParams.param(manager, "w", new float[] {1, 2}, 2),
                    TestParams.param(manager, "b.bias", new float[] {0.5f}, 1));
            try (AdamW c = AdamW.builder().setParameters(other).build()) {
                IOException e = assertThrows(IOException.class, () -> c.load(file));
                assertEquals(file + ": optimizer state array exp_avg.w is float32 (3), but the parameter needs float32 (2)",
                        e.getMessage());
            }
        }
    }

    @Test
    void rejectsBadHyperparametersNamingTheKey() {
        assertEquals("adam_beta2 must be >= 0 and < 1, but is: 1",
                assertThrows(IllegalArgumentException.class, () -> AdamW.builder().optBetas(0.9, 1.0)).getMessage());
        assertEquals("weight_decay must be >= 0, but is: -0.1",
                assertThrows(IllegalArgumentException.class, () -> AdamW.builder().optWeightDecay(-0.1)).getMessage());
        assertEquals("parameters must not be empty", assertThrows(IllegalArgumentException.class,
                () -> AdamW.builder().setParameters(List.of()).build()).getMessage());
    }
}
