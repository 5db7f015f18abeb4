package dev.rlhf4j.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.generate.Generation;
import dev.rlhf4j.core.generate.Generator;
import dev.rlhf4j.core.generate.SamplingConfig;
import dev.rlhf4j.core.testing.Fixtures;
import dev.rlhf4j.core.tokenizer.ChatMessage;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Logits, hidden states, losses, tokenization, chat rendering and greedy generation match what
 * Hugging Face transformers computed for the same checkpoints (tools/make_parity_fixtures.py).
 */
class TransformersParityTest {
    private static final float ABS = 1e-4f;

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "qwen2", "llama-bf16"})
    void logitsHiddenStatesAndLossMatchTransformers(String name) {
        check(Fixtures.parityModel(name), Fixtures.expected(name));
    }

    /** A directory we saved loads back to identical tensors and passes the same parity checks. */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "qwen2", "llama-bf16"})
    void savedDirectoryRoundTrips(String name, @TempDir Path tmp) {
        Path out = tmp.resolve(name);
        try (NDManager m = NDManager.newBaseManager();
                Tokenizer tok = Tokenizer.load(Fixtures.parityModel(name));
                CausalLM model = ModelDirectory.loadCausalLM(Fixtures.parityModel(name), m, true)) {
            ModelDirectory.saveCausalLM(out, model, tok);
            try (CausalLM again = ModelDirectory.loadCausalLM(out, m, true)) {
                for (var e : model.namedParameters().entrySet()) {
                    assertArrayEquals(e.getValue().getArray().toFloatArray(),
                            again.namedParameters().get(e.getKey()).getArray().toFloatArray(), e.getKey());
                }
            }
        }
        check(out, Fixtures.expected(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "qwen2"})
    void tokenizerAndChatTemplateMatchTransformers(String name) {
        JsonNode exp = Fixtures.expected(name).get("tokenizer");
        try (Tokenizer tok = Tokenizer.load(Fixtures.parityModel(name))) {
            assertEquals(exp.get("eos_token_id").asInt(), tok.eosId());
            assertEquals(exp.get("pad_token_id").asInt(), tok.padId());
            for (JsonNode e : exp.get("encodings")) {
                assertArrayEquals(Fixtures.longs(e.get("input_ids")), tok.encode(e.get("text").asText()), e.get("text").asText());
                assertArrayEquals(Fixtures.longs(e.get("input_ids_no_special")), tok.encodePlain(e.get("text").asText()));
            }
            if (exp.has("chat")) {
                List<ChatMessage> messages = new ArrayList<>();
                exp.get("chat").get("messages").forEach(x -> messages.add(new ChatMessage(x.get("role").asText(), x.get("content").asText())));
                for (String variant : new String[] {"full", "generation_prompt"}) {
                    JsonNode v = exp.get("chat").get(variant);
                    String text = tok.applyChatTemplate(messages.subList(0, v.get("messages_used").asInt()),
                            v.get("add_generation_prompt").asBoolean());
                    assertEquals(v.get("text").asText(), text, variant);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "qwen2"})
    void greedyGenerationMatchesTransformersGenerate(String name) {
        JsonNode gen = Fixtures.expected(name).get("generation");
        long[][] ids = Fixtures.longMatrix(gen.get("input_ids"));
        long[][] mask = Fixtures.longMatrix(gen.get("attention_mask"));
        int pad = gen.get("pad_token_id").asInt();
        List<long[]> prompts = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            List<Long> real = new ArrayList<>();
            for (int j = 0; j < ids[i].length; j++) {
                if (mask[i][j] == 1) {
                    real.add(ids[i][j]);
                }
            }
            prompts.add(real.stream().mapToLong(Long::longValue).toArray());
        }
        int maxNew = gen.get("max_new_tokens").asInt();
        try (NDManager m = NDManager.newBaseManager();
                CausalLM model = ModelDirectory.loadCausalLM(Fixtures.parityModel(name), m, true)) {
            for (JsonNode run : gen.get("runs")) {
                List<Integer> eos = new ArrayList<>();
                run.get("eos_token_id").forEach(x -> eos.add(x.asInt()));
                Generation g = new Generator(model, pad, eos).generate(prompts, SamplingConfig.greedy(maxNew), m);
                long[][] expected = Fixtures.longMatrix(run.get("sequences"));
                for (int i = 0; i < prompts.size(); i++) {
                    int promptWidth = ids[i].length;
                    for (int j = 0; j < maxNew; j++) {
                        long want = expected[i][promptWidth + j];
                        long got = j < g.tokens()[i].length ? g.tokens()[i][j] : pad;
                        assertEquals(want, got, name + " row " + i + " token " + j);
                    }
                }
            }
        }
    }

    static void check(Path dir, JsonNode expected) {
        try (NDManager m = NDManager.newBaseManager(); CausalLM model = ModelDirectory.loadCausalLM(dir, m, true)) {
            for (JsonNode batch : expected.get("batches")) {
                long[][] ids = Fixtures.longMatrix(batch.get("input_ids"));
                long[][] mask = Fixtures.longMatrix(batch.get("attention_mask"));
                for (JsonNode fwd : batch.get("forwards")) {
                    String what = batch.get("name").asText() + "/" + fwd.get("positions").asText();
                    try (NDManager s = m.newSubManager()) {
                        NDArray idArr = s.create(ids);
                        NDArray maskArr = s.create(mask);
                        NDArray positions = s.create(Fixtures.longMatrix(fwd.get("position_ids")));
                        ModelOutput out = model.forward(idArr, maskArr, positions, null, false);
                        assertCloseOnRealTokens(fwd.get("logits"), out.logits(), mask, what + " logits");
                        assertCloseOnRealTokens(fwd.get("last_hidden_state"), out.hidden(), mask, what + " hidden");
                        if (fwd.has("loss")) {
                            float loss = causalLmLoss(out.logits(), idArr, maskArr);
                            float want = (float) fwd.get("loss").asDouble();
                            assertEquals(want, loss, Math.abs(want) * 1e-5, what + " loss");
                        }
                    }
                }
            }
        }
    }

    /** transformers' causal-LM loss: labels shifted by one, padding ignored, one mean over all counted tokens. */
    static float causalLmLoss(NDArray logits, NDArray ids, NDArray mask) {
        NDArray logp = logits.get(":, :-1").logSoftmax(-1);
        NDArray target = ids.get(":, 1:").expandDims(-1);
        NDArray tokenLogp = logp.gather(target, 2).squeeze(-1);
        NDArray counted = mask.get(":, 1:").toType(DataType.FLOAT32, false);
        return tokenLogp.mul(counted).sum().neg().div(counted.sum()).getFloat();
    }

    private static void assertCloseOnRealTokens(JsonNode expected, NDArray actual, long[][] mask, String what) {
        float[] want = Fixtures.floats(expected);
        long width = actual.getShape().get(2);
        float[] got = actual.toFloatArray();
        float maxDiff = 0;
        int compared = 0;
        for (int b = 0; b < mask.length; b++) {
            for (int t = 0; t < mask[b].length; t++) {
                if (mask[b][t] == 0) {
                    continue;
                }
                for (int v = 0; v < width; v++) {
                    int i = (int) ((b * mask[b].length + t) * width + v);
                    maxDiff = Math.max(maxDiff, Math.abs(want[i] - got[i]));
                    compared++;
                }
            }
        }
        assertTrue(compared > 0);
        assertTrue(maxDiff <= ABS, what + ": max abs difference " + maxDiff);
        assertEquals(want.length, got.length, what + " size");
    }

}
