package dev.rlhf4j.cli.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.cli.Rlhf4j;
import dev.rlhf4j.core.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The model commands on the transformers fixtures: perplexity equals transformers', generate and inspect run. */
class ModelCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int code = Rlhf4j.commandLine().execute(args);
            assertEquals(0, code, String.join(" ", args));
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "qwen2"})
    void perplexityMatchesTransformers(String name, @TempDir Path tmp) throws Exception {
        JsonNode expected = Fixtures.expected(name).get("perplexity");
        List<String> lines = new ArrayList<>();
        for (JsonNode t : expected.get("texts")) {
            lines.add(JSON.createObjectNode().put("text", t.get("text").asText()).toString());
        }
        Path data = tmp.resolve("texts.jsonl");
        Files.write(data, lines);
        JsonNode out = JSON.readTree(run("perplexity", "--model", Fixtures.parityModel(name).toString(), "--data", data.toString()));
        assertEquals(expected.get("tokens_scored").asLong(), out.get("tokens_scored").asLong());
        assertEquals(expected.get("mean_nll").asDouble(), out.get("mean_nll").asDouble(), 1e-5 * expected.get("mean_nll").asDouble());
        assertEquals(expected.get("perplexity").asDouble(), out.get("perplexity").asDouble(), 1e-4 * expected.get("perplexity").asDouble());
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama"})
    void generateAndInspectRun(String name, @TempDir Path tmp) throws Exception {
        String dir = Fixtures.parityModel(name).toString();
        JsonNode greedy = JSON.readTree(run("generate", "--model", dir, "--prompt", "The miller", "--greedy",
                "--max-new-tokens", "5", "--json"));
        assertTrue(greedy.get("tokens").asInt() >= 1 && greedy.get("tokens").asInt() <= 5);
        Path prompts = tmp.resolve("p.jsonl");
        Files.writeString(prompts, "{\"prompt\": \"She lit\"}\n{\"messages\": [{\"role\": \"user\", \"content\": \"Why?\"}]}\n");
        String many = run("generate", "--model", dir, "--prompts", prompts.toString(), "--max-new-tokens", "4", "--json");
        assertEquals(2, many.strip().split("\n").length);
        String inspect = run("model", "inspect", dir);
        assertTrue(inspect.contains("llama") && inspect.contains("kv heads 2"), inspect);
    }
}
