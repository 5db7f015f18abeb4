package dev.rlhf4j.rm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.core.testing.Fixtures;
import dev.rlhf4j.core.tokenizer.ChatMessage;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.data.record.Votes;
import dev.rlhf4j.rm.data.PreferencePair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Encoder reward models (BERT, RoBERTa, DeBERTa-v2/v3) behind the {@link RewardModel} interface,
 * against transformers (tools/make_encoder_fixtures.py): a text pair reads as {@code prompt +
 * response} with the tokenizer's own special tokens, and scores like transformers' logit, in
 * padded batches as one by one.
 */
class EncoderRewardModelTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static Path fixture(String family) {
        return Fixtures.path("encoders/" + family);
    }

    /** The fixture's (prompt, response) pairs as text preference pairs: consecutive pairs, chosen first. */
    private static List<PreferencePair> textPairs(JsonNode expected) { // pair i's prompt, responses i and i + 1
        JsonNode pairs = expected.get("pairs");
        List<PreferencePair> out = new ArrayList<>();
        for (int i = 0; i + 1 < pairs.size(); i++) {
            out.add(new PreferencePair("p" + i, List.of(ChatMessage.user(pairs.get(i).get(0).asText())),
                    List.of(ChatMessage.assistant(pairs.get(i).get(1).asText())),
                    List.of(ChatMessage.assistant(pairs.get(i + 1).get(1).asText())), false, null, null, null, null,
                    Map.of(), "test", true, new Votes(1, 0, 0)));
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"bert", "roberta", "deberta-v3", "deberta-v2"})
    void scoresPromptPlusResponseAsTransformersDoes(String family) {
        JsonNode expected = Fixtures.readJson(fixture(family).resolve("expected.json"));
        int texts = expected.get("texts").size();
        int firstPair = texts - expected.get("pairs").size(); // the texts end with prompt + response of each pair
        try (NDManager m = NDManager.newBaseManager(); Tokenizer tok = Tokenizer.load(fixture(family));
                RewardModel rm = RewardModel.load(fixture(family), m)) {
            assertInstanceOf(EncoderRewardModel.class, rm);
            RewardInputs inputs = RewardInputs.forModel(rm, tok, null);
            assertEquals(RewardInputs.Layout.ENCODER, inputs.layout());
            JsonNode pairs = expected.get("pairs");
            List<long[]> sequences = new ArrayList<>();
            for (int i = 0; i < pairs.size(); i++) {
                long[] ids = inputs.text(pairs.get(i).get(0).asText(), pairs.get(i).get(1).asText());
                assertArrayEquals(Fixtures.longs(expected.get("ids").get(firstPair + i)), ids,
                        family + ": [CLS]/<s> prompt + response [SEP]/</s>, nothing appended");
                sequences.add(ids);
            }
            float[] batched = new RewardScorer(rm, inputs, 8, m).scoreSequences(sequences); // one padded batch
            for (int i = 0; i < sequences.size(); i++) {
                assertEquals(expected.get("scores").get(firstPair + i).floatValue(), batched[i], 1e-4f, family);
                float alone = new RewardScorer(rm, inputs, 1, m).scoreSequences(List.of(sequences.get(i)))[0];
                assertEquals(alone, batched[i], 1e-5f, family + ": padding changed a score");
            }
            // a text preference pair reads its sides the same way (pairs 0 and 1 share their prompt)
            RewardScorer.PairScores s = new RewardScorer(rm, inputs, 8, m).scorePairs(textPairs(expected).subList(0, 1));
            assertEquals(batched[0], s.chosen()[0], 1e-5f);
            assertEquals(batched[1], s.rejected()[0], 1e-5f);
        }
    }

    @Test
    void encoderInputsKeepTheFirstTokenWhenTruncatedAndAppendNoEos() {
        try (Tokenizer tok = Tokenizer.load(fixture("roberta"))) { // <s> 0, </s> 2
            RewardInputs inputs = new RewardInputs(tok, 5, RewardInputs.Layout.ENCODER);
            assertArrayEquals(new long[] {0, 13, 14, 15, 2}, inputs.finish(new long[] {0, 10, 11, 12, 13, 14, 15, 2}));
            assertArrayEquals(new long[] {0, 10, 2}, inputs.finish(new long[] {0, 10, 2}));
        }
        try (Tokenizer tok = Tokenizer.load(fixture("bert"))) { // no chat template: role lines, with [CLS] ... [SEP]
            RewardInputs inputs = new RewardInputs(tok, 64, RewardInputs.Layout.ENCODER);
            long[] ids = inputs.conversation(List.of(ChatMessage.user("How far is the city?")),
                    List.of(ChatMessage.assistant("Two more hours.")));
            assertArrayEquals(tok.encode("user: How far is the city?\nassistant: Two more hours.\n"), ids);
            assertEquals(2, ids[0]);
            assertEquals(3, ids[ids.length - 1]);
        }
    }

    @Test
    void maxLengthIsTheModelsPositionsLessRobertasOffset() {
        try (NDManager m = NDManager.newBaseManager(); Tokenizer tok = Tokenizer.load(fixture("roberta"));
                RewardModel rm = RewardModel.load(fixture("roberta"), m)) {
            assertEquals(66 - 2, rm.maxLength()); // max_position_embeddings 66, pad_token_id 1
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> RewardInputs.forModel(rm, tok, 65));
            assertEquals("max_length must be at most the model's 64 positions (max_position_embeddings in config.json),"
                    + " but is: 65", e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"bert", "roberta", "deberta-v3"})
    void savedDirectoryReloadsWithEqualScoresAndTheNormalization(String family) throws IOException {
        Path dir = tmp.resolve(family);
        List<PreferencePair> pairs = textPairs(Fixtures.readJson(fixture(family).resolve("expected.json")));
        try (NDManager m = NDManager.newBaseManager(); Tokenizer tok = Tokenizer.load(fixture(family));
                RewardModel rm = RewardModel.load(fixture(family), m)) {
            rm.setNormalization(new Normalization(0.25, 1.5));
            rm.save(dir, tok);
            RewardInputs inputs = RewardInputs.forModel(rm, tok, null);
            RewardScorer.PairScores before = new RewardScorer(rm, inputs, 8, m).scorePairs(pairs);
            try (RewardModel again = RewardModel.load(dir, m); Tokenizer tok2 = Tokenizer.load(dir)) {
                RewardScorer.PairScores after = new RewardScorer(again, RewardInputs.forModel(again, tok2, null), 8, m)
                        .scorePairs(pairs);
                assertArrayEquals(before.chosen(), after.chosen());
                assertArrayEquals(before.rejected(), after.rejected());
                assertEquals(new Normalization(0.25, 1.5), again.normalization());
            }
        }
        JsonNode config = JSON.readTree(dir.resolve("config.json").toFile());
        JsonNode original = JSON.readTree(fixture(family).resolve("config.json").toFile());
        assertEquals(original.get("architectures"), config.get("architectures"));
        assertEquals(original.get("model_type"), config.get("model_type"));
        assertEquals(1, config.get("num_labels").asInt());
        assertEquals(original.get("pad_token_id"), config.get("pad_token_id"));
        assertEquals(Files.readString(fixture(family).resolve("tokenizer.json")), Files.readString(dir.resolve("tokenizer.json")));
    }

    @Test
    void aClassifierWithTwoLabelsIsRefusedNamingTheKey() throws IOException {
        Path dir = tmp.resolve("two");
        Files.createDirectories(dir);
        for (String f : List.of("model.safetensors", "tokenizer.json", "tokenizer_config.json")) {
            Files.copy(fixture("bert").resolve(f), dir.resolve(f));
        }
        ObjectNode config = (ObjectNode) JSON.readTree(fixture("bert").resolve("config.json").toFile());
        config.put("num_labels", 2);
        JSON.writeValue(dir.resolve("config.json").toFile(), config);
        try (NDManager m = NDManager.newBaseManager()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RewardModel.load(dir, m));
            assertEquals(dir.resolve("config.json") + ": num_labels must be 1 for a reward model, but is: 2",
                    e.getMessage());
        }
    }

    /** A pretrained encoder without the one-label head (BertModel's layout, say) gets a fresh, seeded head. */
    @Test
    void aPretrainedEncoderWithoutAHeadGetsAFreshSeededOne() throws IOException {
        Path dir = tmp.resolve("base");
        Files.createDirectories(dir);
        Files.copy(fixture("bert").resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        ObjectNode config = (ObjectNode) JSON.readTree(fixture("bert").resolve("config.json").toFile());
        config.putArray("architectures").add("BertModel");
        config.remove("id2label");
        config.remove("label2id");
        JSON.writeValue(dir.resolve("config.json").toFile(), config);
        List<dev.rlhf4j.core.checkpoint.NamedTensor> trunk = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager(); RewardModel rm = RewardModel.load(fixture("bert"), m)) {
            rm.namedParameters().forEach((name, p) -> {
                if (name.startsWith("bert.") && !name.startsWith("bert.pooler")) { // BertModel stores no prefix
                    trunk.add(dev.rlhf4j.core.checkpoint.NamedTensor.f32(name.substring(5), p.getArray().getShape().getShape(),
                            p.getArray().toFloatArray()));
                }
            });
            dev.rlhf4j.core.checkpoint.SafetensorsWriter.write(dir.resolve("model.safetensors"), trunk, Map.of());
            try (EncoderRewardModel a = EncoderRewardModel.fromPretrained(dir, m, 5);
                    EncoderRewardModel b = EncoderRewardModel.fromPretrained(dir, m, 5)) {
                assertArrayEquals(rm.namedParameters().get("bert.encoder.layer.1.output.dense.weight").getArray().toFloatArray(),
                        a.namedParameters().get("bert.encoder.layer.1.output.dense.weight").getArray().toFloatArray());
                float[] w = a.namedParameters().get("classifier.weight").getArray().toFloatArray();
                assertEquals(24, w.length);
                assertArrayEquals(w, b.namedParameters().get("classifier.weight").getArray().toFloatArray());
                assertEquals(0f, a.namedParameters().get("classifier.bias").getArray().getFloat());
                double sq = 0;
                for (float x : w) {
                    sq += x * x;
                }
                assertEquals(0.02, Math.sqrt(sq / w.length), 0.012, "N(0, initializer_range)");
            }
        }
    }
}
