package dev.rlhf4j.sft;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.checkpoint.SafetensorsCheckpoint;
import dev.rlhf4j.core.config.TrainingConfig;
import dev.rlhf4j.core.train.RunHook;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code training.gradient_checkpointing: true} changes memory, not results: an SFT run (llama,
 * no dropout) ends with the weights of the run without it, and no arrays pile up over steps.
 */
class SftGradientCheckpointingTest {

    @TempDir
    Path tmp;

    private SftConfig config(boolean checkpointing, String output) {
        Path model = Files.exists(tmp.resolve("base")) ? tmp.resolve("base")
                : SftFixtures.tinyModel(tmp.resolve("base"), "llama", 11);
        Path data = SftFixtures.jsonl(tmp.resolve("demos.jsonl"), SftFixtures.millDemos());
        TrainingConfig t = new TrainingConfig(2, 2, 8L, null, 3e-3, TrainingConfig.Schedule.COSINE, 2L, 0.01, null,
                null, null, 1.0, 1, 0, 0, 2, checkpointing);
        return new SftConfig(model, data, null, tmp.resolve(output), 64, true, null, 7L, t);
    }

    @Test
    void checkpointedRunEndsWithTheSameWeights() throws IOException {
        SftResult plain = SftTrainer.run(config(false, "plain"), tmp.resolve("plain-run"), null);
        Map<Long, Integer> live = new LinkedHashMap<>();
        SftResult checkpointed = SftTrainer.run(config(true, "checkpointed"), tmp.resolve("checkpointed-run"), null,
                new RunHook(Long.MAX_VALUE, step -> live.put(step, liveArrays())));
        assertEquals(live.get(2L), live.get(8L), "live arrays after each step: " + live);
        Map<String, float[]> a = weights(plain.output());
        Map<String, float[]> b = weights(checkpointed.output());
        assertEquals(a.keySet(), b.keySet());
        for (String name : a.keySet()) {
            float[] x = a.get(name);
            float[] y = b.get(name);
            for (int i = 0; i < x.length; i++) {
                assertEquals(x[i], y[i], 1e-5f, name + "[" + i + "]");
            }
        }
    }

    private static int liveArrays() {
        try (NDManager probe = NDManager.newBaseManager()) {
            return probe.getParentManager().getManagedArrays().size();
        }
    }

    private static Map<String, float[]> weights(Path dir) {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (SafetensorsCheckpoint c = ModelDirectory.open(dir)) {
            for (String name : c.names()) {
                out.put(name, c.readFloats(name));
            }
        }
        return out;
    }
}
