package dev.rlhf4j.cli.rm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.cli.Rlhf4j;
import dev.rlhf4j.core.testing.Fixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code rlhf4j rm eval|score|train} on the GPT-2 parity reward model and small files. */
class RmCommandTest {

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

    private Path rewardBench() throws Exception {
        Path f = tmp.resolve("rewardbench.jsonl");
        String[] subsets = {"alpacaeval-easy", "mt-bench-hard", "refusals-dangerous", "hep-python"};
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            lines.add(JSON.writeValueAsString(java.util.Map.of("id", i, "subset", subsets[i % 4],
                    "prompt", "Who is the baker " + i + "?", "chosen", "A woman from the mill.", "rejected", "Socks.")));
        }
        Files.write(f, lines);
        return f;
    }

    @Test
    void evalPrintsTheSummaryAndWritesTheReports() throws Exception {
        Path json = tmp.resolve("out/report.json");
        Path html = tmp.resolve("out/report.html");
        Run r = run("rm", "eval", "--model", Fixtures.parityModel("gpt2-rm").toString(), "--data", rewardBench().toString(),
                "--out", json.toString(), "--html", html.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("gpt2-rm: 8 pairs (0 labelled ties excluded), accuracy "), r.out());
        assertTrue(r.out().contains("rewardbench Score: "), r.out());
        assertTrue(r.out().contains("scored 8 pairs (16 distinct sequences"), r.out());
        JsonNode report = JSON.readTree(json.toFile());
        assertEquals(8, report.get("pairs").asInt());
        assertEquals("gpt2-rm", report.at("/rewardbench/model").asText());
        assertTrue(report.at("/rewardbench/Chat Hard").isNumber());
        assertTrue(Files.size(tmp.resolve("out/report-reliability.png")) > 0);
        assertTrue(Files.readString(html).contains("RewardBench sections"));
    }

    @Test
    void scoreAddsTheScoresToEveryRecord() throws Exception {
        Path in = tmp.resolve("in.jsonl");
        Files.write(in, List.of(
                "{\"prompt\": \"Who is the baker?\", \"chosen\": \" A woman.\", \"rejected\": \" Socks.\"}",
                "{\"prompt\": \"Who is the baker?\", \"response\": \" A woman.\", \"keep\": 1}",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"Who is the baker?\"}, {\"role\": \"assistant\", \"content\": \"A woman.\"}]}",
                "{\"text\": \"Who is the baker?\\nA woman.\"}"));
        Path out = tmp.resolve("scored.jsonl");
        Run r = run("rm", "score", "--model", Fixtures.parityModel("gpt2-rm").toString(), "--data", in.toString(),
                "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().startsWith("rlhf4j rm score: 4 records, 5 sequences (4 distinct"), r.err());
        List<String> lines = Files.readAllLines(out);
        assertEquals(4, lines.size());
        JsonNode pair = JSON.readTree(lines.get(0));
        assertTrue(pair.get("reward_chosen").isNumber() && pair.get("reward_rejected").isNumber());
        JsonNode single = JSON.readTree(lines.get(1));
        assertEquals(1, single.get("keep").asInt());
        assertTrue(single.get("reward").isNumber());
        // a TRL string pair is text: its chosen side is the prompt/response line's text
        assertEquals(pair.get("reward_chosen").asDouble(), single.get("reward").asDouble());
        assertTrue(JSON.readTree(lines.get(2)).get("reward").isNumber());
        // the fixture's first text is "How does the mill work?\nThe river turns the wheel." + EOS; this one is its own
        assertTrue(JSON.readTree(lines.get(3)).get("reward").isNumber());
    }

    /** An encoder reward model (DeBERTa-v3 fixture) behind the same commands: scores as transformers gives them. */
    @Test
    void scoreAndEvalReadAnEncoderRewardModel() throws Exception {
        Path model = Fixtures.path("encoders/deberta-v3");
        JsonNode expected = Fixtures.readJson(model.resolve("expected.json"));
        JsonNode pairs = expected.get("pairs");
        int first = expected.get("texts").size() - pairs.size();
        Path in = tmp.resolve("pairs.jsonl");
        Files.write(in, List.of(JSON.writeValueAsString(java.util.Map.of("prompt", pairs.get(0).get(0).asText(),
                "chosen", pairs.get(0).get(1).asText(), "rejected", pairs.get(1).get(1).asText()))));
        Path out = tmp.resolve("scored.jsonl");
        Run r = run("rm", "score", "--model", model.toString(), "--data", in.toString(), "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode scored = JSON.readTree(Files.readAllLines(out).get(0));
        assertEquals(expected.get("scores").get(first).asDouble(), scored.get("reward_chosen").asDouble(), 1e-4);
        assertEquals(expected.get("scores").get(first + 1).asDouble(), scored.get("reward_rejected").asDouble(), 1e-4);
        Run eval = run("rm", "eval", "--model", model.toString(), "--data", in.toString(), "--out",
                tmp.resolve("report.json").toString());
        assertEquals(0, eval.exit(), eval.err());
        boolean chosenWins = scored.get("reward_chosen").asDouble() > scored.get("reward_rejected").asDouble();
        assertEquals(chosenWins ? 1.0 : 0.0, JSON.readTree(tmp.resolve("report.json").toFile()).get("accuracy").asDouble());
    }

    /** {@code --torch-profile} records the command's libtorch operations, the model's matmuls among them. */
    @Test
    void torchProfileRecordsTheCommandsOperations() throws Exception {
        Path in = tmp.resolve("lines.jsonl");
        Files.write(in, List.of("{\"prompt\": \"Who is the baker?\", \"response\": \"A woman.\"}"));
        Path trace = tmp.resolve("trace.json");
        Run r = run("rm", "score", "--model", Fixtures.parityModel("gpt2-rm").toString(), "--data", in.toString(),
                "--out", tmp.resolve("scored.jsonl").toString(), "--torch-profile", trace.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode events = JSON.readTree(trace.toFile());
        events = events.isArray() ? events : events.get("traceEvents");
        List<String> names = new ArrayList<>();
        events.forEach(e -> names.add(e.path("name").asText()));
        assertTrue(names.contains("aten::mm") || names.contains("aten::matmul") || names.contains("aten::addmm"),
                "no matmul among " + names.size() + " events");
    }

    /** rm score and rm eval never write over their input; the refusal names the option and the file. */
    @Test
    void scoreAndEvalNeverWriteOverTheirInput() throws Exception {
        Path in = rewardBench();
        byte[] before = Files.readAllBytes(in);
        String rule = " must not be one of the inputs (it is written while they are read), but is: " + in;
        Run score = run("rm", "score", "--model", Fixtures.parityModel("gpt2-rm").toString(), "--data", in.toString(),
                "--out", in.toString());
        assertEquals(2, score.exit(), "a usage error, like data import's and data split's");
        assertEquals("rlhf4j rm score: --out" + rule, score.err().strip());
        Run eval = run("rm", "eval", "--model", Fixtures.parityModel("gpt2-rm").toString(), "--data", in.toString(),
                "--out", tmp.resolve("report.json").toString(), "--html", in.toString());
        assertEquals(2, eval.exit());
        assertEquals("rlhf4j rm eval: --html" + rule, eval.err().strip());
        assertArrayEquals(before, Files.readAllBytes(in));
        assertEquals(List.of("rewardbench.jsonl"), Files.list(tmp).map(p -> p.getFileName().toString()).toList());
    }

    @Test
    void scoreNamesTheLineItCannotUse() throws Exception {
        Path in = tmp.resolve("bad.jsonl");
        Files.write(in, List.of("{\"text\": \"fine\"}", "{\"question\": \"?\"}"));
        Run r = run("rm", "score", "--model", Fixtures.parityModel("gpt2-rm").toString(), "--data", in.toString());
        assertEquals(1, r.exit());
        assertEquals("rlhf4j rm score: " + in + ":2: nothing to score: expected chosen/rejected (a pair), response (with"
                + " an optional prompt), messages, or text", r.err().strip());
    }

    @Test
    void trainRunsTheStageFromAConfigAndReportsConfigErrors() throws Exception {
        Path data = tmp.resolve("train.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            lines.add("{\"prompt\": [{\"role\": \"user\", \"content\": \"Q" + i + "\"}], \"chosen\": [{\"role\":"
                    + " \"assistant\", \"content\": \"honey\"}], \"rejected\": [{\"role\": \"assistant\", \"content\": \"socks\"}]}");
        }
        Files.write(data, lines);
        Path config = tmp.resolve("run.yaml");
        Files.writeString(config, "name: t\nreward_model:\n  init: " + Fixtures.parityModel("gpt2") + "\n  data: [" + data
                + "]\n  training: {max_steps: 2, batch_size: 2, log_every: 1}\n");
        Path runDir = tmp.resolve("run");
        Run r = run("rm", "train", "-c", config.toString(), "--run-dir", runDir.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("rm: 2 steps on 6 pairs (6 groups, 0 ties left out)"), r.out());
        assertTrue(Files.exists(runDir.resolve("reward_model/model/config.json")));
        assertTrue(Files.exists(runDir.resolve("config.yaml")));

        Run bad = run("rm", "train", "-c", config.toString(), "--set", "reward_model.center_coef=-1");
        assertEquals(2, bad.exit());
        assertEquals("rlhf4j rm train: " + config + ": reward_model.center_coef must be >= 0, but is: -1", bad.err().strip());
    }

    /**
     * A GPT-2 reward model made by transformers whose pad id equals its EOS id (the usual GPT-2 and
     * SmolLM2 setup): {@code rm score} must give transformers' scores (tools/make_pad_eos_fixture.py),
     * for prompt/response texts and for TRL pairs, and so must the canonical records {@code data
     * import} makes of those pairs.
     */
    @Test
    void scoresEqualTransformersWhenPadIsEos() throws Exception {
        Path model = Fixtures.parityModel("gpt2-rm-pad-eos");
        JsonNode expected = JSON.readTree(model.resolve("expected.json").toFile());
        List<String> lines = new ArrayList<>();
        for (JsonNode t : expected.get("texts")) {
            lines.add(JSON.writeValueAsString(java.util.Map.of("prompt", t.get("prompt").asText(),
                    "response", t.get("response").asText())));
        }
        Path pairs = tmp.resolve("trl.jsonl");
        List<String> pairLines = new ArrayList<>();
        for (JsonNode p : expected.get("pairs")) {
            pairLines.add(JSON.writeValueAsString(java.util.Map.of("prompt", p.get("prompt").asText(),
                    "chosen", p.get("chosen").asText(), "rejected", p.get("rejected").asText())));
        }
        Files.write(pairs, pairLines);
        lines.addAll(pairLines);
        Path in = tmp.resolve("in.jsonl");
        Files.write(in, lines);
        Path out = tmp.resolve("scored.jsonl");
        Run r = run("rm", "score", "--model", model.toString(), "--data", in.toString(), "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        List<String> scored = Files.readAllLines(out);
        int n = expected.get("texts").size();
        for (int i = 0; i < n; i++) {
            assertEquals(expected.get("texts").get(i).get("score").asDouble(), JSON.readTree(scored.get(i)).get("reward").asDouble(),
                    1e-4, "text " + i);
        }
        Path canonical = tmp.resolve("canonical.jsonl");
        assertEquals(0, run("data", "import", pairs.toString(), "-o", canonical.toString()).exit());
        Path canonicalScored = tmp.resolve("canonical-scored.jsonl");
        assertEquals(0, run("rm", "score", "--model", model.toString(), "--data", canonical.toString(),
                "--out", canonicalScored.toString()).exit());
        List<String> fromCanonical = Files.readAllLines(canonicalScored);
        for (int i = 0; i < expected.get("pairs").size(); i++) {
            JsonNode want = expected.get("pairs").get(i);
            for (JsonNode got : List.of(JSON.readTree(scored.get(n + i)), JSON.readTree(fromCanonical.get(i)))) {
                assertEquals(want.get("reward_chosen").asDouble(), got.get("reward_chosen").asDouble(), 1e-4, "pair " + i);
                assertEquals(want.get("reward_rejected").asDouble(), got.get("reward_rejected").asDouble(), 1e-4, "pair " + i);
            }
        }
    }
}
