package dev.rlhf4j.ppo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.model.ModelConfig;
import dev.rlhf4j.core.model.WeightSource;
import dev.rlhf4j.core.testing.Fixtures;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.core.train.TrainingStoppedException;
import dev.rlhf4j.rm.RewardModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PPO on a tiny model against a synthetic reward: the fraction of response tokens drawn from a
 * chosen fifth of the vocabulary. The reward must rise while KL stays bounded; a large β keeps
 * the policy at the reference; the first minibatch of every iteration has ratio 1 and clipfrac 0.
 */
class PpoTrainerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int VOCAB = 384; // the parity tokenizer's
    private static final long TARGET_FROM = 100;
    private static final long TARGET_TO = 180;

    /** Reward = fraction of real response tokens in [TARGET_FROM, TARGET_TO); the prompt width is fixed at 4. */
    static final class TargetTokens implements SequenceScorer {
        @Override
        public NDArray scores(NDArray ids, NDArray mask, List<Sample> samples) {
            NDArray response = ids.get(":, 4:");
            NDArray real = mask.get(":, 4:").toType(DataType.FLOAT32, false);
            NDArray hit = response.gte(TARGET_FROM).logicalAnd(response.lt(TARGET_TO)).toType(DataType.FLOAT32, false);
            return hit.mul(real).sum(new int[] {1}).div(real.sum(new int[] {1}).maximum(1f));
        }
    }

    private static PpoConfig config(int iterations, double klCoef, int saveEvery) {
        return config(iterations, klCoef, saveEvery, "");
    }

    private static PpoConfig config(int iterations, double klCoef, int saveEvery, String extra) {
        String yaml = """
                {"policy": "unused", "reward_model": "unused", "prompts": "unused", %s
                 "iterations": %d, "batch_size": 16, "ppo_epochs": 4, "max_new_tokens": 8, "temperature": 1.0,
                 "kl_coef": %s, "missing_eos": "ignore", "lr": 3e-3, "critic_lr": 3e-3, "schedule": "constant",
                 "log_every": 1, "sample_every": 100, "save_every": %d, "seed": 7}
                """.formatted(extra, iterations, klCoef, saveEvery);
        try {
            return JSON.readValue(yaml, PpoConfig.class);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<PromptSource.Prompt> prompts() {
        List<PromptSource.Prompt> out = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            out.add(new PromptSource.Prompt("p" + i, new long[] {10 + i, 40 + i, 70 + i, 30}));
        }
        return out;
    }

    private static List<JsonNode> train(PpoConfig cfg, Path run, NDManager m, float[][] finalWeights) throws IOException {
        return train(cfg, run, m, finalWeights, false);
    }

    private static List<JsonNode> train(PpoConfig cfg, Path run, NDManager m, float[][] finalWeights, boolean sharedCritic)
            throws IOException {
        return train(cfg, run, m, finalWeights, sharedCritic, dev.rlhf4j.core.train.RunHook.NONE);
    }

    private static List<JsonNode> train(PpoConfig cfg, Path run, NDManager m, float[][] finalWeights, boolean sharedCritic,
            dev.rlhf4j.core.train.RunHook hook) throws IOException {
        ModelConfig c = ModelConfig.gpt2(VOCAB, 32, 2, 4, 32);
        try (Tokenizer tok = Tokenizer.load(Fixtures.parityModel("gpt2"));
                CausalLM policy = new CausalLM(c, m, WeightSource.random(1, 0.02f, 2), true);
                CausalLM reference = new CausalLM(c, m, WeightSource.random(1, 0.02f, 2), true);
                ValueModel critic = sharedCritic ? new PolicyValueHead(policy, 3)
                        : RewardModels.critic(RewardModel.random(c, m, 3), tok)) {
            PpoTrainer.Models models = new PpoTrainer.Models(policy, reference, new TargetTokens(), critic, tok);
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

    @Test
    void rewardRisesWhileKlStaysBoundedAndFirstMinibatchIsOnPolicy(@TempDir Path tmp) throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            List<JsonNode> log = train(config(30, 0.05, 0), tmp.resolve("run"), m, null);
            double before = mean(log, "objective/scores", 0, 5);
            double after = mean(log, "objective/scores", 25, 30);
            assertTrue(after > before + 0.25, "target-token fraction " + before + " -> " + after);
            double kl = mean(log, "objective/kl", 25, 30);
            assertTrue(kl > 0 && kl < 20, "KL per sequence stays bounded: " + kl);
            for (JsonNode l : log) {
                assertEquals(1.0, l.get("policy/first_ratio_mean").asDouble(), 1e-5);
                assertEquals(0.0, l.get("policy/first_clipfrac").asDouble(), 0.0);
                assertTrue(l.get("policy/clipfrac").asDouble() < 0.5);
            }
            assertTrue(Files.exists(tmp.resolve("run/model/model.safetensors")));
            assertTrue(Files.readAllLines(tmp.resolve("run/samples.jsonl")).size() > 0);
        }
    }

    /** A value head on the policy's own trunk ({@code critic: shared}) learns values and PPO still improves. */
    @Test
    void sharedTrunkCriticWorks(@TempDir Path tmp) throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            List<JsonNode> log = train(config(30, 0.05, 0), tmp.resolve("run"), m, null, true);
            double before = mean(log, "objective/scores", 0, 5);
            double after = mean(log, "objective/scores", 25, 30);
            assertTrue(after > before + 0.15, "target-token fraction " + before + " -> " + after);
            assertTrue(mean(log, "val/explained_variance", 25, 30) > mean(log, "val/explained_variance", 0, 5),
                    "the value head learns");
        }
    }

    /** The run stops with a clear message when the policy ratio explodes. */
    @Test
    void explodingRatioStopsTheRun(@TempDir Path tmp) {
        try (NDManager m = NDManager.newBaseManager()) {
            PpoConfig cfg = config(10, 0.05, 0, "\"max_approx_kl\": 1e-9, \"approx_kl_patience\": 2,");
            TrainingStoppedException e = org.junit.jupiter.api.Assertions.assertThrows(TrainingStoppedException.class,
                    () -> train(cfg, tmp.resolve("run"), m, null));
            assertTrue(e.getMessage().startsWith("ppo: approx_kl ") && e.getMessage().contains(
                    "exceeded max_approx_kl 0.000 for 2 iterations in a row (iteration 2): the policy ratio exploded"),
                    e.getMessage());
        }
    }

    /** Scores NaN for the third rollout of every batch, like a broken reward model. */
    static final class NanForThirdRollout implements SequenceScorer {
        @Override
        public NDArray scores(NDArray ids, NDArray mask, List<Sample> samples) {
            NDArray s = new TargetTokens().scores(ids, mask, samples);
            float[] v = s.toFloatArray();
            v[2] = Float.NaN;
            return s.getManager().create(v);
        }
    }

    /** A critic whose values are all NaN: every loss is NaN. */
    static final class NanCritic implements ValueModel {
        private final ValueModel inner;

        NanCritic(ValueModel inner) {
            this.inner = inner;
        }

        @Override
        public NDArray values(NDArray ids, NDArray mask) {
            NDArray v = inner.values(ids, mask);
            return v.add(Float.NaN); // add's backward does not read its operand (see Scalars)
        }

        @Override
        public List<dev.rlhf4j.core.train.NamedParameter> trainableParameters() {
            return inner.trainableParameters();
        }

        @Override
        public void save(Path dir) {
            inner.save(dir);
        }

        @Override
        public void loadWeights(Path dir) {
            inner.loadWeights(dir);
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    private static void trainBroken(PpoConfig cfg, Path run, NDManager m, SequenceScorer scorer, boolean nanCritic)
            throws IOException {
        ModelConfig c = ModelConfig.gpt2(VOCAB, 32, 2, 4, 32);
        try (Tokenizer tok = Tokenizer.load(Fixtures.parityModel("gpt2"));
                CausalLM policy = new CausalLM(c, m, WeightSource.random(1, 0.02f, 2), true);
                CausalLM reference = new CausalLM(c, m, WeightSource.random(1, 0.02f, 2), true);
                ValueModel critic = RewardModels.critic(RewardModel.random(c, m, 3), tok)) {
            ValueModel used = nanCritic ? new NanCritic(critic) : critic;
            new PpoTrainer(cfg, new PpoTrainer.Models(policy, reference, scorer, used, tok), prompts(), run, List.of()).train();
        }
    }

    /** A NaN score is caught before it reaches the advantages, naming the iteration and the rollout. */
    @Test
    void aNonFiniteScoreStopsTheRunBeforeItIsUsed(@TempDir Path tmp) {
        try (NDManager m = NDManager.newBaseManager()) {
            dev.rlhf4j.core.train.TrainingStoppedException e = org.junit.jupiter.api.Assertions.assertThrows(
                    dev.rlhf4j.core.train.TrainingStoppedException.class,
                    () -> trainBroken(config(3, 0.05, 0), tmp.resolve("run"), m, new NanForThirdRollout(), false));
            assertEquals("ppo: stopped at iteration 1: the reward model (unused) scored rollout 3 of 16 as NaN; a"
                    + " non-finite score would make every advantage of the batch NaN. Check the reward model's weights"
                    + " and the responses it was given", e.getMessage());
            assertTrue(!Files.exists(tmp.resolve("run/model")), "no final model is saved");
        }
    }

    /** NaN losses are skipped at first, then stop the run instead of "succeeding" with an unchanged policy. */
    @Test
    void nonFiniteStepsInARowStopTheRun(@TempDir Path tmp) {
        try (NDManager m = NDManager.newBaseManager()) {
            PpoConfig cfg = config(3, 0.05, 0, "\"max_skipped_steps\": 2,");
            dev.rlhf4j.core.train.TrainingStoppedException e = org.junit.jupiter.api.Assertions.assertThrows(
                    dev.rlhf4j.core.train.TrainingStoppedException.class,
                    () -> trainBroken(cfg, tmp.resolve("run"), m, new TargetTokens(), true));
            assertEquals("training stopped at iteration 1, epoch 2, minibatch 1: loss is NaN (gradient norm NaN); 2"
                    + " non-finite steps in a row reached the limit of 2 (2 skipped in all). Lower the learning rate, set"
                    + " max_grad_norm, or check the data of these steps", e.getMessage());
            assertTrue(!Files.exists(tmp.resolve("run/model")), "no final model is saved");
        }
    }

    /** A critic from the reward model must share the policy's tokenizer; the error names the key and the directory. */
    @Test
    void differentTokenizersAreRefused(@TempDir Path tmp) throws IOException {
        Path policy = Fixtures.parityModel("gpt2");
        Path other = tmp.resolve("rm");
        Files.createDirectories(other);
        Files.writeString(other.resolve("tokenizer.json"), "{}");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> PpoModels.checkSameTokenizer(policy, other, "reward_model"));
        assertEquals("ppo.reward_model: the tokenizer in " + other + " differs from the policy's (" + policy
                + "); the critic reads the policy's tokens directly, so both must use the same tokenizer.json (train the"
                + " reward model from the same SFT model, or set ppo.critic: policy)", e.getMessage());
        PpoModels.checkSameTokenizer(policy, Fixtures.parityModel("gpt2-rm"), "reward_model"); // same file: fine
    }

    /** PPO-ptx: the language-model loss on the pretraining texts is added, logged, and falls. */
    @Test
    void ptxLossIsAddedAndFalls(@TempDir Path tmp) throws IOException {
        Path ptx = tmp.resolve("ptx.jsonl");
        Files.writeString(ptx, "{\"text\": \"The miller and the baker.\"}\n{\"text\": \"She lit the lamp.\"}\n");
        try (NDManager m = NDManager.newBaseManager()) {
            List<JsonNode> log = train(config(6, 0.05, 0, "\"ptx_coef\": 1.0, \"ptx_data\": \"" + ptx + "\","),
                    tmp.resolve("run"), m, null);
            double first = log.get(0).get("loss/ptx").asDouble();
            double last = log.get(5).get("loss/ptx").asDouble();
            assertTrue(last < 0.8 * first, "ptx loss " + first + " -> " + last);
        }
    }

    @Test
    void largeBetaKeepsThePolicyAtTheReference(@TempDir Path tmp) throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            List<JsonNode> free = train(config(16, 0.0, 0), tmp.resolve("free"), m, null);
            List<JsonNode> held = train(config(16, 50.0, 0), tmp.resolve("held"), m, null);
            double klFree = mean(free, "objective/kl", 12, 16);
            double klHeld = mean(held, "objective/kl", 12, 16);
            assertTrue(klHeld < 0.5 * klFree, "KL with beta 50: " + klHeld + ", with beta 0: " + klFree);
        }
    }

    @Test
    void resumeEqualsUninterruptedTrainingAndLiveArraysStayFlat(@TempDir Path tmp) throws IOException {
        float[][] straight = new float[1][];
        float[][] resumed = new float[1][];
        List<JsonNode> a;
        int liveShort;
        int liveLong;
        try (NDManager m = NDManager.newBaseManager()) {
            a = train(config(4, 0.05, 2), tmp.resolve("a"), m, straight);
            liveLong = m.getManagedArrays().size();
        }
        try (NDManager m = NDManager.newBaseManager()) {
            // run 2 iterations with a checkpoint at 2 ... then a fresh process-like start resumes to 4
            train(config(2, 0.05, 2), tmp.resolve("b-first"), m, null);
            liveShort = m.getManagedArrays().size();
        }
        Path b = tmp.resolve("b");
        try (NDManager m = NDManager.newBaseManager()) { // killed after iteration 2, just after its checkpoint
            train(config(4, 0.05, 2), b, m, null, false, dev.rlhf4j.core.train.RunHook.stopAfter(2));
        }
        assertTrue(!Files.exists(b.resolve("model")), "a run stopped as if killed writes no model");
        List<JsonNode> c;
        try (NDManager m = NDManager.newBaseManager()) {
            c = train(config(4, 0.05, 2), b, m, resumed);
        }
        assertArrayEquals(straight[0], resumed[0]);
        for (int i = 0; i < 4; i++) {
            assertEquals(a.get(i).get("loss").asDouble(), c.get(i).get("loss").asDouble(), 0.0, "iteration " + (i + 1));
        }
        assertEquals(liveShort, liveLong, "live NDArrays after 2 and after 4 iterations");

        // the checkpoint remembers its config: another kl_coef is not resumed silently
        try (NDManager m = NDManager.newBaseManager()) {
            dev.rlhf4j.core.train.TrainingStoppedException e = org.junit.jupiter.api.Assertions.assertThrows(
                    dev.rlhf4j.core.train.TrainingStoppedException.class,
                    () -> train(config(4, 0.1, 2), b, m, null));
            assertTrue(e.getMessage().startsWith(b.resolve("checkpoints/step-2") + ": the config changed since this"
                    + " checkpoint was saved: ppo.kl_coef from 0.05 to 0.1;"), e.getMessage());
        }
    }

}
