package dev.rlhf4j.ppo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.model.ModelConfig;
import dev.rlhf4j.core.model.WeightSource;
import dev.rlhf4j.core.testing.Fixtures;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.core.train.RunHook;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The critic-free algorithms on PpoTrainerTest's toy task (reward: the fraction of response tokens
 * from a chosen fifth of the vocabulary, {@link PpoTrainerTest.TargetTokens}), without any critic:
 * the score rises, the value metrics are absent, a run resumes bit for bit and the live arrays stay
 * flat.
 */
class CriticFreeTrainerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static PpoConfig config(String algorithm, int iterations, int saveEvery, String extra) throws IOException {
        return JSON.readValue("""
                {"policy": "unused", "reward_model": "unused", "prompts": "unused", "algorithm": "%s", %s
                 "iterations": %d, "batch_size": 16, "num_generations": 4, "ppo_epochs": 4, "max_new_tokens": 8,
                 "temperature": 1.0, "kl_coef": 0.05, "missing_eos": "ignore", "lr": 3e-3, "schedule": "constant",
                 "log_every": 1, "sample_every": 100, "save_every": %d, "seed": 7}
                """.formatted(algorithm, extra, iterations, saveEvery), PpoConfig.class);
    }

    private static List<PromptSource.Prompt> prompts() {
        List<PromptSource.Prompt> out = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            out.add(new PromptSource.Prompt("p" + i, new long[] {10 + i, 40 + i, 70 + i, 30}));
        }
        return out;
    }

    /** Trains with no critic at all; returns the metrics lines and, if asked, a weight of the final policy. */
    private static List<JsonNode> train(PpoConfig cfg, Path run, NDManager m, float[][] finalWeights, RunHook hook)
            throws IOException {
        ModelConfig c = ModelConfig.gpt2(384, 32, 2, 4, 32);
        try (Tokenizer tok = Tokenizer.load(Fixtures.parityModel("gpt2"));
                CausalLM policy = new CausalLM(c, m, WeightSource.random(1, 0.02f, 2), true);
                CausalLM reference = new CausalLM(c, m, WeightSource.random(1, 0.02f, 2), true)) {
            PpoTrainer.Models models = new PpoTrainer.Models(policy, reference, new PpoTrainerTest.TargetTokens(), null, tok);
            new PpoTrainer(cfg, models, prompts(), run, List.of()).train(hook);
            if (finalWeights != null) {
                finalWeights[0] = policy.namedParameters().get("transformer.h.1.mlp.c_fc.weight").getArray().toFloatArray();
            }
        }
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            lines.add(JSON.readTree(line));
        }
        return lines;
    }

    private static double mean(List<JsonNode> lines, String key, int from, int to) {
        return lines.subList(from, to).stream().mapToDouble(l -> l.get(key).asDouble()).average().orElseThrow();
    }

    private static void assertScoreRises(String algorithm, List<JsonNode> log) {
        double before = mean(log, PpoMetrics.SCORES, 0, 5);
        double after = mean(log, PpoMetrics.SCORES, log.size() - 5, log.size());
        assertTrue(after > before + 0.25, algorithm + ": target-token fraction " + before + " -> " + after);
        for (JsonNode l : log) {
            assertEquals(1.0, l.get(PpoMetrics.FIRST_RATIO_MEAN).asDouble(), 1e-5, algorithm + ": first minibatch on-policy");
            for (Iterator<String> keys = l.fieldNames(); keys.hasNext(); ) {
                String key = keys.next();
                assertFalse(key.startsWith("val/") || key.equals(PpoMetrics.LOSS_VALUE) || key.equals(PpoMetrics.LR_CRITIC),
                        algorithm + " logs no critic metric, but logged " + key);
            }
        }
    }

    @Test
    void grpoAndRlooRaiseTheScoreWithoutACritic(@TempDir Path tmp) throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            List<JsonNode> grpo = train(config("grpo", 30, 0, ""), tmp.resolve("grpo"), m, null, RunHook.NONE);
            assertScoreRises("grpo", grpo);
            assertTrue(grpo.get(29).has(PpoMetrics.LOSS_KL) && grpo.get(29).get(PpoMetrics.LOSS_KL).asDouble() > 0,
                    "grpo logs its k3 KL term");
            assertTrue(grpo.get(0).has(PpoMetrics.FRAC_REWARD_ZERO_STD));
            List<JsonNode> rloo = train(config("rloo", 30, 0, ""), tmp.resolve("rloo"), m, null, RunHook.NONE);
            assertScoreRises("rloo", rloo);
            assertFalse(rloo.get(0).has(PpoMetrics.LOSS_KL), "rloo has its KL in the reward, not the loss");
            assertTrue(Files.exists(tmp.resolve("rloo/model/model.safetensors")));
        }
    }

    @Test
    void drGrpoAndReinforcePlusPlusRaiseTheScore(@TempDir Path tmp) throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            assertScoreRises("dr_grpo", train(config("grpo", 30, 0, "\"scale_rewards\": \"none\", \"loss_type\": \"dr_grpo\","),
                    tmp.resolve("dr"), m, null, RunHook.NONE));
            assertScoreRises("reinforce_pp", train(config("reinforce_pp", 30, 0, "\"num_generations\": 1,"),
                    tmp.resolve("rpp"), m, null, RunHook.NONE));
        }
    }

    /** PpoModels loads no critic for a critic-free algorithm; a critic key that PPO would reject is ignored. */
    @Test
    void noCriticIsLoaded(@TempDir Path tmp) throws IOException {
        String models = "{\"policy\": \"%s\", \"reward_model\": \"%s\", \"prompts\": \"unused\", \"critic\": \"%s\","
                + " \"algorithm\": \"%s\"}";
        Path missing = tmp.resolve("no-critic-here");
        PpoConfig rloo = JSON.readValue(models.formatted(Fixtures.parityModel("gpt2"), Fixtures.parityModel("gpt2-rm"),
                missing, "rloo"), PpoConfig.class);
        try (PpoModels loaded = PpoModels.load(rloo)) {
            assertNull(loaded.models().critic());
            assertNotNull(loaded.models().reward());
        }
        PpoConfig ppo = JSON.readValue(models.formatted(Fixtures.parityModel("gpt2"), Fixtures.parityModel("gpt2-rm"),
                missing, "ppo"), PpoConfig.class);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PpoModels.load(ppo).close());
        assertTrue(e.getMessage().startsWith("ppo.critic: " + missing + " has no tokenizer.json"), e.getMessage());
    }

    /** GRPO: N iterations, stop as if killed, resume to 2N equals 2N straight, bit for bit; no critic in the checkpoint. */
    @Test
    void grpoResumesBitForBitAndLiveArraysStayFlat(@TempDir Path tmp) throws IOException {
        float[][] straight = new float[1][];
        float[][] resumed = new float[1][];
        List<JsonNode> a;
        int liveShort;
        int liveLong;
        try (NDManager m = NDManager.newBaseManager()) {
            a = train(config("grpo", 4, 2, ""), tmp.resolve("a"), m, straight, RunHook.NONE);
            liveLong = m.getManagedArrays().size();
        }
        try (NDManager m = NDManager.newBaseManager()) {
            train(config("grpo", 2, 2, ""), tmp.resolve("short"), m, null, RunHook.NONE);
            liveShort = m.getManagedArrays().size();
        }
        assertEquals(liveShort, liveLong, "live NDArrays after 2 and after 4 iterations");
        Path b = tmp.resolve("b");
        try (NDManager m = NDManager.newBaseManager()) {
            train(config("grpo", 4, 2, ""), b, m, null, RunHook.stopAfter(2));
        }
        Path checkpoint = b.resolve("checkpoints/step-2");
        assertTrue(Files.isDirectory(checkpoint.resolve("policy")));
        assertFalse(Files.exists(checkpoint.resolve("critic")), "no critic is saved");
        assertFalse(Files.exists(checkpoint.resolve("critic_optimizer.ndlist")), "no critic optimizer is saved");
        List<JsonNode> c;
        try (NDManager m = NDManager.newBaseManager()) {
            c = train(config("grpo", 4, 2, ""), b, m, resumed, RunHook.NONE);
        }
        assertArrayEquals(straight[0], resumed[0]);
        for (int i = 0; i < 4; i++) {
            assertEquals(a.get(i).get("loss").asDouble(), c.get(i).get("loss").asDouble(), 0.0, "iteration " + (i + 1));
            assertEquals(a.get(i).get(PpoMetrics.SCORES).asDouble(), c.get(i).get(PpoMetrics.SCORES).asDouble(), 0.0);
        }
    }
}
