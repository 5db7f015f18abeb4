package dev.rlhf4j.ppo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.core.checkpoint.PeftAdapter;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.model.LoraAdapters;
import dev.rlhf4j.core.model.ModelConfig;
import dev.rlhf4j.core.model.WeightSource;
import dev.rlhf4j.core.testing.Fixtures;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.core.train.LoraTraining;
import dev.rlhf4j.rm.RewardModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PPO with {@code lora:} on the policy: the reference is the policy object with its adapters
 * disabled, its log-probs are the base model's bit for bit, the base never changes, the adapters
 * learn the synthetic reward, and the output is a PEFT adapter directory. Gradient checkpointing of
 * the policy changes nothing in the numbers.
 */
class PpoLoraTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void loraPolicyTrainsAgainstItsOwnBaseAsReference(@TempDir Path tmp) throws IOException {
        PpoConfig cfg = JSON.readValue("""
                {"policy": "unused", "reward_model": "unused", "prompts": "unused",
                 "iterations": 48, "batch_size": 16, "ppo_epochs": 4, "max_new_tokens": 8, "temperature": 1.0,
                 "kl_coef": 0.05, "missing_eos": "ignore", "lr": 3e-2, "critic_lr": 3e-3, "schedule": "constant",
                 "log_every": 1, "sample_every": 100, "save_every": 0, "seed": 7,
                 "lora": {"r": 8, "alpha": 16, "target_modules": "all-linear"}}
                """, PpoConfig.class);
        ModelConfig c = ModelConfig.gpt2(384, 32, 2, 4, 32);
        Path run = tmp.resolve("run");
        try (NDManager m = NDManager.newBaseManager();
                Tokenizer tok = Tokenizer.load(Fixtures.parityModel("gpt2"));
                CausalLM policy = new CausalLM(c, m, WeightSource.random(1, 0.2f, 2), true);
                CausalLM base = new CausalLM(c, m, WeightSource.random(1, 0.2f, 2), true);
                ValueModel critic = RewardModels.critic(RewardModel.random(c, m, 3), tok)) {
            LoraTraining.freezeAndAdd(policy, cfg.lora(), cfg.seed(), null);
            PpoTrainer.Models models = new PpoTrainer.Models(policy, policy, new PpoTrainerTest.TargetTokens(), critic,
                    tok);
            new PpoTrainer(cfg, models, prompts(), run, List.of()).train();

            List<JsonNode> log = new ArrayList<>();
            for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
                log.add(JSON.readTree(line));
            }
            // new adapters (B = 0) leave the policy equal to its reference: the first KL is exactly 0
            assertEquals(0.0, log.get(0).get("objective/kl").asDouble(), 0.0);
            // 128 response tokens an iteration: a mean over 4 iterations moves by about ±0.02 by chance
            double before = mean(log, 0, 4);
            double after = mean(log, 24, 48);
            assertTrue(after > before + 0.04, "target-token fraction " + before + " -> " + after);
            assertTrue(log.get(47).get("objective/kl").asDouble() > 0, "the adapters moved the policy");

            // the base weights did not move, and with the adapters off the policy is the base, bit for bit
            policy.namedParameters().forEach((name, p) -> {
                assertFalse(p.requiresGradient(), name);
                assertArrayEquals(base.namedParameters().get(name).getArray().toFloatArray(),
                        p.getArray().toFloatArray(), name);
            });
            long[][] ids = {{10, 40, 70, 30, 101, 150, 7, 2}};
            float[] baseLogits = logits(base, ids, m);
            float[] withAdapters = logits(policy, ids, m);
            float[] reference;
            try (LoraAdapters.Disabled off = policy.lora().disabled()) {
                reference = logits(policy, ids, m);
            }
            assertArrayEquals(baseLogits, reference);
            assertFalse(java.util.Arrays.equals(baseLogits, withAdapters));
        }
        assertTrue(PeftAdapter.isAdapter(run.resolve("model")), "the output is a PEFT adapter directory");
    }

    /** {@code gradient_checkpointing: true} (PPO runs its minibatches without dropout): the same metrics. */
    @Test
    void gradientCheckpointingGivesTheSameRun(@TempDir Path tmp) throws IOException {
        List<List<String>> runs = new ArrayList<>();
        for (boolean checkpointing : new boolean[] {false, true}) {
            PpoConfig cfg = JSON.readValue("""
                    {"policy": "unused", "reward_model": "unused", "prompts": "unused",
                     "iterations": 3, "batch_size": 16, "num_mini_batches": 2, "ppo_epochs": 2, "max_new_tokens": 8,
                     "temperature": 1.0, "kl_coef": 0.05, "missing_eos": "ignore", "lr": 3e-3, "critic_lr": 3e-3,
                     "schedule": "constant", "log_every": 1, "sample_every": 100, "save_every": 0, "seed": 7,
                     "gradient_checkpointing": %s}
                    """.formatted(checkpointing), PpoConfig.class);
            ModelConfig c = ModelConfig.gpt2(384, 32, 3, 4, 32);
            Path run = tmp.resolve("run-" + checkpointing);
            try (NDManager m = NDManager.newBaseManager();
                    Tokenizer tok = Tokenizer.load(Fixtures.parityModel("gpt2"));
                    CausalLM policy = new CausalLM(c, m, WeightSource.random(1, 0.2f, 3), true);
                    CausalLM reference = new CausalLM(c, m, WeightSource.random(1, 0.2f, 3), true);
                    ValueModel critic = new PolicyValueHead(policy, 3)) {
                PpoTrainer.Models models = new PpoTrainer.Models(policy, reference,
                        new PpoTrainerTest.TargetTokens(), critic, tok);
                new PpoTrainer(cfg, models, prompts(), run, List.of()).train();
            }
            List<String> lines = new ArrayList<>();
            for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
                com.fasterxml.jackson.databind.node.ObjectNode n =
                        (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(line);
                n.remove(List.of("time/generate", "time/score", "time/train", "throughput/tokens_per_s", "tokens_per_s",
                        "time"));
                lines.add(n.toString());
            }
            runs.add(lines);
        }
        assertEquals(runs.get(0), runs.get(1));
    }

    /** A LoRA policy stopped after its checkpoint and resumed (adapters, both optimizers) equals the straight run. */
    @Test
    void resumedLoraRunEqualsUninterruptedRun(@TempDir Path tmp) throws IOException {
        List<String> straight = loraRun(tmp.resolve("a"), dev.rlhf4j.core.train.RunHook.NONE);
        loraRun(tmp.resolve("b"), dev.rlhf4j.core.train.RunHook.stopAfter(2));
        assertFalse(Files.exists(tmp.resolve("b/model")));
        List<String> resumed = loraRun(tmp.resolve("b"), dev.rlhf4j.core.train.RunHook.NONE);
        assertEquals(straight.size(), resumed.size());
        for (int i = 0; i < straight.size(); i++) {
            assertEquals(JSON.readTree(straight.get(i)).get("loss"), JSON.readTree(resumed.get(i)).get("loss"),
                    "iteration " + (i + 1));
            assertEquals(JSON.readTree(straight.get(i)).get("objective/kl"),
                    JSON.readTree(resumed.get(i)).get("objective/kl"), "iteration " + (i + 1));
        }
        assertEquals(-1, Files.mismatch(tmp.resolve("a/model").resolve(PeftAdapter.WEIGHTS_FILE),
                tmp.resolve("b/model").resolve(PeftAdapter.WEIGHTS_FILE)));
    }

    private static List<String> loraRun(Path run, dev.rlhf4j.core.train.RunHook hook) throws IOException {
        PpoConfig cfg = JSON.readValue("""
                {"policy": "unused", "reward_model": "unused", "prompts": "unused",
                 "iterations": 4, "batch_size": 16, "ppo_epochs": 2, "max_new_tokens": 8, "temperature": 1.0,
                 "kl_coef": 0.05, "missing_eos": "ignore", "lr": 1e-2, "critic_lr": 3e-3, "schedule": "constant",
                 "log_every": 1, "sample_every": 100, "save_every": 2, "seed": 7,
                 "lora": {"r": 4, "alpha": 8, "target_modules": ["c_attn", "c_proj"]}}
                """, PpoConfig.class);
        ModelConfig c = ModelConfig.gpt2(384, 32, 2, 4, 32);
        try (NDManager m = NDManager.newBaseManager();
                Tokenizer tok = Tokenizer.load(Fixtures.parityModel("gpt2"));
                CausalLM policy = new CausalLM(c, m, WeightSource.random(1, 0.2f, 2), true);
                ValueModel critic = RewardModels.critic(RewardModel.random(c, m, 3), tok)) {
            LoraTraining.freezeAndAdd(policy, cfg.lora(), cfg.seed(), null);
            PpoTrainer.Models models = new PpoTrainer.Models(policy, policy, new PpoTrainerTest.TargetTokens(), critic,
                    tok);
            new PpoTrainer(cfg, models, prompts(), run, List.of()).train(hook);
        }
        return Files.readAllLines(run.resolve("metrics.jsonl"));
    }

    private static float[] logits(CausalLM model, long[][] ids, NDManager m) {
        try (NDManager s = m.newSubManager()) {
            NDArray x = s.create(ids);
            return model.forward(x, null, null, null, false).logits().toFloatArray();
        }
    }

    private static double mean(List<JsonNode> lines, int from, int to) {
        return lines.subList(from, to).stream().mapToDouble(l -> l.get("objective/scores").asDouble()).average()
                .orElseThrow();
    }

    private static List<PromptSource.Prompt> prompts() {
        List<PromptSource.Prompt> out = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            out.add(new PromptSource.Prompt("p" + i, new long[] {10 + i, 40 + i, 70 + i, 30}));
        }
        return out;
    }
}
