package dev.rlhf4j.dpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.config.ConfigException;
import dev.rlhf4j.core.config.ConfigFile;
import dev.rlhf4j.dpo.DpoConfig.LossType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DpoConfigTest {

    @TempDir
    Path tmp;

    private DpoConfig bind(String yaml) throws IOException {
        Path file = tmp.resolve("run.yaml");
        Files.writeString(file, yaml);
        return ConfigFile.load(file, List.of()).bind("dpo", DpoConfig.class);
    }

    @Test
    void defaultsAreTrls() throws IOException {
        DpoConfig c = bind("dpo:\n  model: sft\n  data: [train.jsonl]\n");
        assertEquals(LossType.SIGMOID, c.lossType());
        assertEquals(0.1, c.beta());
        assertEquals(0.0, c.labelSmoothing());
        assertEquals(0.5, c.simpoGamma());
        assertEquals(Path.of("sft"), c.reference(), "the reference defaults to the starting model");
        assertEquals(false, c.precomputeRefLogProbs());
        assertEquals(true, c.useVotes());
        assertEquals(true, c.disableDropout());
        assertEquals(42L, c.seed());
        assertEquals(Path.of("run/model"), c.outputIn(Path.of("run")));
    }

    @Test
    void bindsEveryLossType() throws IOException {
        for (LossType t : LossType.values()) {
            assertEquals(t, bind("dpo:\n  model: m\n  data: [d]\n  loss_type: " + t.key() + "\n").lossType());
        }
    }

    @Test
    void refusesBadValuesNamingTheKey() {
        assertMessage("dpo:\n  data: [d]\n", "model must be set");
        assertMessage("dpo:\n  model: m\n  data: []\n", "data must list at least one preference file (JSONL), but is: []");
        assertMessage("dpo:\n  model: m\n  data: [d]\n  beta: 0\n", "beta must be > 0, but is: 0");
        assertMessage("dpo:\n  model: m\n  data: [d]\n  label_smoothing: 0.5\n",
                "label_smoothing must be >= 0 and < 0.5, but is: 0.5");
        assertMessage("dpo:\n  model: m\n  data: [d]\n  loss_type: ipo\n  label_smoothing: 0.1\n",
                "label_smoothing applies to loss_type sigmoid, robust and simpo, but loss_type is ipo");
        assertMessage("dpo:\n  model: m\n  data: [d]\n  max_length: 1\n", "max_length");
        assertMessage("dpo:\n  model: m\n  data: [d]\n  loss_type: kto\n", "loss_type");
        assertMessage("dpo:\n  model: m\n  data: [d]\n  betta: 0.2\n", "betta");
        assertMessage("dpo:\n  model: m\n  data: [d]\n  training: {lr: -1}\n", "lr must be > 0, but is: -1");
    }

    private void assertMessage(String yaml, String part) {
        Exception e = assertThrows(Exception.class, () -> bind(yaml));
        assertTrue(e instanceof ConfigException || e instanceof IllegalArgumentException, e.toString());
        assertTrue(e.getMessage().contains(part), "message: " + e.getMessage());
    }
}
