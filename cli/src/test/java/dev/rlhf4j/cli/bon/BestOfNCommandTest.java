package dev.rlhf4j.cli.bon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.cli.Rlhf4j;
import dev.rlhf4j.core.testing.Fixtures;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.sft.SftConfig;
import dev.rlhf4j.sft.SftDataset;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * {@code rlhf4j best-of-n} on the tiny parity policies and reward models: the score written for a
 * sample is what {@code rm score} gives the same prompt and response; the best file is SFT data;
 * the same seed gives the same files; bad options and files are refused naming them.
 */
class BestOfNCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Rlhf4j.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private Path prompts(String kind) throws Exception {
        Path file = tmp.resolve("prompts-" + kind + ".jsonl");
        Files.write(file, kind.equals("text")
                ? List.of("{\"prompt\": \"Who is the baker?\"}", "", "{\"prompt\": \"The river\"}")
                : List.of("{\"messages\": [{\"role\": \"user\", \"content\": \"Who is the baker?\"}]}",
                        "{\"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"},"
                                + " {\"role\": \"user\", \"content\": \"What is sold?\"}]}"));
        return file;
    }

    private static Run bestOfN(String policy, String rewardModel, Path prompts, Path output, String... more) {
        List<String> args = new ArrayList<>(List.of("best-of-n", "--model", Fixtures.parityModel(policy).toString(),
                "--reward-model", Fixtures.parityModel(rewardModel).toString(), "--prompts", prompts.toString(),
                "--output", output.toString(), "--max-new-tokens", "6", "--batch-size", "3"));
        args.addAll(List.of(more));
        if (!args.contains("--n")) {
            args.addAll(List.of("--n", "5"));
        }
        return run(args.toArray(String[]::new));
    }

    private static List<JsonNode> lines(Path file) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(file)) {
            out.add(JSON.readTree(l));
        }
        return out;
    }

    @ParameterizedTest
    @CsvSource({"gpt2, gpt2-rm, text", "llama, llama-rm, messages"})
    void scoresEqualRmScoreAndTheBestFileIsSftData(String policy, String rewardModel, String kind) throws Exception {
        Path best = tmp.resolve("best.jsonl");
        Path all = tmp.resolve("all.jsonl");
        Run r = bestOfN(policy, rewardModel, prompts(kind), best, "--all", all.toString(), "--seed", "3",
                "--missing-eos", "ignore");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().startsWith("rlhf4j best-of-n: 2 prompts x 5 samples in "), r.err());
        assertTrue(r.err().contains("mean raw score of the best of k: k=1 "), r.err());

        // every sample's score is rm score's reward for the same line
        Path scored = tmp.resolve("scored.jsonl");
        Run score = run("rm", "score", "--model", Fixtures.parityModel(rewardModel).toString(), "--data",
                all.toString(), "--out", scored.toString());
        assertEquals(0, score.exit(), score.err());
        List<JsonNode> samples = lines(scored);
        assertEquals(10, samples.size());
        for (JsonNode s : samples) {
            assertTrue(kind.equals("text") ? s.get("prompt").isTextual() : s.get("prompt").isArray(), s.toString());
            assertEquals(s.get("reward").asDouble(), s.get("score").asDouble(), 1e-5, s.toString());
        }

        // the best line: the rank-1 sample, its score, the n scores in sampling order
        List<JsonNode> bests = lines(best);
        assertEquals(2, bests.size());
        for (int i = 0; i < 2; i++) {
            JsonNode b = bests.get(i);
            assertEquals(i, b.get("index").asInt());
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < 5; j++) {
                JsonNode s = samples.get(5 * i + j);
                assertEquals(s.get("score").asDouble(), b.get("scores").get(j).asDouble(), 0.0);
                max = Math.max(max, s.get("score").asDouble());
                if (s.get("rank").asInt() == 1) {
                    assertEquals(j, b.get("sample").asInt());
                    String response = s.get("response").asText();
                    assertEquals(response, kind.equals("text") ? b.get("completion").asText()
                            : b.get("messages").get(b.get("messages").size() - 1).get("content").asText());
                }
            }
            assertEquals(max, b.get("score").asDouble(), 0.0, "--missing-eos ignore: the best is the highest score");
        }
        if (kind.equals("messages")) { // a conversation line reads the same in rm score
            Path bestScored = tmp.resolve("best-scored.jsonl");
            assertEquals(0, run("rm", "score", "--model", Fixtures.parityModel(rewardModel).toString(), "--data",
                    best.toString(), "--out", bestScored.toString()).exit());
            for (JsonNode b : lines(bestScored)) {
                assertEquals(b.get("reward").asDouble(), b.get("score").asDouble(), 1e-5, b.toString());
            }
        } else {
            assertEquals(bests.get(1).get("prompt").asText(), "The river");
        }

        // the SFT stage reads the best file as it is: every record kept, trained on the chosen response
        try (Tokenizer tok = Tokenizer.load(Fixtures.parityModel(policy))) {
            SftDataset data = SftDataset.load(best, tok, 256, SftConfig.Truncation.DROP);
            assertEquals(2, data.stats().read());
            assertEquals(2, data.stats().kept());
            for (int i = 0; i < 2; i++) {
                var e = data.examples().get(i);
                List<Long> trained = new ArrayList<>();
                for (int t = 0; t < e.length(); t++) {
                    if (e.trained()[t]) {
                        trained.add(e.ids()[t]);
                    }
                }
                String completion = tok.decode(trained.stream().mapToLong(Long::longValue).toArray(), true);
                JsonNode b = bests.get(i);
                String response = kind.equals("text") ? b.get("completion").asText()
                        : b.get("messages").get(b.get("messages").size() - 1).get("content").asText();
                assertTrue(completion.contains(response.strip()), "trained on: " + completion + ", best: " + response);
            }
        }
    }

    @Test
    void theSameSeedWritesTheSameFiles() throws Exception {
        Path prompts = prompts("text");
        Path[] out = {tmp.resolve("a.jsonl"), tmp.resolve("b.jsonl"), tmp.resolve("c.jsonl")};
        String[] seeds = {"7", "7", "8"};
        for (int i = 0; i < 3; i++) {
            Run r = bestOfN("gpt2", "gpt2-rm", prompts, out[i], "--all", tmp.resolve("all-" + i + ".jsonl").toString(),
                    "--seed", seeds[i]);
            assertEquals(0, r.exit(), r.err());
        }
        assertArrayEquals(Files.readAllBytes(out[0]), Files.readAllBytes(out[1]));
        assertArrayEquals(Files.readAllBytes(tmp.resolve("all-0.jsonl")), Files.readAllBytes(tmp.resolve("all-1.jsonl")));
        assertFalse(Files.readString(tmp.resolve("all-0.jsonl")).equals(Files.readString(tmp.resolve("all-2.jsonl"))),
                "another seed draws other samples");
    }

    @Test
    void badOptionsAndFilesAreRefusedNamingThem() throws Exception {
        Path prompts = prompts("text");
        byte[] before = Files.readAllBytes(prompts);
        Path best = tmp.resolve("best.jsonl");

        Path missing = tmp.resolve("nope.jsonl");
        Run r = bestOfN("gpt2", "gpt2-rm", missing, best);
        assertEquals(1, r.exit());
        assertEquals("rlhf4j best-of-n: --prompts: " + missing + ": file not found", r.err().strip());

        r = run("best-of-n", "--model", tmp.resolve("no-model").toString(), "--reward-model",
                Fixtures.parityModel("gpt2-rm").toString(), "--prompts", prompts.toString(), "--n", "2", "--output",
                best.toString());
        assertEquals(1, r.exit());
        assertEquals("rlhf4j best-of-n: --model: " + tmp.resolve("no-model") + ": directory not found", r.err().strip());

        r = bestOfN("gpt2", "gpt2-rm", prompts, best, "--n", "0");
        assertEquals(2, r.exit());
        assertEquals("rlhf4j best-of-n: --n must be >= 1, but is: 0", r.err().strip());

        r = bestOfN("gpt2", "gpt2-rm", prompts, best, "--temperature", "0");
        assertEquals(2, r.exit());
        assertEquals("rlhf4j best-of-n: --temperature must be > 0, but is: 0.0", r.err().strip());

        String rule = " must not be one of the inputs (it is written while they are read), but is: ";
        r = bestOfN("gpt2", "gpt2-rm", prompts, prompts);
        assertEquals(2, r.exit());
        assertEquals("rlhf4j best-of-n: --output" + rule + prompts, r.err().strip());
        Path modelFile = Fixtures.parityModel("gpt2-rm").resolve("config.json");
        r = bestOfN("gpt2", "gpt2-rm", prompts, best, "--all", modelFile.toString());
        assertEquals(2, r.exit());
        assertEquals("rlhf4j best-of-n: --all" + rule + modelFile, r.err().strip());
        r = bestOfN("gpt2", "gpt2-rm", prompts, best, "--all", best.toString());
        assertEquals(2, r.exit());
        assertEquals("rlhf4j best-of-n: --all" + rule + best, r.err().strip());

        Path bad = tmp.resolve("bad.jsonl");
        Files.write(bad, List.of("{\"prompt\": \"fine\"}", "{\"text\": \"no prompt\"}"));
        r = bestOfN("gpt2", "gpt2-rm", bad, best);
        assertEquals(1, r.exit());
        assertEquals("rlhf4j best-of-n: " + bad + ":2: field \"prompt\" must be a string, but is: missing", r.err().strip());

        assertArrayEquals(before, Files.readAllBytes(prompts));
        assertEquals(List.of("bad.jsonl", "prompts-text.jsonl"),
                Files.list(tmp).map(p -> p.getFileName().toString()).sorted().toList(), "nothing written");
    }
}
