package dev.rlhf4j.rm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.testing.Fixtures;
import dev.rlhf4j.core.testing.JsonFixture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Scores equal transformers' {@code AutoModelForSequenceClassification} on the parity fixtures
 * (tools/make_parity_fixtures.py: tiny random GPT-2 and Llama classifiers, pad id 3 distinct from
 * EOS), with right and left padding.
 */
class RewardModelParityTest {

    private static final double TOLERANCE = 1e-4; // expected.json: tolerance.scores_abs

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-rm", "llama-rm"})
    void scoresMatchTransformersWithRightAndLeftPadding(String name) {
        JsonNode expected = Fixtures.expected(name);
        boolean gpt2 = name.startsWith("gpt2");
        try (NDManager m = NDManager.newBaseManager(); DecoderRewardModel rm = DecoderRewardModel.load(Fixtures.parityModel(name), m)) {
            int compared = 0;
            for (JsonNode batch : expected.get("batches")) {
                NDArray ids = m.create(Fixtures.longMatrix(batch.get("input_ids")));
                NDArray mask = m.create(Fixtures.longMatrix(batch.get("attention_mask")));
                float[] scores = rm.scores(ids, mask).toFloatArray();
                float[][] perToken = rows(rm.perTokenScores(ids, mask));
                long[] pooled = RewardModel.pooledIndex(ids, mask, rm.padTokenId()).toLongArray();
                long[][] maskRows = Fixtures.longMatrix(batch.get("attention_mask"));
                for (JsonNode forward : batch.get("forwards")) {
                    String where = name + " " + batch.get("name").asText() + " positions " + forward.get("positions").asText();
                    assertArrayEquals(Fixtures.longs(forward.get("pooled_index")), pooled, where + ": pooled index");
                    // rlhf4j always counts positions from the mask; transformers' plain forward uses arange(T),
                    // which differs on left-padded rows, and for GPT-2's learned positions that changes the scores
                    boolean samePositions = forward.get("positions").asText().equals("from_attention_mask")
                            || batch.get("padding").asText().equals("right") || !gpt2;
                    if (!samePositions) {
                        continue;
                    }
                    float[] want = Fixtures.floats(forward.get("scores"));
                    for (int b = 0; b < want.length; b++) {
                        JsonFixture.assertClose(want[b], scores[b], TOLERANCE, where + ": score " + b);
                    }
                    float[] perPosition = Fixtures.floats(forward.get("per_position_scores"));
                    int t = maskRows[0].length;
                    for (int b = 0; b < want.length; b++) {
                        for (int i = 0; i < t; i++) {
                            if (maskRows[b][i] == 1) { // only real positions are defined (tools/README.md)
                                JsonFixture.assertClose(perPosition[b * t + i], perToken[b][i], TOLERANCE,
                                        where + ": per-position score [" + b + ", " + i + "]");
                            }
                        }
                        assertEquals(scores[b], perToken[b][(int) pooled[b]], 1e-5, where + ": per-token score at the pooled index");
                    }
                    compared++;
                }
            }
            assertEquals(gpt2 ? 2 : 3, compared, "forwards compared");
        }
    }

    private static float[][] rows(NDArray a) {
        int b = (int) a.getShape().get(0);
        int t = (int) a.getShape().get(1);
        float[] flat = a.toFloatArray();
        float[][] out = new float[b][t];
        for (int i = 0; i < b; i++) {
            System.arraycopy(flat, i * t, out[i], 0, t);
        }
        return out;
    }
}
