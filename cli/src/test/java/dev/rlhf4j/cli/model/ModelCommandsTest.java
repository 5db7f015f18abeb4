package dev.rlhf4j.cli.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.cli.Rlhf4j;
import dev.rlhf4j.core.checkpoint.NamedTensor;
import dev.rlhf4j.core.checkpoint.SafetensorsCheckpoint;
import dev.rlhf4j.core.checkpoint.SafetensorsWriter;
import dev.rlhf4j.core.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

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

    /** Runs a command, returning its exit code, its stdout and its own message on stderr. */
    private static String[] runForExit(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Rlhf4j.commandLine().execute(args);
            String message = err.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("rlhf4j "))
                    .findFirst().orElse(err.toString(StandardCharsets.UTF_8)); // without the libraries' log lines
            return new String[] {String.valueOf(code), out.toString(StandardCharsets.UTF_8), message};
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** A NaN or infinite perplexity is a failure, not a number to report. */
    @Test
    void perplexityThatIsNotFiniteExitsOne(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("texts.jsonl");
        Files.writeString(data, "{\"text\": \"The miller and the baker.\"}\n");
        Path empty = tmp.resolve("empty.jsonl");
        Files.writeString(empty, "{\"text\": \"\"}\n");
        Path gpt2 = Fixtures.parityModel("gpt2");
        String[] none = runForExit("perplexity", "--model", gpt2.toString(), "--data", empty.toString());
        assertEquals("1", none[0], none[2]);
        assertEquals("rlhf4j perplexity: the result is not finite (mean NLL NaN, perplexity NaN) for model " + gpt2
                + " on data " + empty + ": no token was scored (every text has fewer than 2 tokens)", none[2].strip());

        // finite weights whose outputs overflow: the final norm's gain at the largest float
        Path broken = tmp.resolve("broken");
        Files.createDirectories(broken);
        try (Stream<Path> files = Files.list(gpt2)) {
            for (Path f : files.toList()) {
                if (!f.getFileName().toString().endsWith(".safetensors")) {
                    Files.copy(f, broken.resolve(f.getFileName()));
                }
            }
        }
        List<NamedTensor> tensors = new ArrayList<>();
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(gpt2)) {
            for (String name : c.names()) {
                float[] v = c.readFloats(name);
                if (name.equals("transformer.ln_f.weight")) {
                    java.util.Arrays.fill(v, Float.MAX_VALUE);
                }
                tensors.add(NamedTensor.f32(name, c.info(name).shape(), v));
            }
        }
        SafetensorsWriter.write(broken.resolve("model.safetensors"), tensors, SafetensorsWriter.TRANSFORMERS_METADATA);
        String[] overflow = runForExit("perplexity", "--model", broken.toString(), "--data", data.toString());
        assertEquals("1", overflow[0], overflow[2]);
        assertEquals("rlhf4j perplexity: the result is not finite (mean NLL NaN, perplexity NaN) for model " + broken
                + " on data " + data + ": the model's log-probabilities are not finite (its weights are broken or its"
                + " outputs overflow)", overflow[2].strip());
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

    @Test
    void inspectDescribesAnEncoder() {
        String inspect = run("model", "inspect", Fixtures.path("encoders/deberta-v3").toString());
        assertTrue(inspect.startsWith("model_type       deberta-v2 (encoder, DebertaV2ForSequenceClassification; a reward"
                + " model only)"), inspect);
        assertTrue(inspect.contains("attention        disentangled c2p p2c, span 8, shared keys\n"), inspect);
    }

    /**
     * {@code --num-beams}: the best hypotheses of each prompt, best first, with their scores; the
     * options reach the search ({@link dev.rlhf4j.core.generate.BeamSearch}, checked against
     * transformers by BeamSearchTest); one beam is greedy decoding.
     */
    @Test
    void beamSearchReturnsTheBestHypothesesOfEachPrompt(@TempDir Path tmp) throws Exception {
        String dir = Fixtures.parityModel("llama").toString();
        Path prompts = tmp.resolve("p.jsonl");
        Files.writeString(prompts, "{\"prompt\": \"She lit\"}\n{\"prompt\": \"On market days the\"}\n");
        List<JsonNode> rows = new ArrayList<>();
        for (String line : run("generate", "--model", dir, "--prompts", prompts.toString(), "--num-beams", "3",
                "--num-return-sequences", "2", "--length-penalty", "0", "--early-stopping", "never",
                "--max-new-tokens", "6", "--json").strip().split("\n")) {
            rows.add(JSON.readTree(line));
        }
        assertEquals(4, rows.size());
        List<long[]> ids;
        try (dev.rlhf4j.core.tokenizer.Tokenizer tok = dev.rlhf4j.core.tokenizer.Tokenizer.load(Path.of(dir))) {
            ids = List.of(tok.encode("She lit"), tok.encode("On market days the"));
            try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager();
                    dev.rlhf4j.core.model.CausalLM lm = dev.rlhf4j.core.checkpoint.ModelDirectory.loadCausalLM(
                            Path.of(dir), m, true)) {
                var cfg = new dev.rlhf4j.core.generate.BeamConfig(3, 6, 0f,
                        dev.rlhf4j.core.generate.BeamConfig.EarlyStopping.NEVER, 2, List.of());
                var found = new dev.rlhf4j.core.generate.BeamSearch(lm, tok.padId(), tok.eosIds()).generate(ids, cfg, m);
                for (int row = 0; row < 4; row++) {
                    JsonNode r = rows.get(row);
                    assertEquals(row / 2, r.get("index").asInt());
                    assertEquals(row % 2, r.get("rank").asInt());
                    assertEquals(found.scores()[row], r.get("score").floatValue(), 0f);
                    assertEquals(tok.decode(found.sequences().response(row), true), r.get("response").asText());
                }
            }
        }
        assertTrue(rows.get(0).get("score").asDouble() >= rows.get(1).get("score").asDouble());
        JsonNode oneBeam = JSON.readTree(run("generate", "--model", dir, "--prompt", "She lit", "--num-beams", "1",
                "--max-new-tokens", "6", "--json"));
        JsonNode greedy = JSON.readTree(run("generate", "--model", dir, "--prompt", "She lit", "--greedy",
                "--max-new-tokens", "6", "--json"));
        assertEquals(greedy.get("response"), oneBeam.get("response"));
    }

    /** Inspect reads every header and checks that the file holds each tensor's data, not only config.json. */
    @Test
    void inspectRefusesTruncatedWeights(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("llama");
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(Fixtures.parityModel("llama"))) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        Path weights = dir.resolve("model.safetensors");
        try (FileChannel ch = FileChannel.open(weights, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 100);
        }
        StringWriter err = new StringWriter();
        CommandLine cli = Rlhf4j.commandLine();
        cli.setErr(new PrintWriter(err, true));
        PrintStream old = System.out;
        System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        int code;
        try {
            code = cli.execute("model", "inspect", dir.toString());
        } finally {
            System.setOut(old);
        }
        assertEquals(1, code);
        assertEquals(List.of("rlhf4j model inspect: " + weights + ": tensor \"model.norm.weight\" has data_offsets"
                + " [197120, 197248] but the byte buffer after the header holds only 197148 bytes: the file is truncated"),
                err.toString().lines().toList());
    }

    /** A PEFT-made adapter merged by the command gives the logits PEFT computed (tools/make_lora_fixtures.py). */
    @ParameterizedTest
    @ValueSource(strings = {"llama", "gpt2", "gpt2-rm"})
    void mergeWritesAFullModelWithTheAdaptersLogits(String name, @TempDir Path tmp) throws Exception {
        Path adapter = Fixtures.path("lora/" + name);
        Path out = tmp.resolve("merged");
        run("model", "merge", "--adapter", adapter.toString(), "--output", out.toString());
        String inspected = run("model", "inspect", adapter.toString());
        assertTrue(inspected.contains("adapter          PEFT LoRA") && inspected.contains("model_type"), inspected);
        assertTrue(Files.exists(out.resolve("config.json")) && !Files.exists(out.resolve("adapter_config.json")));
        JsonNode exp = Fixtures.readJson(adapter.resolve("expected.json"));
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
            ai.djl.ndarray.NDArray ids = m.create(Fixtures.longMatrix(exp.get("input_ids")));
            ai.djl.ndarray.NDArray mask = m.create(Fixtures.longMatrix(exp.get("attention_mask")));
            float[] got;
            float[] want;
            if (name.endsWith("-rm")) {
                try (dev.rlhf4j.rm.RewardModel rm = dev.rlhf4j.rm.RewardModel.load(out, m)) {
                    got = rm.scores(ids, mask).toFloatArray();
                }
                want = Fixtures.floats(exp.get("scores"));
            } else {
                try (dev.rlhf4j.core.model.CausalLM lm = dev.rlhf4j.core.checkpoint.ModelDirectory.loadCausalLM(out, m,
                        true)) {
                    got = lm.forward(ids, mask, null, null, false).logits().get(0).toFloatArray(); // row 0: no padding
                }
                want = java.util.Arrays.copyOf(Fixtures.floats(exp.get("logits")), got.length);
            }
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], 1e-4, name + " value " + i);
            }
        }
    }
}
