package dev.rlhf4j.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsSinkTest {

    @TempDir
    Path tmp;

    private final AtomicLong clock = new AtomicLong();

    private MetricsSink open(Path file, ByteArrayOutputStream console, long resumeStep) throws IOException {
        MetricsSink.Builder b = MetricsSink.builder().setFile(file).optTotalSteps(100)
                .optConsole(new PrintStream(console, true, StandardCharsets.UTF_8)).optClock(clock::get);
        return (resumeStep >= 0 ? b.optResumeStep(resumeStep) : b).build();
    }

    @Test
    void writesOneFlushedLinePerStepInStableKeyOrder() throws IOException {
        Path file = tmp.resolve("run/metrics.jsonl");
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        try (MetricsSink sink = open(file, console, -1)) {
            clock.set(2_000_000_000L);
            sink.log(new StepMetrics(10, 2.5, 3e-4, 1.25, 4000,
                    Map.of("policy/clipfrac", 0.125, "objective/kl", 0.5, "note", "warm")));
            // flushed before close: a killed process keeps it
            assertEquals(List.of("{\"step\":10,\"loss\":2.5,\"lr\":3.0E-4,\"grad_norm\":1.25,\"tokens_per_s\":2000.0,"
                    + "\"note\":\"warm\",\"objective/kl\":0.5,\"policy/clipfrac\":0.125}"), Files.readAllLines(file));
            clock.set(4_000_000_000L);
            sink.log(new StepMetrics(20, Double.NaN, 2e-4, Double.POSITIVE_INFINITY, 1000));
        }
        assertEquals("{\"step\":20,\"loss\":\"NaN\",\"lr\":2.0E-4,\"grad_norm\":\"Infinity\",\"tokens_per_s\":500.0}",
                Files.readAllLines(file).get(1));
        String[] lines = console.toString(StandardCharsets.UTF_8).split("\\R");
        assertEquals("step 10/100  10.0% | loss 2.5000 | lr 3.00e-04 | grad_norm 1.250 | 2000 tok/s"
                + " | 5.00 step/s | 0:02 < 0:18", lines[0]);
        assertEquals("step 20/100  20.0% | loss NaN | lr 2.00e-04 | grad_norm Infinity | 500 tok/s"
                + " | 5.00 step/s | 0:04 < 0:16", lines[1]);
    }

    @Test
    void resumeDropsLinesAfterTheCheckpointAndATornLine() throws IOException {
        Path file = tmp.resolve("metrics.jsonl");
        Files.writeString(file, "{\"step\":1,\"loss\":1.0}\n{\"step\":2,\"loss\":0.9}\n{\"step\":3,\"loss\":0.8}\n{\"step\":4,\"lo");
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        try (MetricsSink sink = open(file, console, 2)) {
            clock.set(1_000_000_000L);
            sink.log(new StepMetrics(3, 0.7, 1e-4, 0.5, 0));
        }
        List<String> lines = Files.readAllLines(file);
        assertEquals(3, lines.size());
        assertEquals("{\"step\":2,\"loss\":0.9}", lines.get(1));
        assertEquals("{\"step\":3,\"loss\":0.7,\"lr\":1.0E-4,\"grad_norm\":0.5,\"tokens_per_s\":0.0}", lines.get(2));
        // the rate counts the steps of this process only: 1 step in 1 s
        assertEquals("step 3/100   3.0% | loss 0.7000 | lr 1.00e-04 | grad_norm 0.500 | 0 tok/s | 1.00 step/s | 0:01 < 1:37",
                console.toString(StandardCharsets.UTF_8).strip());
    }

    @Test
    void formatsDurations() {
        assertEquals("0:00", MetricsSink.duration(0.2));
        assertEquals("1:05", MetricsSink.duration(65));
        assertEquals("2:00:01", MetricsSink.duration(7201));
    }
}
