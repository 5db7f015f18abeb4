package dev.rlhf4j.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL during a checkpoint write: a child JVM trains and checkpoints every step (its writer
 * pauses between the model and the optimizer file); it is killed while a temporary checkpoint
 * directory holds the model but not yet the rest. The previous checkpoint must still load and
 * resume exactly.
 */
class CheckpointKillTest {

    private static final long DEADLINE_MS = 120_000; // a guard against a hung child, not a timing assertion

    @TempDir
    Path tmp;

    @Test
    void previousCheckpointSurvivesAKillDuringWrite() throws Exception {
        Path runDir = tmp.resolve("run");
        Path checkpointsDir = runDir.resolve("checkpoints");
        Process child = startChild(runDir);
        try {
            // wait for two complete checkpoints, then for a save that has written the model file only
            waitFor(child, () -> new CheckpointManager(checkpointsDir, 2).complete().size() >= 2);
            waitFor(child, () -> halfWritten(checkpointsDir).isPresent());
        } finally {
            child.destroyForcibly(); // SIGKILL
            child.waitFor();
        }
        Path torn = halfWritten(checkpointsDir).orElseThrow(() -> new AssertionError("not killed during a write"));
        assertFalse(Files.exists(torn.resolve(TrainerState.FILE)));
        assertFalse(Files.exists(torn.resolve(CheckpointManager.OPTIMIZER_FILE)));

        CheckpointManager manager = new CheckpointManager(checkpointsDir, 2);
        Checkpoint latest = manager.latest().orElseThrow();
        assertTrue(torn.getFileName().toString().startsWith("step-" + (latest.step() + 1) + ".tmp-"),
                "the torn save is the one after the latest complete checkpoint: " + torn);

        // resume from it in this JVM, two more steps; equal to an uninterrupted run to the same step
        long target = latest.step() + 2;
        float[] resumed;
        try (TinyTrainer t = new TinyTrainer(runDir, 1_000_000, 77, latest)) {
            t.trainUntil(target, 1000, null);
            resumed = t.weights();
            t.save(); // the next save clears the torn temporary directory
        }
        float[] straight;
        try (TinyTrainer t = new TinyTrainer(tmp.resolve("straight"), 1_000_000, 1, null)) {
            t.trainUntil(target, 1000, null);
            straight = t.weights();
        }
        assertArrayEquals(straight, resumed);
        assertFalse(Files.exists(torn));
        assertEquals(target, manager.latest().orElseThrow().step());
    }

    private static Process startChild(Path runDir) throws IOException {
        Files.createDirectories(runDir);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("-Dai.djl.offline=true");
        for (String key : new String[] {"ai.djl.pytorch.num_interop_threads", "ai.djl.pytorch.num_threads"}) {
            if (System.getProperty(key) != null) {
                cmd.add("-D" + key + "=" + System.getProperty(key));
            }
        }
        cmd.add(TinyTrainer.class.getName());
        cmd.add(runDir.toString());
        return new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(runDir.resolve("child.log").toFile())
                .start();
    }

    /** A temporary checkpoint directory that holds the model file but not the optimizer file. */
    private static Optional<Path> halfWritten(Path checkpointsDir) throws IOException {
        if (!Files.isDirectory(checkpointsDir)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(checkpointsDir)) {
            return s.filter(p -> p.getFileName().toString().contains(".tmp-"))
                    .filter(p -> Files.exists(p.resolve(TinyTrainer.MODEL_FILE)))
                    .filter(p -> !Files.exists(p.resolve(CheckpointManager.OPTIMIZER_FILE)))
                    .findFirst();
        }
    }

    private interface Condition {
        boolean holds() throws IOException;
    }

    private static void waitFor(Process child, Condition condition) throws Exception {
        long end = System.currentTimeMillis() + DEADLINE_MS;
        while (!condition.holds()) {
            if (!child.isAlive()) {
                throw new AssertionError("child exited with " + child.exitValue() + " before the kill");
            }
            if (System.currentTimeMillis() > end) {
                throw new AssertionError("child made no progress within " + DEADLINE_MS + " ms");
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }
}
