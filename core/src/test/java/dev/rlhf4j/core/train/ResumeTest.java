package dev.rlhf4j.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Resume continues exactly: 2N steps straight equal N steps, a checkpoint, a fresh process state and N more. */
class ResumeTest {

    private static final int N = 6;

    @TempDir
    Path tmp;

    @Test
    void straightAndResumedRunsAreBitwiseIdentical() throws IOException {
        Path straightDir = tmp.resolve("straight");
        float[] straightWeights;
        List<Float> straightLosses;
        try (TinyTrainer t = new TinyTrainer(straightDir, 2 * N, 1, null);
                MetricsSink m = sink(straightDir, -1)) {
            t.trainUntil(2 * N, 1000, m);
            straightWeights = t.weights();
            straightLosses = t.losses;
        }

        Path resumedDir = tmp.resolve("resumed");
        List<Float> resumedLosses = new ArrayList<>();
        try (TinyTrainer first = new TinyTrainer(resumedDir, 2 * N, 1, null);
                MetricsSink m = sink(resumedDir, -1)) {
            first.trainUntil(N, N, m);      // checkpoint at step N
            first.trainUntil(N + 2, 1000, m); // two more steps, logged but never checkpointed: a crash loses them
            resumedLosses.addAll(first.losses.subList(0, N));
        }
        Checkpoint latest = new CheckpointManager(resumedDir.resolve("checkpoints"), 2).latest().orElseThrow();
        assertEquals(N, latest.step());
        float[] resumedWeights;
        try (TinyTrainer second = new TinyTrainer(resumedDir, 2 * N, 99, latest); // other init, overwritten by the checkpoint
                MetricsSink m = sink(resumedDir, latest.step())) {
            second.trainUntil(2 * N, 1000, m);
            resumedWeights = second.weights();
            resumedLosses.addAll(second.losses);
        }

        assertEquals(2 * N, straightLosses.size());
        assertEquals(straightLosses, resumedLosses);
        assertArrayEquals(straightWeights, resumedWeights);
        assertEquals(column(straightDir, "loss"), column(resumedDir, "loss"));
        assertEquals(column(straightDir, "grad_norm"), column(resumedDir, "grad_norm"));
        assertEquals(column(straightDir, "lr"), column(resumedDir, "lr"));
        assertEquals(2 * N, column(resumedDir, "step").size());
        assertNotEquals(0.0, straightLosses.get(0) - straightLosses.get(2 * N - 1), "the model trains");
    }

    private static MetricsSink sink(Path dir, long resumeStep) throws IOException {
        MetricsSink.Builder b = MetricsSink.builder().setFile(dir.resolve("metrics.jsonl"))
                .optTotalSteps(2 * N).optConsole(null);
        return (resumeStep >= 0 ? b.optResumeStep(resumeStep) : b).build();
    }

    private static List<String> column(Path dir, String key) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("metrics.jsonl"))) {
            JsonNode node = json.readTree(line);
            out.add(node.get(key).asText());
        }
        return out;
    }
}
