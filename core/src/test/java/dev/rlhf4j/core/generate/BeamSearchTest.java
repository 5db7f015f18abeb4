package dev.rlhf4j.core.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Beam search returns what transformers' {@code generate(num_beams=N, do_sample=False, ...)}
 * returns: the fixtures (tools/make_beam_fixture.py) hold its sequences and sequence scores for a
 * left-padded batch, one, three and four beams, length penalties 0, 1 and 2, the three
 * early-stopping rules, several returned sequences, and EOS ids that end beams early.
 */
class BeamSearchTest {

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "qwen2"})
    void matchesTransformersBeamSearch(String family) {
        JsonNode expected = Fixtures.readJson(Fixtures.path("beam/" + family + "/expected.json"));
        List<long[]> prompts = new ArrayList<>();
        expected.get("prompts").forEach(p -> prompts.add(Fixtures.longs(p)));
        int promptWidth = expected.get("input_ids").get(0).size();
        int pad = expected.get("pad_token_id").asInt();
        int maxNew = expected.get("max_new_tokens").asInt();
        float tolerance = (float) expected.get("tolerance").get("sequences_scores_abs").asDouble();
        int runs = 0;
        int endedEarly = 0;
        try (NDManager m = NDManager.newBaseManager();
                CausalLM model = ModelDirectory.loadCausalLM(Fixtures.path("beam/" + family), m, true)) {
            for (JsonNode run : expected.get("runs")) {
                String name = family + "/" + run.get("name").asText();
                List<Integer> eos = new ArrayList<>();
                run.get("eos_token_id").forEach(x -> eos.add(x.asInt()));
                JsonNode early = run.get("early_stopping");
                BeamConfig cfg = new BeamConfig(run.get("num_beams").asInt(), maxNew,
                        (float) run.get("length_penalty").asDouble(),
                        BeamConfig.EarlyStopping.parse("early_stopping", early.asText()),
                        run.get("num_return_sequences").asInt(), List.of());
                BeamGeneration out = new BeamSearch(model, pad, eos).generate(prompts, cfg, m);
                long[][] want = Fixtures.longMatrix(run.get("sequences"));
                Generation g = out.sequences();
                assertEquals(want.length, g.batchSize(), name + " rows");
                for (int row = 0; row < want.length; row++) {
                    long[] wantNew = java.util.Arrays.copyOfRange(want[row], promptWidth, want[row].length);
                    assertArrayEquals(wantNew, g.tokens()[row], name + " row " + row);
                    float sum = 0;
                    for (int t = 0; t < g.lengths()[row]; t++) {
                        sum += g.logProbs()[row][t];
                    }
                    float byTokens = sum / (float) Math.pow(g.lengths()[row], cfg.lengthPenalty());
                    assertEquals(byTokens, out.scores()[row], 1e-5f, name + " row " + row + " score from its tokens");
                    if (g.endedWithStop()[row] && g.lengths()[row] < maxNew && eos.get(0) != expected.get("model")
                            .get("eos_token_id").asInt()) {
                        endedEarly++;
                    }
                }
                JsonNode scores = run.get("sequences_scores");
                if (!scores.isNull()) { // transformers' greedy search (one beam) returns none
                    assertArrayEquals(Fixtures.floats(scores), out.scores(), tolerance, name + " scores");
                }
                runs++;
            }
        }
        assertEquals(15, runs);
        assertTrue(endedEarly > 0, "some hypotheses end with EOS before max_new_tokens");
    }

    /** Many searches leave no arrays behind: every step's arrays and the cache are closed. */
    @Test
    void liveArraysStayFlatOverManySearches() {
        JsonNode expected = Fixtures.readJson(Fixtures.path("beam/llama/expected.json"));
        List<long[]> prompts = new ArrayList<>();
        expected.get("prompts").forEach(p -> prompts.add(Fixtures.longs(p)));
        try (NDManager m = NDManager.newBaseManager();
                CausalLM model = ModelDirectory.loadCausalLM(Fixtures.path("beam/llama"), m, true)) {
            BeamSearch search = new BeamSearch(model, 3, List.of(2));
            BeamConfig cfg = new BeamConfig(4, 9, 1f, BeamConfig.EarlyStopping.FALSE, 2, List.of());
            search.generate(prompts, cfg, m); // warm up
            int before = live();
            for (int i = 0; i < 30; i++) {
                search.generate(prompts, cfg, m);
                search.generate(prompts.subList(0, 1), BeamConfig.of(3, 5), m);
            }
            assertEquals(before, live(), "live NDArrays after 60 beam searches");
        }
    }

    @Test
    void badOptionsAreRefusedNamingTheOption() {
        IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class,
                () -> new BeamConfig(3, 8, 1f, BeamConfig.EarlyStopping.FALSE, 4, List.of()));
        assertEquals("num_return_sequences must be between 1 and num_beams (3), but is: 4", tooMany.getMessage());
        IllegalArgumentException noBeams = assertThrows(IllegalArgumentException.class, () -> BeamConfig.of(0, 8));
        assertEquals("num_beams must be > 0, but is: 0", noBeams.getMessage());
        IllegalArgumentException noTokens = assertThrows(IllegalArgumentException.class, () -> BeamConfig.of(2, 0));
        assertEquals("max_new_tokens must be > 0, but is: 0", noTokens.getMessage());
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> new BeamConfig(2, 8, Float.NaN, BeamConfig.EarlyStopping.FALSE, 1, List.of()));
        assertEquals("length_penalty must be finite, but is: NaN", nan.getMessage());
        IllegalArgumentException early = assertThrows(IllegalArgumentException.class,
                () -> BeamConfig.EarlyStopping.parse("early_stopping", "sometimes"));
        assertEquals("early_stopping must be true, false or never, but is: sometimes", early.getMessage());
        assertEquals(BeamConfig.EarlyStopping.NEVER, BeamConfig.EarlyStopping.parse("early_stopping", "Never"));
    }

    @Test
    void moreCandidatesThanTheVocabularyIsRefused() {
        try (NDManager m = NDManager.newBaseManager();
                CausalLM model = ModelDirectory.loadCausalLM(Fixtures.path("beam/gpt2"), m, true)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new BeamSearch(model, 3, List.of(0)).generate(List.of(new long[] {5}), BeamConfig.of(65, 4), m));
            assertEquals("num_beams 65 keeps 130 candidates per step (max(2, 1 + EOS and stop ids) x num_beams), more"
                    + " than the vocabulary of 128 tokens", e.getMessage());
        }
    }

    private static int live() {
        try (NDManager probe = NDManager.newBaseManager()) { // its parent is the engine's system manager
            return probe.getParentManager().getManagedArrays().size();
        }
    }
}
