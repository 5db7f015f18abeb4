package dev.rlhf4j.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.rlhf4j.core.config.TrainingConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A checkpoint remembers its config; resuming with a trajectory key changed is refused, naming it. */
class ConfigChangesTest {

    @TempDir
    Path tmp;

    /** A stage section in the shape of the real ones. */
    record Section(@JsonProperty("data") Path data, @JsonProperty("output") Path output, @JsonProperty("seed") Long seed,
            @JsonProperty("training") TrainingConfig training) {}

    private static TrainingConfig training(double lr, int logEvery, long maxSteps) {
        return new TrainingConfig(8, 1, maxSteps, null, lr, null, null, null, null, null, null, null, logEvery, null, 5, null);
    }

    private static Section section(String data, double lr, int logEvery, long maxSteps, String output) {
        return new Section(Path.of(data), Path.of(output), 7L, training(lr, logEvery, maxSteps));
    }

    @Test
    void changesAreListedByFullKeyAndOnlyTheAllowlistIsFree() {
        Map<String, Object> saved = ConfigChanges.snapshot(section("d.jsonl", 1e-3, 10, 100, "runs/a"));
        assertEquals("d.jsonl", saved.get("data"), "paths are stored as written");
        List<ConfigChanges.Change> changes = ConfigChanges.between("sft", saved,
                ConfigChanges.snapshot(section("e.jsonl", 2e-3, 1, 200, "runs/b")));
        assertEquals(List.of("sft.data from \"d.jsonl\" to \"e.jsonl\"", "sft.output from \"runs/a\" to \"runs/b\"",
                "sft.training.log_every from 10 to 1", "sft.training.lr from 0.001 to 0.002",
                "sft.training.max_steps from 100 to 200"), changes.stream().map(Object::toString).toList());
        assertEquals(List.of(false, true, true, false, true), changes.stream().map(ConfigChanges.Change::free).toList());
    }

    @Test
    void resumeRefusesATrajectoryChangeUnlessAllowedAndAcceptsFreeOnes() throws IOException {
        CheckpointManager manager = new CheckpointManager(tmp.resolve("checkpoints"), 2);
        Section first = section("d.jsonl", 1e-3, 10, 100, "out");
        Checkpoint ck = manager.save(new TrainerState(5, 5, 0, 40, 7, 3, Map.of(), ConfigChanges.snapshot(first)),
                dir -> Files.writeString(dir.resolve("model.safetensors"), "weights"));
        assertEquals(List.of(), ConfigChanges.between("sft", ConfigChanges.snapshot(first), ck.state().config()),
                "stored in trainer_state.json");

        Section faster = section("d.jsonl", 2e-3, 10, 100, "out");
        TrainingStoppedException e = assertThrows(TrainingStoppedException.class,
                () -> ConfigChanges.check(ck, "sft", faster, OnConfigChange.REFUSE));
        assertEquals(ck.dir() + ": the config changed since this checkpoint was saved: sft.training.lr from 0.001 to 0.002;"
                + " these keys alter the training, so the resumed run would follow neither config: restore them, resume"
                + " anyway with --allow-config-change, or delete " + tmp.resolve("checkpoints") + " to start over",
                e.getMessage());
        ConfigChanges.check(ck, "sft", faster, OnConfigChange.ALLOW);
        ConfigChanges.check(ck, "sft", section("d.jsonl", 1e-3, 1, 300, "elsewhere"), OnConfigChange.REFUSE);

        Checkpoint old = manager.save(new TrainerState(6, 6, 0, 48, 7, 3, Map.of()), dir -> { });
        ConfigChanges.check(old, "sft", faster, OnConfigChange.REFUSE); // saved without a config: nothing to compare
    }

    /**
     * A checkpoint of an older version lacks the keys added since (PPO's algorithm, LoRA, gradient
     * checkpointing): they count as their defaults, so resuming after an upgrade is not refused; a
     * key set away from its default still is.
     */
    @Test
    void keysAddedSinceTheCheckpointCountAsTheirDefaults() throws IOException {
        CheckpointManager manager = new CheckpointManager(tmp.resolve("checkpoints"), 2);
        Section now = section("d.jsonl", 1e-3, 10, 100, "out");
        Map<String, Object> older = new java.util.TreeMap<>(ConfigChanges.snapshot(now));
        @SuppressWarnings("unchecked")
        Map<String, Object> training = new java.util.TreeMap<>((Map<String, Object>) older.get("training"));
        assertEquals(false, training.remove("gradient_checkpointing"), "the key a newer version added");
        older.put("training", training);
        Checkpoint ck = manager.save(new TrainerState(5, 5, 0, 40, 7, 3, Map.of(), older),
                dir -> Files.writeString(dir.resolve("model.safetensors"), "weights"));
        ConfigChanges.check(ck, "sft", now, OnConfigChange.REFUSE);

        Section checkpointed = new Section(now.data(), now.output(), now.seed(), new TrainingConfig(8, 1, 100L, null, 1e-3,
                null, null, null, null, null, null, null, 10, null, 5, null, true));
        TrainingStoppedException e = assertThrows(TrainingStoppedException.class,
                () -> ConfigChanges.check(ck, "sft", checkpointed, OnConfigChange.REFUSE));
        assertTrue(e.getMessage().contains("sft.training.gradient_checkpointing from false to true"), e.getMessage());
    }
}
