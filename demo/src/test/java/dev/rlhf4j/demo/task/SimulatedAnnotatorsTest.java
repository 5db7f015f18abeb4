package dev.rlhf4j.demo.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.rlhf4j.demo.task.SimulatedAnnotators.Annotator;
import dev.rlhf4j.demo.task.SimulatedAnnotators.Judgement;
import dev.rlhf4j.demo.task.SimulatedAnnotators.LabelledPair;
import dev.rlhf4j.demo.task.SimulatedAnnotators.Labelling;
import dev.rlhf4j.demo.task.SimulatedAnnotators.Settings;
import dev.rlhf4j.demo.task.SimulatedAnnotators.Side;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatedAnnotatorsTest {

    private static final ReviewGrammar GRAMMAR = ReviewGrammar.standard();

    /**
     * Pairs like the demo's: two SFT-style reviews of one prompt, mostly neutral to mixed; one pair
     * in ten has a response cut off at the length limit.
     */
    static List<ResponsePair> pairs(int count, long seed) {
        Random random = new Random(seed);
        List<ResponsePair> pairs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ReviewGrammar.Topic topic = ReviewGrammar.Topic.values()[random.nextInt(5)];
            String prompt = String.join(" ", GRAMMAR.prompt(topic, random));
            Response a = Response.complete(String.join(" ", GRAMMAR.review(topic, 0.5 * random.nextGaussian(), 22, random)));
            Response b = Response.complete(String.join(" ", GRAMMAR.review(topic, 0.5 * random.nextGaussian(), 22, random)));
            if (i % 10 == 0) {
                b = new Response(b.text(), false);
            }
            pairs.add(new ResponsePair(prompt, a, b));
        }
        return pairs;
    }

    private static Labelling label(Settings settings, List<ResponsePair> pairs, long seed) {
        return new SimulatedAnnotators(settings, GoldReward.standard()).label(pairs, seed);
    }

    /** Two annotators of the same temperature label every pair: the rate at which they agree. */
    private static double agreement(double temperature, List<ResponsePair> pairs) {
        Settings settings = new Settings(
                List.of(new Annotator(1, "a", temperature, 0), new Annotator(2, "b", temperature, 0)), 2, 2, 0, true);
        int agree = 0;
        int compared = 0;
        for (LabelledPair pair : label(settings, pairs, 5).pairs()) {
            if (pair.goldPreferred().isEmpty()) {
                continue; // gold ties carry no signal: both annotators flip coins
            }
            List<Judgement> judgements = pair.submitted();
            compared++;
            if (judgements.get(0).selected() == judgements.get(1).selected()) {
                agree++;
            }
        }
        return agree / (double) compared;
    }

    @Test
    void agreementBetweenAnnotatorsDecreasesWithNoise() {
        List<ResponsePair> pairs = pairs(800, 1);
        double careful = agreement(0.05, pairs);
        double typical = agreement(0.3, pairs);
        double noisy = agreement(1.5, pairs);
        assertTrue(careful > typical + 0.05, careful + " vs " + typical);
        assertTrue(typical > noisy + 0.05, typical + " vs " + noisy);
        assertTrue(careful > 0.9, "careful annotators agree " + careful);
        assertTrue(noisy < 0.75 && noisy > 0.45, "noisy annotators agree " + noisy);
    }

    @Test
    void positionBiasedAnnotatorPicksLeftMoreOften() {
        Settings settings = new Settings(
                List.of(new Annotator(1, "unbiased", 0.4, 0), new Annotator(2, "biased", 0.4, 0.3)), 2, 2, 0, true);
        int[] left = new int[3];
        int[] total = new int[3];
        for (LabelledPair pair : label(settings, pairs(1000, 2), 6).pairs()) {
            for (Judgement j : pair.submitted()) {
                total[j.annotator().userId()]++;
                if (j.selected() == Side.LEFT) {
                    left[j.annotator().userId()]++;
                }
            }
        }
        double unbiased = left[1] / (double) total[1];
        double biased = left[2] / (double) total[2];
        assertEquals(0.5, unbiased, 0.05);
        assertEquals(0.5 + 0.3 * 0.5, biased, 0.05); // b + (1 - b) * 0.5 when sides are shuffled
        assertTrue(biased > unbiased + 0.08);
    }

    @Test
    void probabilityFollowsBradleyTerryWithPositionBias() {
        assertEquals(1 / (1 + Math.exp(-1.0)), new Annotator(1, "a", 1.0, 0).probabilityLeft(1, 0), 1e-12);
        assertEquals(1 / (1 + Math.exp(-4.0)), new Annotator(1, "a", 0.25, 0).probabilityLeft(0.5, -0.5), 1e-12);
        assertEquals(0.5, new Annotator(1, "a", 0.25, 0).probabilityLeft(0.3, 0.3), 1e-12);
        assertEquals(0.3 + 0.7 * 0.5, new Annotator(1, "a", 0.25, 0.3).probabilityLeft(0.3, 0.3), 1e-12);
        assertEquals(0.3 + 0.7 / (1 + Math.exp(2.0)), new Annotator(1, "a", 0.5, 0.3).probabilityLeft(0, 1), 1e-12);
    }

    @Test
    void carefulAnnotatorsFollowTheGoldOrderingMoreOften() {
        Labelling labelling = label(Settings.defaults(), pairs(1500, 3), 7);
        double[] right = new double[6];
        double[] seen = new double[6];
        for (LabelledPair pair : labelling.pairs()) {
            if (pair.goldPreferred().isEmpty()) {
                continue;
            }
            for (Judgement j : pair.submitted()) {
                seen[j.annotator().userId()]++;
                if (j.selected() == pair.goldPreferred().get()) {
                    right[j.annotator().userId()]++;
                }
            }
        }
        double careful = right[1] / seen[1];
        double steady = right[2] / seen[2];
        double average = right[3] / seen[3];
        double noisy = right[4] / seen[4];
        assertTrue(careful > steady && steady > average && average > noisy,
                careful + " " + steady + " " + average + " " + noisy);
        assertTrue(careful > 0.9);
    }

    @Test
    void goldOrderingAndDisplayOrderAreRecorded() {
        List<ResponsePair> pairs = pairs(200, 4);
        Labelling labelling = label(Settings.defaults(), pairs, 8);
        int swapped = 0;
        for (LabelledPair pair : labelling.pairs()) {
            ResponsePair input = pairs.get(pair.pairIndex());
            assertEquals(pair.pairIndex() + 1, pair.taskId());
            assertEquals(input.prompt(), pair.prompt());
            assertEquals(pair.swapped() ? input.second() : input.first(), pair.left());
            assertEquals(pair.swapped() ? input.first() : input.second(), pair.right());
            assertEquals(GoldReward.standard().score(pair.left()), pair.goldLeft());
            assertEquals(GoldReward.standard().score(pair.right()), pair.goldRight());
            double margin = pair.goldLeft().value() - pair.goldRight().value();
            assertEquals(margin > 0 ? Side.LEFT : margin < 0 ? Side.RIGHT : null, pair.goldPreferred().orElse(null));
            swapped += pair.swapped() ? 1 : 0;
        }
        assertTrue(swapped > 70 && swapped < 130, "sides swapped in " + swapped + " of 200 pairs");

        Settings fixedSides = new Settings(Settings.defaults().panel(), 2, 3, 0.03, false);
        assertTrue(label(fixedSides, pairs, 8).pairs().stream().noneMatch(LabelledPair::swapped));
    }

    @Test
    void eachPairGetsTwoOrThreeDistinctAnnotatorsAndSomeSkip() {
        Labelling labelling = label(Settings.defaults(), pairs(400, 5), 9);
        Set<Integer> annotationIds = new HashSet<>();
        int cancelled = 0;
        int[] sizes = new int[4];
        for (LabelledPair pair : labelling.pairs()) {
            int n = pair.judgements().size();
            assertTrue(n == 2 || n == 3);
            sizes[n]++;
            assertEquals(n, pair.judgements().stream().map(j -> j.annotator().userId()).distinct().count());
            for (Judgement j : pair.judgements()) {
                assertTrue(annotationIds.add(j.annotationId()));
                cancelled += j.cancelled() ? 1 : 0;
            }
        }
        assertTrue(sizes[2] > 100 && sizes[3] > 100);
        assertTrue(cancelled > 5 && cancelled < 70, cancelled + " cancelled");
    }

    @Test
    void exportIsALabelStudioPairwiseExport(@TempDir Path dir) throws Exception {
        Labelling labelling = label(Settings.defaults(), pairs(300, 6), 10);
        Path file = dir.resolve("export.json");
        labelling.writeLabelStudioExport(file);
        JsonNode tasks = JsonFiles.MAPPER.readTree(file.toFile());
        assertEquals(labelling.toLabelStudioJson(), tasks);
        assertTrue(tasks.isArray());
        assertEquals(300, tasks.size());
        int cancelledSeen = 0;
        for (int t = 0; t < tasks.size(); t++) {
            JsonNode task = tasks.get(t);
            LabelledPair pair = labelling.pairs().get(t);
            assertEquals(pair.taskId(), task.get("id").asInt());
            assertEquals(pair.prompt(), task.at("/data/prompt").asText());
            assertEquals(pair.left().text(), task.at("/data/answer1").asText());
            assertEquals(pair.right().text(), task.at("/data/answer2").asText());
            JsonNode annotations = task.get("annotations");
            assertEquals(pair.judgements().size(), annotations.size());
            int total = 0;
            int cancelled = 0;
            for (int a = 0; a < annotations.size(); a++) {
                JsonNode annotation = annotations.get(a);
                Judgement judgement = pair.judgements().get(a);
                assertEquals(judgement.annotationId(), annotation.get("id").asInt());
                assertEquals(judgement.annotator().userId(), annotation.get("completed_by").asInt());
                assertEquals(pair.taskId(), annotation.get("task").asInt());
                assertTrue(annotation.get("lead_time").isNumber());
                assertTrue(annotation.get("created_at").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z"));
                boolean wasCancelled = annotation.get("was_cancelled").asBoolean();
                assertEquals(judgement.cancelled(), wasCancelled);
                ArrayNode result = (ArrayNode) annotation.get("result");
                if (wasCancelled) {
                    cancelled++;
                    assertEquals(0, result.size());
                } else {
                    total++;
                    assertEquals(1, result.size());
                    JsonNode region = result.get(0);
                    assertEquals("comparison", region.get("from_name").asText());
                    assertEquals("comparison", region.get("to_name").asText());
                    assertEquals("pairwise", region.get("type").asText());
                    assertEquals("manual", region.get("origin").asText());
                    assertEquals(10, region.get("id").asText().length());
                    assertEquals(judgement.selected().value(), region.at("/value/selected").asText());
                }
            }
            assertEquals(total, task.get("total_annotations").asInt());
            assertEquals(cancelled, task.get("cancelled_annotations").asInt());
            cancelledSeen += cancelled;
        }
        assertTrue(cancelledSeen > 0);
        assertTrue(Files.readString(file).contains("\"selected\": \"left\""), "Label Studio's own key-value spacing");
    }

    @Test
    void labellingIsDeterministicGivenTheSeed(@TempDir Path dir) throws Exception {
        List<ResponsePair> pairs = pairs(100, 7);
        Labelling one = label(Settings.defaults(), pairs, 11);
        Labelling two = label(Settings.defaults(), pairs, 11);
        assertEquals(one, two);
        one.writeLabelStudioExport(dir.resolve("one.json"));
        two.writeLabelStudioExport(dir.resolve("two.json"));
        assertEquals(Files.readString(dir.resolve("one.json")), Files.readString(dir.resolve("two.json")));
        assertNotEquals(one, label(Settings.defaults(), pairs, 12));
    }

    @Test
    void goldOrderingFileHasOneLinePerTask(@TempDir Path dir) throws Exception {
        Labelling labelling = label(Settings.defaults(), pairs(50, 8), 13);
        Path file = dir.resolve("gold.jsonl");
        labelling.writeGoldOrdering(file);
        List<String> lines = Files.readAllLines(file);
        assertEquals(50, lines.size());
        for (int i = 0; i < lines.size(); i++) {
            JsonNode line = JsonFiles.MAPPER.readTree(lines.get(i));
            LabelledPair pair = labelling.pairs().get(i);
            assertEquals(pair.taskId(), line.get("task_id").asInt());
            assertEquals(pair.left().text(), line.get("answer1").asText());
            assertEquals(pair.goldLeft().value(), line.get("gold_answer1").asDouble());
            assertEquals(pair.goldPreferred().map(Side::value).orElse("tie"), line.get("gold_preferred").asText());
        }
    }

    @Test
    void settingsAreValidated() {
        List<Annotator> panel = Settings.defaults().panel();
        assertEquals("annotation.max_annotators_per_pair must be between 2 and 5, but is: 6",
                assertThrows(IllegalArgumentException.class, () -> new Settings(panel, 2, 6, 0, true)).getMessage());
        assertEquals("annotation.min_annotators_per_pair must be between 1 and 5, but is: 0",
                assertThrows(IllegalArgumentException.class, () -> new Settings(panel, 0, 2, 0, true)).getMessage());
        assertEquals("annotation.cancel_rate must be between 0 and 0.999, but is: 1.5",
                assertThrows(IllegalArgumentException.class, () -> new Settings(panel, 2, 3, 1.5, true)).getMessage());
        assertEquals("annotation.panel user ids must be distinct, but 1 appears twice",
                assertThrows(IllegalArgumentException.class, () -> new Settings(
                        List.of(new Annotator(1, "a", 1, 0), new Annotator(1, "b", 1, 0)), 1, 1, 0, true)).getMessage());
        assertEquals("annotator.temperature must be a positive number, but is: 0",
                assertThrows(IllegalArgumentException.class, () -> new Annotator(1, "a", 0, 0)).getMessage());
        assertEquals("annotator.left_bias must be between 0 and 0.999, but is: 1",
                assertThrows(IllegalArgumentException.class, () -> new Annotator(1, "a", 1, 1)).getMessage());
        assertFalse(Settings.defaults().panel().isEmpty());
    }
}
