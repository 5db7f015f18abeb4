package dev.rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.core.checkpoint.PeftAdapter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code configs/smollm2-hh.yaml} shortened: SmolLM2-135M-Instruct (from {@code tools/get_smollm2.sh})
 * through data, SFT, the reward model, PPO and the evaluation, every stage with LoRA adapters and
 * gradient checkpointing, on the real preference samples. Slow profile; skipped when the model has
 * not been fetched.
 */
@Tag("slow")
class RealModelTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void smolLm2RunsTheWholeChainWithAdapters(@TempDir Path tmp) throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent(); // the cli module's parent
        Path model = root.resolve("models/smollm2-135m-instruct");
        Assumptions.assumeTrue(Files.exists(model.resolve("model.safetensors")),
                "run tools/get_smollm2.sh first: " + model + " is missing");
        Path run = tmp.resolve("run");
        StringWriter err = new StringWriter();
        int exit = Rlhf4j.commandLine().setErr(new PrintWriter(err, true)).execute("pipeline",
                "-c", root.resolve("configs/smollm2-hh.yaml").toString(), "--run-dir", run.toString(),
                "--set", "data.inputs=[" + root.resolve("configs/data/hh-rlhf-harmless-base.sample.jsonl") + ","
                        + root.resolve("configs/data/ultrafeedback-text.sample.jsonl") + "]",
                "--set", "sft.model=" + model,
                "--set", "sft.training.max_steps=2", "--set", "reward_model.training.max_steps=2",
                "--set", "ppo.iterations=1", "--set", "ppo.batch_size=4", "--set", "ppo.max_new_tokens=8",
                "--set", "eval.num_prompts=2", "--set", "eval.max_new_tokens=8");
        assertEquals(0, exit, err.toString());
        for (String stage : new String[] {"sft", "reward_model", "ppo"}) {
            assertTrue(PeftAdapter.isAdapter(run.resolve(stage).resolve("model")), stage + " wrote a PEFT adapter");
        }
        JsonNode done = JSON.readTree(run.resolve("eval/done.json").toFile());
        assertTrue(done.at("/sft/reward_model").isNumber() && done.at("/ppo/reward_model").isNumber(), done.toString());
    }
}
