package dev.rlhf4j.sft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.rlhf4j.core.config.ConfigException;
import dev.rlhf4j.core.config.ConfigFile;
import dev.rlhf4j.core.config.TrainingConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The sft section binds with defaults; every wrong key or value is an error naming it. */
class SftConfigTest {

    private static final String REQUIRED = "sft:\n  model: m\n  data: d.jsonl\n  output: out\n";

    @Test
    void defaults() {
        SftConfig c = bind(REQUIRED);
        assertEquals(Path.of("m"), c.model());
        assertEquals(Path.of("d.jsonl"), c.data());
        assertEquals(null, c.evalData());
        assertEquals(Path.of("out"), c.output());
        assertEquals(1024, c.maxLength());
        assertEquals(false, c.packing());
        assertEquals(SftConfig.Truncation.TRUNCATE_PROMPT_LEFT, c.truncation());
        assertEquals(42L, c.seed());
        assertEquals(TrainingConfig.defaults(), c.training());
    }

    @Test
    void everyKeyAndOverride() {
        ConfigFile cfg = ConfigFile.of("run.yaml", tree(REQUIRED + "  eval_data: e.jsonl\n  max_length: 256\n"
                + "  packing: true\n  truncation: drop\n  seed: 3\n  training:\n    lr: 3.0e-4\n    eval_every: 50\n"));
        cfg.set("sft.training.batch_size=4");
        SftConfig c = cfg.bind("sft", SftConfig.class);
        assertEquals(Path.of("e.jsonl"), c.evalData());
        assertEquals(256, c.maxLength());
        assertEquals(true, c.packing());
        assertEquals(SftConfig.Truncation.DROP, c.truncation());
        assertEquals(3L, c.seed());
        assertEquals(3e-4, c.training().lr());
        assertEquals(4, c.training().batchSize());
    }

    @Test
    void errorsNameTheKeyAndWhatIsAccepted() {
        assertEquals("run.yaml: unknown key sft.lr; accepted keys: data, eval_data, lora, max_length, model, output,"
                + " packing, seed, training, truncation", error(REQUIRED + "  lr: 0.1\n"));
        assertEquals("run.yaml: sft.truncation must be one of drop, truncate_prompt_left, but is: keep_end",
                error(REQUIRED + "  truncation: keep_end\n"));
        assertEquals("run.yaml: sft.max_length must be >= 2, but is: 1", error(REQUIRED + "  max_length: 1\n"));
        assertEquals("run.yaml: sft.model must be set: the directory of the model to fine-tune",
                error("sft:\n  data: d.jsonl\n  output: out\n"));
        assertEquals("run.yaml: sft.training.eval_every is 10, but eval_data is not set: name a held-out file or set"
                + " eval_every to 0", error(REQUIRED + "  training: {eval_every: 10}\n"));
        assertEquals("run.yaml: sft.packing must be true or false, but is: yes please",
                error(REQUIRED + "  packing: yes please\n"));
        assertEquals("run.yaml: sft.training.lr must be > 0, but is: -1.0", error(REQUIRED + "  training: {lr: -1}\n"));
    }

    /** A float where an integer goes, or text where a number goes, is an error, never rounded or defaulted. */
    @Test
    void numbersMustHaveTheKeysType() {
        assertEquals("run.yaml: sft.training.batch_size must be an integer, but is: 8.5",
                error(REQUIRED + "  training: {batch_size: 8.5}\n"));
        assertEquals("run.yaml: sft.training.max_steps must be an integer, but is: 100.0",
                error(REQUIRED + "  training: {max_steps: 100.0}\n"));
        assertEquals("run.yaml: sft.seed must be an integer, but is: abc", error(REQUIRED + "  seed: abc\n"));
        assertEquals("run.yaml: sft.training.lr must be a number, but is: fast", error(REQUIRED + "  training: {lr: fast}\n"));
        ConfigFile cfg = ConfigFile.of("run.yaml", tree(REQUIRED));
        cfg.set("sft.max_length=256.5");
        assertEquals("run.yaml: sft.max_length must be an integer, but is: 256.5",
                assertThrows(ConfigException.class, () -> cfg.bind("sft", SftConfig.class)).getMessage());
        assertEquals("run.yaml: sft.packing must be true or false, but is: 1", error(REQUIRED + "  packing: 1\n"));
        assertEquals("run.yaml: sft.max_length must be an integer, but is: 512", error(REQUIRED + "  max_length: \"512\"\n"));
        assertEquals(2.0, bind(REQUIRED + "  training: {epochs: 2}\n").training().epochs(), "an integer is a number");
    }

    private static String error(String yaml) {
        return assertThrows(ConfigException.class, () -> bind(yaml)).getMessage();
    }

    private static SftConfig bind(String yaml) {
        return ConfigFile.of("run.yaml", tree(yaml)).bind("sft", SftConfig.class);
    }

    private static ObjectNode tree(String yaml) {
        try {
            return (ObjectNode) new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void ofFillsDefaults() {
        SftConfig c = SftConfig.of(Path.of("m"), Path.of("d"), Path.of("o"));
        assertEquals(List.of(1024, false), List.of(c.maxLength(), c.packing()));
    }
}
