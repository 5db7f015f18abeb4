package dev.rlhf4j.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.checkpoint.PeftAdapter;
import dev.rlhf4j.core.testing.Fixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Adapters made by PEFT (tools/make_lora_fixtures.py) give PEFT's logits here, the merged model
 * gives the same logits, and with the adapters disabled the model is its base bit for bit.
 */
class LoraParityTest {
    private static final float ABS = 1e-4f;

    @ParameterizedTest
    @ValueSource(strings = {"llama", "gpt2"})
    void peftAdapterGivesPeftLogits(String name) {
        Path dir = Fixtures.path("lora/" + name);
        JsonNode exp = Fixtures.readJson(dir.resolve("expected.json"));
        try (NDManager m = NDManager.newBaseManager();
                CausalLM model = ModelDirectory.loadCausalLM(dir, m, true)) {
            assertTrue(model.lora() != null, "an adapter directory loads with its adapter");
            float[] logits = logits(model, exp, m);
            assertClose(Fixtures.floats(exp.get("logits")), logits, mask(exp), model.config().vocabSize(), ABS);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "gpt2"})
    void mergedModelEqualsBasePlusAdapter(String name, @TempDir Path tmp) {
        Path dir = Fixtures.path("lora/" + name);
        JsonNode exp = Fixtures.readJson(dir.resolve("expected.json"));
        Path merged = tmp.resolve("merged");
        try (NDManager m = NDManager.newBaseManager();
                CausalLM model = ModelDirectory.loadCausalLM(dir, m, true)) {
            PeftAdapter.saveMerged(merged, model, ModelDirectory.causalLmArchitecture(model.config()),
                    java.util.Map.of(), java.util.Map.of(), null);
            float[] withAdapter = logits(model, exp, m);
            try (CausalLM again = ModelDirectory.loadCausalLM(merged, m, true)) {
                assertTrue(again.lora() == null);
                assertClose(withAdapter, logits(again, exp, m), mask(exp), model.config().vocabSize(), 1e-5f);
                assertClose(Fixtures.floats(exp.get("logits")), logits(again, exp, m), mask(exp),
                        model.config().vocabSize(), ABS);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "gpt2"})
    void disabledAdaptersGiveTheBaseModelBitForBit(String name) {
        Path dir = Fixtures.path("lora/" + name);
        JsonNode exp = Fixtures.readJson(dir.resolve("expected.json"));
        try (NDManager m = NDManager.newBaseManager();
                CausalLM model = ModelDirectory.loadCausalLM(dir, m, true);
                CausalLM base = ModelDirectory.loadCausalLM(Fixtures.parityModel(name), m, true)) {
            float[] on = logits(model, exp, m);
            float[] off;
            try (LoraAdapters.Disabled d = model.lora().disabled()) {
                off = logits(model, exp, m);
            }
            assertArrayEquals(logits(base, exp, m), off);
            assertTrue(model.lora().isEnabled(), "closing the scope turns them back on");
            assertArrayEquals(on, logits(model, exp, m));
        }
    }

    /** The SEQ_CLS adapter: the trunk with its adapter, read at the last non-pad token by PEFT's score head. */
    @Test
    void sequenceClassifierAdapterGivesPeftScores() {
        Path dir = Fixtures.path("lora/gpt2-rm");
        JsonNode exp = Fixtures.readJson(dir.resolve("expected.json"));
        assertEquals(java.util.List.of("classifier", "score"), PeftAdapter.read(dir).modulesToSave());
        try (NDManager m = NDManager.newBaseManager();
                CausalLM trunk = ModelDirectory.loadCausalLM(dir, m, false)) {
            NDArray head = PeftAdapter.readModuleTensor(dir, "score.weight", m);
            long[][] ids = Fixtures.longMatrix(exp.get("input_ids"));
            long[][] mask = Fixtures.longMatrix(exp.get("attention_mask"));
            NDArray hidden = trunk.hidden(m.create(ids), m.create(mask), null, null, false); // (B, T, C)
            float[] expected = Fixtures.floats(exp.get("scores"));
            for (int b = 0; b < ids.length; b++) {
                int last = 0;
                for (int t = 0; t < ids[b].length; t++) {
                    if (mask[b][t] == 1 && ids[b][t] != trunk.config().padTokenId()) {
                        last = t;
                    }
                }
                float score = hidden.get(b, last).matMul(head.transpose()).getFloat(0);
                assertEquals(expected[b], score, ABS, "row " + b);
            }
        }
    }

    static float[] logits(CausalLM model, JsonNode exp, NDManager m) {
        try (NDManager scope = m.newSubManager()) {
            NDArray ids = scope.create(Fixtures.longMatrix(exp.get("input_ids")));
            NDArray mask = scope.create(Fixtures.longMatrix(exp.get("attention_mask")));
            return model.forward(ids, mask, null, null, false).logits().toFloatArray();
        }
    }

    private static long[] mask(JsonNode exp) {
        long[][] rows = Fixtures.longMatrix(exp.get("attention_mask"));
        return java.util.Arrays.stream(rows).flatMapToLong(java.util.Arrays::stream).toArray();
    }

    /** Max |a − b| over real positions (mask 1), each position holding {@code vocab} values. */
    static void assertClose(float[] expected, float[] actual, long[] mask, int vocab, float tolerance) {
        assertEquals(expected.length, actual.length);
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            if (mask[i / vocab] == 1) {
                worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
            }
        }
        assertTrue(worst <= tolerance, "max abs diff " + worst + " > " + tolerance);
    }

}
