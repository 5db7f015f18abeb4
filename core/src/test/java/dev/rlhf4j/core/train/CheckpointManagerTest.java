package dev.rlhf4j.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointManagerTest {

    @TempDir
    Path tmp;

    private static TrainerState state(long step) {
        return new TrainerState(step, step - 1, 2, 40, 42, 7 * step, Map.of("kl_coef", 0.05, "phase", "rollout"));
    }

    private static CheckpointManager.CheckpointWriter writing(String content) {
        return dir -> Files.writeString(dir.resolve("model.safetensors"), content);
    }

    private List<String> children() throws IOException {
        try (Stream<Path> s = Files.list(tmp.resolve("checkpoints"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void savesAtomicallyAndKeepsTheLastN() throws IOException {
        CheckpointManager manager = new CheckpointManager(tmp.resolve("checkpoints"), 2);
        assertTrue(manager.latest().isEmpty());
        for (long step : new long[] {10, 20, 30}) {
            Checkpoint c = manager.save(state(step), writing("weights " + step));
            assertEquals(tmp.resolve("checkpoints/step-" + step), c.dir());
        }
        assertEquals(List.of("step-20", "step-30"), children());
        Checkpoint latest = manager.latest().orElseThrow();
        assertEquals(30, latest.step());
        assertEquals("weights 30", Files.readString(latest.resolve("model.safetensors")));
        assertEquals(state(30), latest.state());
    }

    @Test
    void latestIgnoresTemporaryAndIncompleteDirectories() throws IOException {
        CheckpointManager manager = new CheckpointManager(tmp.resolve("checkpoints"), 3);
        manager.save(state(5), writing("five"));
        Files.createDirectories(tmp.resolve("checkpoints/step-9.tmp-123")); // a killed save, state file and all
        state(9).write(tmp.resolve("checkpoints/step-9.tmp-123/trainer_state.json"));
        Files.createDirectories(tmp.resolve("checkpoints/step-8"));        // no state file: incomplete
        Files.writeString(tmp.resolve("checkpoints/step-8/model.safetensors"), "partial");
        Files.createDirectories(tmp.resolve("checkpoints/other"));
        assertEquals(5, manager.latest().orElseThrow().step());

        manager.save(state(6), writing("six")); // cleans the temporary left by the killed save
        assertEquals(List.of("other", "step-5", "step-6", "step-8"), children());
        assertEquals(List.of(5L, 6L), manager.complete().stream().map(Checkpoint::step).toList());
    }

    @Test
    void failedWriterLeavesNoCheckpoint() throws IOException {
        CheckpointManager manager = new CheckpointManager(tmp.resolve("checkpoints"), 2);
        manager.save(state(1), writing("one"));
        IOException e = assertThrows(IOException.class, () -> manager.save(state(2), dir -> {
            Files.writeString(dir.resolve("model.safetensors"), "half");
            throw new IOException("disk full");
        }));
        assertEquals("disk full", e.getMessage());
        assertEquals(List.of("step-1"), children());
        assertEquals(1, manager.latest().orElseThrow().step());
    }

    @Test
    void savingTheSameStepAgainReplacesIt() throws IOException {
        CheckpointManager manager = new CheckpointManager(tmp.resolve("checkpoints"), 2);
        manager.save(state(4), writing("old"));
        manager.save(state(4), writing("new"));
        assertEquals(List.of("step-4"), children());
        assertEquals("new", Files.readString(manager.latest().orElseThrow().resolve("model.safetensors")));
    }

    @Test
    void trainerStateRoundTripsAndNamesTheFileOnErrors() throws IOException {
        Path file = tmp.resolve("trainer_state.json");
        TrainerState s = new TrainerState(12, 11, 1, 96, -5, 3, Map.of("kl_coef", 0.1 + 0.2, "done", false),
                Map.of("lr", 1e-3, "data", "d.jsonl", "training", Map.of("batch_size", 8)));
        s.write(file);
        assertEquals(s, TrainerState.read(file));
        assertEquals(3, s.rng().counter());

        Files.writeString(file, "{\"step\": 3}");
        assertEquals(file + ": key optimizer_step must be an integer, but is: null",
                assertThrows(IOException.class, () -> TrainerState.read(file)).getMessage());
        Files.writeString(file, "{\"step\": ");
        assertTrue(assertThrows(IOException.class, () -> TrainerState.read(file)).getMessage()
                .startsWith(file + ": not a readable trainer state"));
        assertFalse(Files.exists(tmp.resolve("checkpoints")));
    }
}
