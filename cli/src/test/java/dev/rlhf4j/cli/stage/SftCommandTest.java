package dev.rlhf4j.cli.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.rlhf4j.cli.Rlhf4j;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.io.OwnedDirectory;
import dev.rlhf4j.core.io.RunLock;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.model.ModelConfig;
import dev.rlhf4j.core.model.WeightSource;
import dev.rlhf4j.core.testing.Fixtures;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code rlhf4j sft}: config errors name the key; a run writes the model, the resolved config and metrics. */
class SftCommandTest {

    @TempDir
    Path tmp;

    @Test
    void unknownKeyIsAConfigError() throws IOException {
        Path cfg = Files.writeString(tmp.resolve("run.yaml"), "sft:\n  model: m\n  data: d.jsonl\n");
        StringWriter err = new StringWriter();
        int code = run(err, "sft", "-c", cfg.toString(), "--set", "sft.training.learning_rate=0.1");
        assertEquals(2, code);
        assertEquals("rlhf4j sft: " + cfg + ": unknown key sft.training.learning_rate; accepted keys: adam_beta1,"
                + " adam_beta2, adam_eps, batch_size, epochs, eval_every, grad_accum, gradient_checkpointing, keep_checkpoints,"
                + " log_every, lr,"
                + " max_grad_norm, max_steps, save_every, schedule, warmup_steps, weight_decay", err.toString().trim());
    }

    /** A tiny random GPT-2 with the parity tokenizer, two demonstrations, and an sft: config using them. */
    private Path config(String training) throws IOException {
        Path model = tmp.resolve("base");
        try (Tokenizer tok = Tokenizer.load(Fixtures.parityModel("gpt2")); NDManager m = NDManager.newBaseManager()) {
            ModelConfig c = ModelConfig.gpt2(384, 32, 2, 4, 64).withSpecialTokens(tok.bosId(), tok.eosIds(), tok.padId());
            try (CausalLM lm = new CausalLM(c, m, WeightSource.random(1, 0.2f, 2), true)) {
                ModelDirectory.saveCausalLM(model, lm, tok);
            }
        }
        Path data = Files.write(tmp.resolve("d.jsonl"), List.of(
                "{\"prompt\": \"Q: Who bought the flour?\\nA:\", \"completion\": \" The baker.\"}",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"Where is the mill?\"},"
                        + " {\"role\": \"assistant\", \"content\": \"By the river.\"}]}"));
        return Files.writeString(tmp.resolve("run.yaml"), "sft:\n  model: " + model + "\n  data: " + data
                + "\n  output: " + tmp.resolve("sft/model") + "\n  max_length: 64\n  training: " + training + "\n");
    }

    @Test
    void trainsFromAConfigFile() throws IOException {
        Path cfg = config("{max_steps: 3, lr: 1.0e-3}");
        StringWriter err = new StringWriter();
        Path runDir = tmp.resolve("run");
        assertEquals(0, run(err, "sft", "-c", cfg.toString(), "--set", "sft.packing=true", "--run-dir", runDir.toString()),
                err.toString());
        assertTrue(Files.exists(tmp.resolve("sft/model/model.safetensors")));
        assertTrue(Files.exists(tmp.resolve("sft/model/tokenizer.json")));
        List<String> metrics = Files.readAllLines(runDir.resolve("sft/metrics.jsonl"));
        assertEquals(1, metrics.size(), "log_every 10: only the last step");
        assertTrue(metrics.get(0).startsWith("{\"step\":3,"), metrics.get(0));
        assertTrue(Files.readString(runDir.resolve("config.yaml")).contains("packing: true"));
        assertTrue(Files.exists(runDir.resolve("sft/done.json")), "the same bookkeeping as the pipeline's");
    }

    /**
     * Resuming an interrupted stage with a changed lr is refused, naming the key with both values;
     * --allow-config-change resumes anyway; a longer run with another log_every resumes without
     * being asked. (The stage is "interrupted" by removing its done.json: what a kill after its last
     * checkpoint leaves.)
     */
    @Test
    void resumeRefusesAChangedLearningRateUnlessAllowed() throws IOException {
        Path cfg = config("{max_steps: 2, lr: 1.0e-3, save_every: 1}");
        Path runDir = tmp.resolve("run");
        Path stage = runDir.resolve("sft");
        StringWriter err = new StringWriter();
        assertEquals(0, run(err, "sft", "-c", cfg.toString(), "--run-dir", runDir.toString()), err.toString());
        Files.delete(stage.resolve("done.json"));

        StringWriter refused = new StringWriter();
        assertEquals(1, run(refused, "sft", "-c", cfg.toString(), "--run-dir", runDir.toString(), "--set",
                "sft.training.lr=2.0e-3"));
        assertEquals("rlhf4j sft: " + stage.resolve("checkpoints/step-2") + ": the config changed since this checkpoint was"
                + " saved: sft.training.lr from 0.001 to 0.002; these keys alter the training, so the resumed run would"
                + " follow neither config: restore them, resume anyway with --allow-config-change, or delete "
                + stage.resolve("checkpoints") + " to start over", refused.toString().trim());

        StringWriter longer = new StringWriter();
        assertEquals(0, run(longer, "sft", "-c", cfg.toString(), "--run-dir", runDir.toString(), "--set",
                "sft.training.log_every=1", "--set", "sft.training.max_steps=3"), longer.toString());
        Files.delete(stage.resolve("done.json"));
        StringWriter allowed = new StringWriter();
        assertEquals(0, run(allowed, "sft", "-c", cfg.toString(), "--run-dir", runDir.toString(), "--set",
                "sft.training.lr=2.0e-3", "--set", "sft.training.max_steps=4", "--allow-config-change"), allowed.toString());
        List<String> steps = Files.readAllLines(stage.resolve("metrics.jsonl")).stream()
                .map(l -> l.substring(0, l.indexOf(','))).toList();
        assertEquals(List.of("{\"step\":2", "{\"step\":3", "{\"step\":4"), steps, "each run resumed where the last stopped");
    }

    /** A second run on a directory another run holds fails at once, naming the lock file and the holder's PID. */
    @Test
    void aLockedRunDirectoryIsRefusedAtOnce() throws IOException {
        Path cfg = Files.writeString(tmp.resolve("run.yaml"), "sft:\n  model: m\n  data: d.jsonl\n");
        Path dir = tmp.resolve("run");
        OwnedDirectory.claim(dir, "run");
        try (RunLock held = RunLock.acquire(dir)) {
            StringWriter err = new StringWriter();
            assertEquals(1, run(err, "sft", "-c", cfg.toString(), "--run-dir", dir.toString()));
            assertEquals("rlhf4j sft: " + dir.resolve(".lock") + ": the run directory is locked by process "
                    + ProcessHandle.current().pid() + " (another rlhf4j run is writing to it); wait for it to finish or"
                    + " stop it", err.toString().trim());
        }
    }

    private static int run(StringWriter err, String... args) {
        CommandLine cli = Rlhf4j.commandLine();
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }
}
