package dev.rlhf4j.cli.bench;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.model.ModelConfig;
import dev.rlhf4j.core.model.WeightSource;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.ppo.PpoConfig;
import dev.rlhf4j.ppo.PpoTrainer;
import dev.rlhf4j.ppo.PromptSource;
import dev.rlhf4j.ppo.RewardModels;
import dev.rlhf4j.ppo.SequenceScorer;
import dev.rlhf4j.ppo.ValueModel;
import dev.rlhf4j.rm.RewardModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One PPO iteration's time split into generate / score / train, with samples and tokens per
 * second, on random models of the two core sizes (policy, reference, reward model and critic of
 * the same size). Taken from the trainer's own {@code time/*} metrics.
 */
final class PpoBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PpoBench() {}

    static Map<String, Object> run(ModelConfig c, Tokenizer tok, int batch, int newTokens, int iterations) throws Exception {
        Path run = Files.createTempDirectory("rlhf4j-bench-ppo");
        Map<String, Object> row = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager();
                CausalLM policy = new CausalLM(c, m, WeightSource.random(1, 0.02f, c.numLayers()), true);
                CausalLM reference = new CausalLM(c, m, WeightSource.random(1, 0.02f, c.numLayers()), true);
                RewardModel rm = RewardModel.random(c, m, 2);
                ValueModel critic = RewardModels.critic(RewardModel.random(c, m, 3), tok)) {
            SplittableRandom rng = new SplittableRandom(1);
            List<PromptSource.Prompt> prompts = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                prompts.add(new PromptSource.Prompt("p" + i, rng.longs(32, 1, c.vocabSize()).toArray()));
            }
            PpoConfig cfg = JSON.readValue("""
                    {"policy": "-", "reward_model": "-", "prompts": "-", "iterations": %d, "batch_size": %d,
                     "max_new_tokens": %d, "missing_eos": "ignore", "sample_every": 1000}
                    """.formatted(iterations, batch, newTokens), PpoConfig.class);
            SequenceScorer scorer = RewardModels.scorer(rm, tok);
            new PpoTrainer(cfg, new PpoTrainer.Models(policy, reference, scorer, critic, tok), prompts, run, List.of()).train();
            List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
            JsonNode last = JSON.readTree(lines.get(lines.size() - 1)); // steady state: the last iteration
            double gen = last.get("time/generate").asDouble();
            double score = last.get("time/score").asDouble();
            double train = last.get("time/train").asDouble();
            double total = gen + score + train;
            row.put("model", c.modelType() + " d=" + c.hiddenSize() + " L=" + c.numLayers());
            row.put("batch", batch);
            row.put("generate_s", gen);
            row.put("score_s", score);
            row.put("train_s", train);
            row.put("generate_share", gen / total);
            row.put("score_share", score / total);
            row.put("train_share", train / total);
            row.put("samples_per_s", batch / total);
            row.put("tokens_per_s", last.get("throughput/tokens_per_s").asDouble());
            row.put("iteration_s", total);
            row.put("peak_rss_mb", PeakRss.mb());
        } finally {
            dev.rlhf4j.core.checkpoint.ModelDirectory.deleteRecursively(run);
        }
        return row;
    }

}
