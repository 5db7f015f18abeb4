package dev.rlhf4j.cli.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.cli.Rlhf4j;
import dev.rlhf4j.core.testing.Fixtures;
import dev.rlhf4j.ppo.PpoConfig;
import dev.rlhf4j.ppo.PpoTrainer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The reward model reads one text, wherever it is used: the raw score PPO gives a sampled
 * (prompt, response) equals what {@code rlhf4j rm score} gives the same sample as a record, for a
 * model without a chat template (a text prompt: plain concatenation) and for one with a template
 * (a conversation prompt: the template).
 */
class RewardInputConsistencyTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @ParameterizedTest
    @CsvSource({"gpt2, gpt2-rm, text", "llama, llama-rm, messages"})
    void ppoScoresEqualRmScoreOfTheSamples(String policy, String rewardModel, String promptKind) throws Exception {
        Path prompts = tmp.resolve("prompts.jsonl");
        Files.write(prompts, promptKind.equals("text")
                ? List.of("{\"prompt\": \"Who is the baker?\"}", "{\"prompt\": \"The river\"}")
                : List.of("{\"messages\": [{\"role\": \"user\", \"content\": \"Who is the baker?\"}]}",
                        "{\"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"},"
                                + " {\"role\": \"user\", \"content\": \"What is sold?\"}]}"));
        PpoConfig cfg = JSON.readValue("""
                {"policy": "%s", "reward_model": "%s", "prompts": "%s", "critic": "policy",
                 "iterations": 1, "batch_size": 4, "ppo_epochs": 1, "max_new_tokens": 6, "temperature": 1.0,
                 "sample_every": 1, "num_samples": 4, "seed": 3}
                """.formatted(Fixtures.parityModel(policy), Fixtures.parityModel(rewardModel), prompts), PpoConfig.class);
        Path run = tmp.resolve("ppo");
        PpoTrainer.run(cfg, run, List.of());

        Path scored = tmp.resolve("scored.jsonl");
        StringWriter err = new StringWriter();
        int exit = Rlhf4j.commandLine().setErr(new PrintWriter(err)).execute("rm", "score", "--model",
                Fixtures.parityModel(rewardModel).toString(), "--data", run.resolve("samples.jsonl").toString(),
                "--out", scored.toString());
        assertEquals(0, exit, err.toString());
        List<String> lines = Files.readAllLines(scored);
        assertEquals(4, lines.size());
        for (String line : lines) {
            JsonNode s = JSON.readTree(line);
            assertTrue(promptKind.equals("text") ? s.get("prompt").isTextual() : s.get("prompt").isArray(), line);
            assertEquals(s.get("score_raw").asDouble(), s.get("reward").asDouble(), 1e-5, line);
        }
    }
}
