package dev.rlhf4j.rm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.testing.Fixtures;
import dev.rlhf4j.core.testing.ScopeLeaks;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RewardModelTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static NDArray ids(NDManager m, String name) {
        return m.create(Fixtures.longMatrix(Fixtures.expected(name).get("batches").get(0).get("input_ids")));
    }

    private static NDArray mask(NDManager m, String name) {
        return m.create(Fixtures.longMatrix(Fixtures.expected(name).get("batches").get(0).get("attention_mask")));
    }

    @Test
    void savedModelReloadsToIdenticalScoresAndKeepsItsNormalization() throws IOException {
        Path dir = tmp.resolve("saved");
        try (NDManager m = NDManager.newBaseManager();
                Tokenizer tok = Tokenizer.load(Fixtures.parityModel("llama-rm"));
                RewardModel rm = RewardModel.load(Fixtures.parityModel("llama-rm"), m)) {
            assertTrue(rm.normalization().isIdentity(), "a transformers directory has no stored normalisation");
            rm.setNormalization(new Normalization(0.25, 1.5));
            rm.save(dir, tok);
            float[] before = rm.scores(ids(m, "llama-rm"), mask(m, "llama-rm")).toFloatArray();
            try (RewardModel again = RewardModel.load(dir, m)) {
                assertArrayEquals(before, again.scores(ids(m, "llama-rm"), mask(m, "llama-rm")).toFloatArray());
                assertEquals(new Normalization(0.25, 1.5), again.normalization());
            }
        }
        JsonNode config = JSON.readTree(dir.resolve("config.json").toFile());
        assertEquals("LlamaForSequenceClassification", config.get("architectures").get(0).asText());
        assertEquals(1, config.get("num_labels").asInt());
        assertEquals("LABEL_0", config.get("id2label").get("0").asText());
        assertEquals(0, config.get("label2id").get("LABEL_0").asInt());
        assertEquals(3, config.get("pad_token_id").asInt());
        assertEquals(0.25, config.get(RewardModel.NORMALIZATION_KEY).get("mean").asDouble());
        assertEquals(1.5, config.get(RewardModel.NORMALIZATION_KEY).get("std").asDouble());
        assertTrue(Files.exists(dir.resolve("tokenizer.json")));
    }

    @Test
    void startsFromACausalLmWithTheTrunkUnchangedAndASeededHead() {
        Path gpt2 = Fixtures.parityModel("gpt2");
        try (NDManager m = NDManager.newBaseManager();
                DecoderRewardModel a = RewardModel.fromCausalLm(gpt2, m, 7);
                DecoderRewardModel b = RewardModel.fromCausalLm(gpt2, m, 7);
                DecoderRewardModel c = RewardModel.fromCausalLm(gpt2, m, 8);
                CausalLM lm = ModelDirectory.loadCausalLM(gpt2, m, true)) {
            float[] head = a.head().getArray().toFloatArray();
            assertEquals(32, head.length);
            // N(0, 1/sqrt(d + 1)) drawn from java.util.Random(seed): the first value, by the definition
            double std = 1 / Math.sqrt(33);
            assertEquals((float) (new Random(7).nextGaussian() * std), head[0]);
            assertArrayEquals(head, b.head().getArray().toFloatArray());
            assertFalse(java.util.Arrays.equals(head, c.head().getArray().toFloatArray()));
            // the trunk is the causal LM's: per-token scores are its last hidden states times the head
            NDArray ids = m.create(new long[][] {{5, 9, 11, 0}});
            NDArray mask = m.create(new long[][] {{1, 1, 1, 1}});
            NDArray hidden = lm.hidden(ids, mask, CausalLM.positionsFromMask(mask), null, false); // (1, 4, 32)
            float[] want = hidden.matMul(a.head().getArray().transpose()).reshape(1, 4).toFloatArray();
            assertArrayEquals(want, a.perTokenScores(ids, mask).toFloatArray(), 1e-6f);
            assertEquals(a.trunk().namedParameters().size() + 1, a.trainableParameters().size());
        }
    }

    @Test
    void paddingSideNeverChangesAScore() {
        try (NDManager m = NDManager.newBaseManager(); RewardModel rm = RewardModel.load(Fixtures.parityModel("gpt2-rm"), m)) {
            NDArray right = m.create(new long[][] {{7, 8, 9, 0}, {7, 8, 0, 3}});
            NDArray rightMask = m.create(new long[][] {{1, 1, 1, 1}, {1, 1, 1, 0}});
            NDArray left = m.create(new long[][] {{3, 3, 7, 8, 9, 0}, {3, 3, 3, 7, 8, 0}});
            NDArray leftMask = m.create(new long[][] {{0, 0, 1, 1, 1, 1}, {0, 0, 0, 1, 1, 1}});
            assertArrayEquals(rm.scores(right, rightMask).toFloatArray(), rm.scores(left, leftMask).toFloatArray(), 1e-5f);
        }
    }

    @Test
    void scoringLeavesNoArraysBehind() {
        try (NDManager m = NDManager.newBaseManager(); DecoderRewardModel rm = DecoderRewardModel.load(Fixtures.parityModel("gpt2-rm"), m)) {
            NDArray ids = ids(m, "gpt2-rm");
            NDArray mask = mask(m, "gpt2-rm");
            ScopeLeaks.assertNoGrowth(m, 5, () -> {
                rm.scores(ids, mask);
                rm.perTokenScores(ids, mask);
            }, ids, mask);
        }
    }

    @Test
    void rejectsACausalLmDirectory() {
        try (NDManager m = NDManager.newBaseManager()) {
            Path gpt2 = Fixtures.parityModel("gpt2");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RewardModel.load(gpt2, m));
            assertEquals(gpt2.resolve("config.json") + ": architectures must name a *ForSequenceClassification model,"
                    + " but is: [\"GPT2LMHeadModel\"] (start a reward model from a causal LM with reward_model.init,"
                    + " i.e. RewardModel.fromCausalLm)", e.getMessage());
        }
    }

    @Test
    void rejectsMoreThanOneLabel() throws IOException {
        Path dir = copyOf(Fixtures.parityModel("gpt2-rm"));
        ObjectNode config = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
        config.putObject("id2label").put("0", "LABEL_0").put("1", "LABEL_1");
        JSON.writeValue(dir.resolve("config.json").toFile(), config);
        try (NDManager m = NDManager.newBaseManager()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RewardModel.load(dir, m));
            assertEquals(dir.resolve("config.json") + ": id2label must hold exactly one label for a reward model, but is: "
                    + "{\"0\":\"LABEL_0\",\"1\":\"LABEL_1\"}", e.getMessage());
        }
        config.put("num_labels", 1); // an explicit num_labels wins, as in transformers
        config.putObject("id2label").put("0", "LABEL_0");
        JSON.writeValue(dir.resolve("config.json").toFile(), config);
        try (NDManager m = NDManager.newBaseManager(); DecoderRewardModel rm = DecoderRewardModel.load(dir, m)) {
            assertNotEquals(null, rm.head());
        }
    }

    private Path copyOf(Path src) throws IOException {
        Path dst = tmp.resolve(src.getFileName());
        Files.createDirectories(dst);
        try (var files = Files.list(src)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, dst.resolve(f.getFileName()));
            }
        }
        return dst;
    }
}
