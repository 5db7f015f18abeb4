package dev.rlhf4j.rm.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.rlhf4j.core.config.ConfigException;
import dev.rlhf4j.core.config.ConfigFile;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class RewardModelConfigTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static RewardModelConfig bind(String yaml) throws Exception {
        return ConfigFile.of("run.yaml", (ObjectNode) YAML.readTree(yaml)).bind("reward_model", RewardModelConfig.class);
    }

    private static String error(String yaml) {
        return assertThrows(ConfigException.class, () -> bind(yaml)).getMessage();
    }

    @Test
    void defaults() throws Exception {
        RewardModelConfig c = bind("reward_model:\n  init: runs/x/sft/model\n  data: [a.jsonl, b.jsonl.gz]\n");
        assertEquals(Path.of("runs/x/sft/model"), c.init());
        assertEquals(List.of(Path.of("a.jsonl"), Path.of("b.jsonl.gz")), c.data());
        assertEquals(List.of(), c.evalData());
        assertEquals(Path.of("run/model"), c.outputIn(Path.of("run")));
        assertEquals(null, c.maxLength());
        assertEquals(42L, c.seed());
        assertEquals(true, c.useMargin());
        assertEquals(0.0, c.centerCoef());
        assertEquals(true, c.disableDropout());
        assertEquals(c.data(), c.normalizationFiles());
        assertEquals(8, c.training().batchSize());
    }

    @Test
    void errorsNameTheFileTheKeyAndTheValue() {
        String base = "reward_model:\n  init: m\n  data: [a.jsonl]\n";
        assertEquals("run.yaml: reward_model.center_coef must be >= 0, but is: -0.5", error(base + "  center_coef: -0.5\n"));
        assertEquals("run.yaml: reward_model.max_length must be between 2 and 2147483647, but is: 1",
                error(base + "  max_length: 1\n"));
        assertEquals("run.yaml: reward_model.training.lr must be > 0, but is: -1.0", error(base + "  training: {lr: -1}\n"));
        assertEquals("run.yaml: reward_model.use_margin must be true or false, but is: maybe",
                error(base + "  use_margin: maybe\n"));
        assertEquals("run.yaml: reward_model.data must list at least one preference file (JSONL), but is: missing",
                error("reward_model:\n  init: m\n"));
        assertEquals("run.yaml: reward_model.init must be set to the model directory to start from (an SFT output or"
                + " any causal LM, or a reward model), but is missing", error("reward_model:\n  data: [a.jsonl]\n"));
        String unknown = error(base + "  margin: true\n");
        assertEquals("run.yaml: unknown key reward_model.margin; accepted keys: center_coef, data, disable_dropout,"
                + " eval_data, init, lora, max_length, normalization_data, output, seed, training, use_margin", unknown);
    }
}
