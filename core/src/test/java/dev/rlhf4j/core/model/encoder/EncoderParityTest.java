package dev.rlhf4j.core.model.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.testing.Fixtures;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * BERT, RoBERTa and DeBERTa-v2/v3 sequence classifiers against transformers 5 (fixtures from
 * tools/make_encoder_fixtures.py): token ids of texts and text pairs (with token types) as
 * transformers' tokenizer gives them, and the logit of every text, one by one and in one
 * right-padded batch, within 1e-4.
 */
class EncoderParityTest {
    private static final float TOLERANCE = 1e-4f;

    static Path fixture(String family) {
        return Fixtures.path("encoders/" + family);
    }

    @ParameterizedTest
    @ValueSource(strings = {"bert", "roberta", "deberta-v3", "deberta-v2"})
    void tokenIdsEqualTransformers(String family) throws Exception {
        JsonNode expected = Fixtures.readJson(fixture(family).resolve("expected.json"));
        try (Tokenizer tok = Tokenizer.load(fixture(family))) {
            for (int i = 0; i < expected.get("texts").size(); i++) {
                String text = expected.get("texts").get(i).asText();
                assertArrayEquals(Fixtures.longs(expected.get("ids").get(i)), tok.encode(text), family + ": " + text);
                assertEquals(expected.get("decoded").get(i).asText(), tok.decode(tok.encode(text), true), family + ": " + text);
            }
        }
        // pairs: [CLS] a [SEP] b [SEP] with token types 0…0 1…1 (RoBERTa: <s> a </s></s> b </s>, all 0)
        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(fixture(family).resolve("tokenizer.json"),
                Map.of("addSpecialTokens", "true", "padding", "false", "truncation", "false"))) {
            for (int i = 0; i < expected.get("pairs").size(); i++) {
                JsonNode pair = expected.get("pairs").get(i);
                Encoding e = hf.encode(pair.get(0).asText(), pair.get(1).asText(), true, false);
                assertArrayEquals(Fixtures.longs(expected.get("pair_ids").get(i)), e.getIds(), family + " pair " + i);
                assertArrayEquals(Fixtures.longs(expected.get("pair_token_type_ids").get(i)), e.getTypeIds(),
                        family + " pair " + i);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"bert", "roberta", "deberta-v3", "deberta-v2"})
    void logitsEqualTransformersOneByOneAndInAPaddedBatch(String family) {
        JsonNode expected = Fixtures.readJson(fixture(family).resolve("expected.json"));
        try (NDManager m = NDManager.newBaseManager(); EncoderClassifier model = EncoderClassifier.load(fixture(family), m)) {
            long[][] batchIds = Fixtures.longMatrix(expected.get("batch_ids"));
            long[][] batchMask = Fixtures.longMatrix(expected.get("batch_mask"));
            int n = batchIds.length;
            int t = batchIds[0].length;
            float[] single = new float[n];
            for (int i = 0; i < n; i++) {
                long[] ids = Fixtures.longs(expected.get("ids").get(i));
                try (NDManager step = m.newSubManager()) {
                    NDArray x = step.create(ids, new Shape(1, ids.length));
                    single[i] = model.logits(x, x.onesLike(), null, false).toFloatArray()[0];
                }
                assertEquals(expected.get("scores").get(i).floatValue(), single[i], TOLERANCE, family + " text " + i);
            }
            try (NDManager step = m.newSubManager()) {
                NDArray ids = step.create(flatten(batchIds), new Shape(n, t));
                NDArray mask = step.create(flatten(batchMask), new Shape(n, t));
                float[] batch = model.logits(ids, mask, null, false).toFloatArray();
                boolean padded = false;
                for (int i = 0; i < n; i++) {
                    assertEquals(expected.get("batch_scores").get(i).floatValue(), batch[i], TOLERANCE, family + " row " + i);
                    assertEquals(single[i], batch[i], 1e-5f, family + ": padding changed row " + i);
                    padded |= batchMask[i][t - 1] == 0;
                }
                assertTrue(padded, "the batch has padded rows");
            }
        }
    }

    static long[] flatten(long[][] rows) {
        long[] out = new long[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * rows[0].length, rows[i].length);
        }
        return out;
    }
}
