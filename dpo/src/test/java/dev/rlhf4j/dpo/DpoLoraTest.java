package dev.rlhf4j.dpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.core.checkpoint.PeftAdapter;
import dev.rlhf4j.core.config.LoraConfig;
import dev.rlhf4j.core.config.TrainingConfig;
import dev.rlhf4j.core.testing.Fixtures;
import dev.rlhf4j.core.train.RunHook;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DPO with LoRA adapters: the reference is the policy with its adapters off (no second copy), so
 * the first step sees policy = reference exactly; the output is a PEFT adapter; gradient
 * checkpointing gives the same run.
 */
class DpoLoraTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private DpoConfig config(boolean checkpointing) throws IOException {
        Path train = ToyPreferences.write(tmp.resolve("train.jsonl"), 16, 1);
        TrainingConfig training = new TrainingConfig(4, 1, 4L, 1.0, 5e-3, TrainingConfig.Schedule.CONSTANT, 0L, 0.0,
                null, null, null, 1.0, 1, 0, 0, 2, checkpointing);
        return DpoConfig.of(Fixtures.parityModel("gpt2"), List.of(train)).withTraining(training)
                .withLora(new LoraConfig(4, 8.0, 0.0, List.of("c_attn", "c_fc"), null, null));
    }

    @Test
    void adaptersTrainAgainstThePolicyWithTheirAdaptersOff() throws IOException {
        Path run = tmp.resolve("plain");
        DpoResult result = DpoTrainer.run(config(false), run, RunHook.NONE, null);
        assertTrue(PeftAdapter.isAdapter(result.output()), "a PEFT adapter directory");
        assertFalse(Files.exists(result.output().resolve("model.safetensors")));
        List<JsonNode> lines = metrics(run);
        // B starts at zero: the policy is its own reference at the first step, every implicit reward 0
        assertEquals(0.0, lines.get(0).get("rewards/chosen").asDouble(), 1e-6);
        assertEquals(0.0, lines.get(0).get("rewards/rejected").asDouble(), 1e-6);
        assertEquals(Math.log(2), lines.get(0).get("loss").asDouble(), 1e-6);
        // and then the adapters move it
        JsonNode last = lines.get(lines.size() - 1);
        assertTrue(last.get("rewards/margins").asDouble() > 0, last.toString());

        Path checkpointed = tmp.resolve("checkpointed");
        DpoTrainer.run(config(true), checkpointed, RunHook.NONE, null);
        List<JsonNode> other = metrics(checkpointed);
        for (int i = 0; i < lines.size(); i++) {
            for (String key : List.of("loss", "rewards/chosen", "rewards/rejected", "grad_norm")) {
                assertEquals(lines.get(i).get(key).asDouble(), other.get(i).get(key).asDouble(), 1e-5, key + " at " + i);
            }
        }
    }

    private static List<JsonNode> metrics(Path run) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            out.add(JSON.readTree(line));
        }
        return out;
    }
}
