package dev.rlhf4j.demo.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoTaskTest {

    private static final ReviewGrammar GRAMMAR = ReviewGrammar.standard();

    private static List<JsonNode> readLines(Path file) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            lines.add(JsonFiles.MAPPER.readTree(line));
        }
        return lines;
    }

    private static Set<String> keys(JsonNode node) {
        Set<String> keys = new TreeSet<>();
        node.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    @Test
    void quickGenerationWritesEveryFile(@TempDir Path dir) throws Exception {
        DemoTaskConfig config = DemoTaskConfig.quick();
        DemoTask.Files files = DemoTask.generate(dir.resolve("data"), 42, true);

        List<JsonNode> corpus = readLines(files.corpus());
        assertEquals(config.corpusSize(), corpus.size());
        for (JsonNode line : corpus) {
            assertEquals(Set.of("text"), keys(line));
            List<String> words = ReviewGrammar.words(line.get("text").asText());
            assertTrue(GRAMMAR.isGrammatical(words), line.toString());
            assertTrue(words.size() <= config.maxReviewWords());
        }
        for (Path sft : List.of(files.sft(), files.sftEval())) {
            List<JsonNode> lines = readLines(sft);
            assertEquals(sft.equals(files.sft()) ? config.sftSize() : config.sftEvalSize(), lines.size());
            for (JsonNode line : lines) {
                assertEquals(Set.of("prompt", "completion"), keys(line));
                List<String> prompt = ReviewGrammar.words(line.get("prompt").asText());
                List<String> completion = ReviewGrammar.words(line.get("completion").asText());
                assertTrue(GRAMMAR.isGrammatical(GRAMMAR.topicOf(prompt), completion), line.toString());
                assertTrue(1 + prompt.size() + completion.size() + 1 <= config.modelMaxLength(), line.toString());
            }
        }
        assertEquals(config.ppoPromptCount(), readLines(files.ppoPrompts()).size());
        List<JsonNode> evalPrompts = readLines(files.evalPrompts());
        assertEquals(config.evalPromptCount(), evalPrompts.size());
        assertEquals(Set.of("prompt"), keys(evalPrompts.get(0)));

        for (String name : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")) {
            assertTrue(Files.isRegularFile(files.tokenizer().resolve(name)), name);
        }
        JsonNode task = JsonFiles.MAPPER.readTree(files.task().toFile());
        assertEquals(42, task.get("seed").asLong());
        assertEquals(config.corpusSize(), task.at("/config/corpus_size").asInt());
        assertEquals(0.3, task.at("/config/annotation/panel/4/left_bias").asDouble());
        try (Stream<Path> leftovers = Files.walk(dir)) {
            assertTrue(leftovers.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")));
        }
    }

    @Test
    void generationIsDeterministicGivenTheSeed(@TempDir Path dir) throws Exception {
        DemoTask.Files one = DemoTask.generate(dir.resolve("one"), 7, true);
        DemoTask.generate(dir.resolve("two"), 7, true);
        DemoTask.Files other = DemoTask.generate(dir.resolve("other"), 8, true);
        for (String name : List.of(DemoTask.CORPUS, DemoTask.SFT, DemoTask.SFT_EVAL, DemoTask.PPO_PROMPTS,
                DemoTask.EVAL_PROMPTS, "tokenizer/tokenizer.json", "tokenizer/tokenizer_config.json")) {
            assertEquals(Files.readString(dir.resolve("one").resolve(name)), Files.readString(dir.resolve("two").resolve(name)), name);
        }
        assertNotEquals(Files.readString(one.corpus()), Files.readString(other.corpus()));
        assertNotEquals(Files.readString(one.sft()), Files.readString(other.sft()));
        assertNotEquals(Files.readString(one.sft()), Files.readString(one.sftEval()), "sft and sft-eval use different seeds");
        assertEquals(Files.readString(one.tokenizer().resolve("tokenizer.json")),
                Files.readString(other.tokenizer().resolve("tokenizer.json")), "the tokenizer depends on the grammar only");
    }

    @Test
    void demonstrationsAreNeutralOnAverageSoPpoHasRoomToImprove() {
        DemoTaskConfig config = DemoTaskConfig.standard();
        double sum = 0;
        List<Demonstration> demonstrations = GRAMMAR.demonstrations(2000, config.sftTone(), config.maxReviewWords(), 3);
        for (Demonstration d : demonstrations) {
            sum += GoldReward.standard().value(Response.complete(d.completion()));
        }
        double mean = sum / demonstrations.size();
        assertEquals(0, mean, 0.1);
    }

    @Test
    void subSeedsDifferByPurpose() {
        assertNotEquals(DemoTask.subSeed(1, DemoTask.SFT), DemoTask.subSeed(1, DemoTask.SFT_EVAL));
        assertNotEquals(DemoTask.subSeed(1, DemoTask.SFT), DemoTask.subSeed(2, DemoTask.SFT));
        assertEquals(DemoTask.subSeed(1, DemoTask.SFT), DemoTask.subSeed(1, DemoTask.SFT));
    }

    @Test
    void configIsValidated() {
        DemoTaskConfig q = DemoTaskConfig.quick();
        assertEquals("demo.model_max_length must be at least 32, but is: 31",
                assertThrows(IllegalArgumentException.class, () -> new DemoTaskConfig(q.corpusSize(), q.sftSize(),
                        q.sftEvalSize(), q.ppoPromptCount(), q.evalPromptCount(), q.preferencePairs(), q.corpusTone(),
                        q.sftTone(), 22, 31, q.annotation())).getMessage());
        assertEquals("demo.max_review_words must be at least 14, but is: 10",
                assertThrows(IllegalArgumentException.class, () -> new DemoTaskConfig(q.corpusSize(), q.sftSize(),
                        q.sftEvalSize(), q.ppoPromptCount(), q.evalPromptCount(), q.preferencePairs(), q.corpusTone(),
                        q.sftTone(), 10, 32, q.annotation())).getMessage());
        assertEquals("demo.corpus_size must be at least 1, but is: 0",
                assertThrows(IllegalArgumentException.class, () -> new DemoTaskConfig(0, q.sftSize(),
                        q.sftEvalSize(), q.ppoPromptCount(), q.evalPromptCount(), q.preferencePairs(), q.corpusTone(),
                        q.sftTone(), 22, 32, q.annotation())).getMessage());
    }
}
