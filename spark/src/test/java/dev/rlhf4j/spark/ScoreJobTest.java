package dev.rlhf4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.cli.Rlhf4j;
import dev.rlhf4j.core.testing.Fixtures;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The Spark scoring against {@code rlhf4j rm score} run in the same test, on the GPT-2 parity reward
 * model: the same records in the same order, scores within 1e-6.
 */
class ScoreJobTest {

    private static final Path SAMPLES = Path.of("../preference-data/src/test/resources/samples");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JavaSparkContext sc;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        sc = LocalSpark.start("ScoreJobTest");
    }

    @AfterAll
    static void stop() {
        sc.close();
    }

    /** Pairs (the canonical import of a sample), prompt/response lines, messages, text, and a blank line. */
    private Path data() throws IOException {
        Path canonical = tmp.resolve("canonical.jsonl");
        dev.rlhf4j.data.PreferenceImport.run(dev.rlhf4j.data.ImportOptions.builder()
                .addInput(SAMPLES.resolve("summarize-from-feedback_comparisons_batch13.sample.jsonl"))
                .addInput(SAMPLES.resolve("trl-explicit-text-scores_ActiveUltraFeedback_ultrafeedback_binarized_custom.jsonl"))
                .setOutput(canonical).build());
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(canonical)) {
            // canonical records (long posts: the 64-position parity model sees their ends, as rm score does)
            lines.add(line);
            lines.add(JSON.writeValueAsString(JSON.createObjectNode().put("prompt", "Who is the baker?")
                    .put("response", " number " + lines.size()).put("keep", lines.size())));
        }
        lines.add("");
        lines.add("{\"messages\": [{\"role\": \"user\", \"content\": \"Who is the baker?\"}, {\"role\": \"assistant\", \"content\": \"A woman.\"}]}");
        lines.add("{\"text\": \"Who is the baker?\\nA woman.\"}");
        Path f = tmp.resolve("data.jsonl");
        Files.write(f, lines);
        return f;
    }

    private List<String> rmScore(Path model, Path data) throws IOException {
        Path out = tmp.resolve("one.jsonl");
        StringWriter err = new StringWriter();
        CommandLine cl = Rlhf4j.commandLine();
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute("rm", "score", "--model", model.toString(), "--data", data.toString(), "--out",
                out.toString(), "--batch-size", "4", "--max-length", "64");
        assertEquals(0, exit, err.toString());
        return Files.readAllLines(out);
    }

    private static List<String> lines(Path dir) throws IOException {
        return new String(LocalSpark.concatenatedParts(dir), StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void scoresEqualRmScore() throws IOException {
        Path model = Fixtures.parityModel("gpt2-rm");
        Path data = data();
        List<String> one = rmScore(model, data);
        assertTrue(one.size() > 50);
        Path out = tmp.resolve("spark");
        ScoreJob.Summary s = ScoreJob.run(sc, new ScoreSettings(model.toString(), data.toString(), out.toString(), 4, 64,
                3, 1));
        assertEquals(one.size(), s.records());
        assertTrue(Files.list(out).filter(p -> p.getFileName().toString().startsWith("part-")).count() >= 3);
        SameRecords.assertSameRecords(one, lines(out), "reward");
    }

    /** A gzip file is one split: its lines are spread over the tasks and put back in order. */
    @Test
    void aGzipFileIsSpreadAndReordered() throws IOException {
        Path model = Fixtures.parityModel("gpt2-rm");
        Path data = data();
        List<String> one = rmScore(model, data);
        Path gz = tmp.resolve("data.jsonl.gz");
        try (GZIPOutputStream z = new GZIPOutputStream(Files.newOutputStream(gz))) {
            z.write(Files.readAllBytes(data));
        }
        Path out = tmp.resolve("spark-gz");
        ScoreJob.run(sc, new ScoreSettings(model.toString(), gz.toString(), out.toString(), 4, 64, 3, 1));
        SameRecords.assertSameRecords(one, lines(out), "reward");
    }

    /** rm eval's report, from scores computed by Spark tasks: every number within 1e-6 of the command's. */
    @Test
    void evalReportEqualsRmEval() throws IOException {
        Path model = Fixtures.parityModel("gpt2-rm");
        Path canonical = tmp.resolve("pairs.jsonl");
        List<String> pairs = new ArrayList<>();
        for (String line : Files.readAllLines(data())) {
            if (line.contains("\"chosen\"")) {
                pairs.add(line);
            }
        }
        Files.write(canonical, pairs);
        Path one = tmp.resolve("one-report.json");
        StringWriter err = new StringWriter();
        CommandLine cl = Rlhf4j.commandLine();
        cl.setErr(new PrintWriter(err));
        cl.setOut(new PrintWriter(new StringWriter()));
        assertEquals(0, cl.execute("rm", "eval", "--model", model.toString(), "--data", canonical.toString(), "--out",
                one.toString(), "--batch-size", "4", "--max-length", "64"), err.toString());
        Path spark = tmp.resolve("spark-report.json");
        EvalJob.run(sc, new ScoreSettings(model.toString(), canonical.toString(), "-", 4, 64, 3, 1), spark, null);
        JsonNode a = JSON.readTree(one.toFile());
        JsonNode b = JSON.readTree(spark.toFile());
        assertTrue(a.path("records").asLong() > 20, a.toString());
        SameRecords.assertClose(a, b, "report");
    }

}
