package dev.rlhf4j.rm.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.core.tokenizer.ChatMessage;
import dev.rlhf4j.rm.data.PreferencePair;
import dev.rlhf4j.rm.eval.PairMetrics.Accuracy;
import dev.rlhf4j.rm.eval.PairMetrics.Bucket;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Five pairs with given scores; pair 4 is labelled a tie and left out, so Δ = r_c − r_r over the
 * other four is [1, −1, 0, 4] (pair 3 is a score tie, counted wrong).
 *
 * <pre>
 *  #  source subset          margin conf human (c, r)  chosen / rejected text   r_c  r_r
 *  1  a      alpacaeval-easy 1      7    10, 2         "long answer" / "short"   2    1   right
 *  2  a      alpacaeval-easy 2      9    3, 1          "ok" / "longer one"       0    1   wrong
 *  3  b      mt-bench-easy   1      -    -             "abcd" / "wxyz"           1    1   tie → wrong
 *  4  b      mt-bench-easy   (labelled tie, excluded)                            5    5
 *  5  -      mt-bench-easy   -      -    -             "yes" / "no"              3   −1   right
 * </pre>
 */
class RewardEvaluatorTest {

    @TempDir
    Path tmp;

    private static PreferencePair pair(String source, String subset, Double margin, Map<String, Object> meta,
            String chosen, String rejected, boolean tie) {
        return new PreferencePair("id-" + chosen, List.of(ChatMessage.user("q")), List.of(ChatMessage.assistant(chosen)),
                List.of(ChatMessage.assistant(rejected)), tie, margin, null, source, subset, meta, "test",
                false, new dev.rlhf4j.data.record.Votes(1, 0, 0));
    }

    private static final List<PreferencePair> PAIRS = List.of(
            pair("a", "alpacaeval-easy", 1.0, Map.of("confidence", 7, "chosen_score", 10, "rejected_score", 2),
                    "long answer", "short", false),
            pair("a", "alpacaeval-easy", 2.0, Map.of("confidence", 9, "chosen_score", 3, "rejected_score", 1),
                    "ok", "longer one", false),
            pair("b", "mt-bench-easy", 1.0, Map.of(), "abcd", "wxyz", false),
            pair("b", "mt-bench-easy", null, Map.of(), "same", "same", true),
            pair(null, "mt-bench-easy", null, Map.of(), "yes", "no", false));
    private static final float[] CHOSEN = {2, 0, 1, 5, 3};
    private static final float[] REJECTED = {1, 1, 1, 5, -1};

    @Test
    void everyMetricOnTheHandWorkedExample() {
        EvalReport r = RewardEvaluator.evaluate("rm", PAIRS, CHOSEN, REJECTED);
        assertEquals(5, r.records());
        assertEquals(1, r.labelTies());
        assertEquals(new Accuracy(4, 2, 1), r.accuracy());
        assertEquals(Map.of("a", new Accuracy(2, 1, 0), "b", new Accuracy(1, 0, 1), "(none)", new Accuracy(1, 1, 0)),
                r.bySource());
        assertEquals(Map.of("alpacaeval-easy", new Accuracy(2, 1, 0), "mt-bench-easy", new Accuracy(2, 1, 1)),
                r.bySubset());
        // margins 1, 2, 1 (pairs 1-3): value 1 → pairs 1 (right), 3 (tie); value 2 → pair 2 (wrong)
        assertEquals(List.of(new Bucket(1, 1, new Accuracy(2, 1, 1)), new Bucket(2, 2, new Accuracy(1, 0, 0))),
                r.byLabelStrength().get("margin"));
        assertEquals(List.of(new Bucket(7, 7, new Accuracy(1, 1, 0)), new Bucket(9, 9, new Accuracy(1, 0, 0))),
                r.byLabelStrength().get("confidence"));
        // score ratio: 10/2 = 5 (right), 3/1 = 3 (wrong)
        assertEquals(List.of(new Bucket(3, 3, new Accuracy(1, 0, 0)), new Bucket(5, 5, new Accuracy(1, 1, 0))),
                r.byLabelStrength().get("score_ratio"));
        // |Δ| = [1, 1, 0, 4]
        assertEquals(List.of(new Bucket(0, 0, new Accuracy(1, 0, 1)), new Bucket(1, 1, new Accuracy(2, 1, 0)),
                new Bucket(4, 4, new Accuracy(1, 1, 0))), r.byPredictedMargin());
        // Δ = [1, −1, 0, 4]: the AUC counting of PairMetricsTest gives 11.5 / 16
        assertEquals(0.71875, r.rocAuc(), 1e-12);
        // mean log(1 + e^{−Δ}) = (0.313262 + 1.313262 + 0.693147 + 0.018150) / 4; Brier mean (1 − σ(Δ))²
        assertEquals(0.5844551208785502, r.logLoss(), 1e-12);
        assertEquals(0.21427490931645918, r.brier(), 1e-12);
        assertEquals(1.5, r.chosenRewards().mean(), 1e-12);   // [2, 0, 1, 3]
        assertEquals(0.5, r.rejectedRewards().mean(), 1e-12); // [1, 1, 1, −1]
        assertEquals(4, java.util.Arrays.stream(r.histogram().chosen()).sum());
        // lengths (c, r): (11, 5) longer right, (2, 10) shorter wrong, (4, 4) same, tie, (3, 2) longer right
        assertEquals(new Accuracy(2, 2, 0), r.lengthBias().chosenLonger());
        assertEquals(new Accuracy(1, 0, 0), r.lengthBias().chosenShorter());
        assertEquals(new Accuracy(1, 0, 1), r.lengthBias().sameLength());
        // human scores of pairs 1, 2: model x = [2, 1, 0, 1], human y = [10, 2, 3, 1]
        //   τ-b: concordant 3, discordant 2, one tie in x → (3 − 2) / sqrt((6 − 1) · 6) = 1/√30
        //   ρ: ranks x [4, 2.5, 1, 2.5], y [4, 2, 3, 1] → Σdxdy = 1.5, Σdx² = 4.5, Σdy² = 5 → 1.5/√22.5
        assertEquals(4, r.humanScores().n());
        assertEquals(1 / Math.sqrt(30), r.humanScores().kendallTau(), 1e-12);
        assertEquals(1.5 / Math.sqrt(22.5), r.humanScores().spearmanRho(), 1e-12);
        // RewardBench: both subsets are in Chat, each 0.5 → Chat 0.5
        assertEquals(0.5, r.rewardBench().get("Chat"));
        assertEquals(0.5, r.rewardBench().get("alpacaeval-easy"));
    }

    @Test
    void writesJsonHtmlAndPlots() throws IOException {
        EvalReport r = RewardEvaluator.evaluate("rm", PAIRS, CHOSEN, REJECTED);
        Path json = tmp.resolve("out/report.json");
        Path html = tmp.resolve("out/report.html");
        List<Path> pngs = RewardEvaluator.write(r, json, html);
        assertEquals(List.of(tmp.resolve("out/report-reliability.png"), tmp.resolve("out/report-rewards.png")),
                pngs.stream().map(Path::toAbsolutePath).toList());
        for (Path png : pngs) {
            byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(png), 4);
            assertEquals("\u0089PNG", new String(head, java.nio.charset.StandardCharsets.ISO_8859_1));
        }
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        assertEquals(0.5, j.get("accuracy").asDouble());
        assertEquals(1, j.get("score_ties").asInt());
        assertEquals(1, j.get("label_ties_excluded").asInt());
        assertEquals(2, j.at("/by_source/a/pairs").asInt());
        assertEquals(0.71875, j.get("roc_auc").asDouble());
        assertEquals(10, j.get("calibration_bins").size());
        assertEquals(0.75, j.at("/rewards/chosen/quantiles/p25").asDouble(), 1e-12); // sorted [0, 1, 2, 3] at position 3 · 0.25
        assertEquals("Seq. Classifier", j.at("/rewardbench/model_type").asText());
        assertTrue(j.at("/length_bias/pearson_score_length").isNumber());
        String page = Files.readString(html);
        assertTrue(page.contains("data:image/png;base64,"));
        assertTrue(page.contains("Chat Hard") || page.contains("Chat"));
    }

    @Test
    void dataWithoutHumanScoresOrSubsetsLeavesThoseOut() {
        List<PreferencePair> plain = List.of(pair("a", null, null, Map.of(), "x", "yy", false),
                pair("a", null, null, Map.of(), "zz", "w", false));
        EvalReport r = RewardEvaluator.evaluate("rm", plain, new float[] {1, 0}, new float[] {0, 1});
        assertNull(r.humanScores());
        assertNull(r.rewardBench());
        assertTrue(r.bySubset().isEmpty());
        assertTrue(r.byLabelStrength().isEmpty());
    }

    @Test
    void onlyTiesIsAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RewardEvaluator.evaluate("rm",
                List.of(PAIRS.get(3)), new float[] {1}, new float[] {1}));
        assertEquals("nothing to evaluate: 1 pairs, none with a preference (ties are not evaluated)", e.getMessage());
    }
}
