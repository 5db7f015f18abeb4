package dev.rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.model.ModelConfig;
import dev.rlhf4j.core.model.WeightSource;
import dev.rlhf4j.core.testing.Fixtures;
import dev.rlhf4j.core.tokenizer.ChatMessage;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.data.record.Votes;
import dev.rlhf4j.ppo.PolicyEvaluator;
import dev.rlhf4j.ppo.PpoTrainer;
import dev.rlhf4j.ppo.PromptSource;
import dev.rlhf4j.rm.RewardInputs;
import dev.rlhf4j.rm.RewardModel;
import dev.rlhf4j.rm.RewardScorer;
import dev.rlhf4j.rm.data.PreferencePair;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chain as a new user meets it, with the shipped template's defaults ({@code
 * configs/gpt2-small.yaml}: dedupe on, auto-detected format) and only paths and sizes set: a
 * Llama-style base model with a byte-level BPE tokenizer, no chat template and pad == eos;
 * {@code {"prompt", "completion"}} demonstrations; TRL string triples from Bradley–Terry annotators
 * who judge the same 36 comparisons (4 answers × 6 prompts) 800 times; {@code {"prompt"}} PPO
 * prompts. Each stage runs through its own command ({@code sft}, {@code rm train}, {@code ppo}).
 *
 * <p>A hidden gold value per answer decides the annotators' votes and measures the result: the
 * reward model must order the gold pairs (≥ 0.9) and PPO must raise the gold reward over SFT.
 * Before repeated judgements were counted as votes the import kept one record per pair and turned
 * the disputed ones into ties, and the same run ordered the gold pairs at chance.
 */
class RealisticDataTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String[] PROMPTS = {
        "Question: What should I pack for a hike?\nAnswer:",
        "Question: How do I keep bread fresh?\nAnswer:",
        "Question: What is a good name for a cat?\nAnswer:",
        "Question: How can I sleep better?\nAnswer:",
        "Question: What do bees make?\nAnswer:",
        "Question: Where does the river go?\nAnswer:",
    };
    private static final String[][] ANSWERS = {
        {" Water and a map.", " Only socks.", " A heavy sofa.", " Snacks and a coat."},
        {" Wrap it in cloth.", " Leave it in the rain.", " Freeze the slices.", " Eat it at once."},
        {" Honey.", " Mister Baker.", " Cat.", " The number seven."},
        {" Go to bed early.", " Drink more coffee.", " Read a calm book.", " Shout at night."},
        {" Honey and wax.", " Bread.", " Loud music.", " Small stones."},
        {" Down to the sea.", " Up the hill.", " Into the mill.", " Nowhere at all."},
    };
    /** Gold value of each answer by rank; every prompt gets its own order. */
    private static final double[] GOLD_BY_RANK = {1.5, 0.5, -0.5, -1.5};
    /** How often the demonstrations use each rank: the best answer is the rarest, so there is room to improve. */
    private static final double[] DEMO_SHARE_BY_RANK = {0.1, 0.2, 0.3, 0.4};

    @TempDir
    Path tmp;

    @Test
    void repeatedJudgementsTrainARewardModelThatPpoCanUse() throws Exception {
        SplittableRandom rng = new SplittableRandom(2024);
        double[][] gold = new double[PROMPTS.length][4];
        int[][] rankOf = new int[PROMPTS.length][4];
        for (int p = 0; p < PROMPTS.length; p++) {
            int[] order = shuffled(4, rng);
            for (int r = 0; r < 4; r++) {
                rankOf[p][order[r]] = r;
                gold[p][order[r]] = GOLD_BY_RANK[r];
            }
        }
        Path base = baseModel();
        Path demos = tmp.resolve("demos.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            int p = i % PROMPTS.length;
            int a = pickByRank(rankOf[p], rng);
            lines.add(JSON.writeValueAsString(Map.of("prompt", PROMPTS[p], "completion", ANSWERS[p][a])));
        }
        Files.write(demos, lines);
        Path prefs = tmp.resolve("prefs.jsonl");
        lines.clear();
        for (int i = 0; i < 800; i++) {
            int p = rng.nextInt(PROMPTS.length);
            int a = rng.nextInt(4);
            int b = (a + 1 + rng.nextInt(3)) % 4;
            boolean aWins = rng.nextDouble() < 1 / (1 + Math.exp(-1.5 * (gold[p][a] - gold[p][b])));
            lines.add(JSON.writeValueAsString(Map.of("prompt", PROMPTS[p], "chosen", ANSWERS[p][aWins ? a : b],
                    "rejected", ANSWERS[p][aWins ? b : a])));
        }
        Files.write(prefs, lines);
        Path prompts = tmp.resolve("prompts.jsonl");
        lines.clear();
        for (String p : PROMPTS) {
            lines.add(JSON.writeValueAsString(Map.of("prompt", p)));
        }
        Files.write(prompts, lines);

        Path config = tmp.resolve("my-run.yaml");
        Files.copy(repoRoot().resolve("configs/gpt2-small.yaml"), config);
        Path runs = tmp.resolve("runs");
        List<String> sets = List.of(
                "runs_dir=" + runs, "data.inputs=[" + prefs + "]", "data.test=0",
                "sft.model=" + base, "sft.data=" + demos, "sft.max_length=64",
                "sft.training.batch_size=16", "sft.training.max_steps=300", "sft.training.lr=3.0e-3",
                "sft.training.warmup_steps=10",
                "reward_model.max_length=64", "reward_model.training.batch_size=8",
                "reward_model.training.max_steps=120", "reward_model.training.lr=1.0e-3",
                "reward_model.training.warmup_steps=10",
                "ppo.prompts=" + prompts, "ppo.iterations=25", "ppo.batch_size=24", "ppo.num_mini_batches=2",
                "ppo.max_new_tokens=24", "ppo.lr=1.0e-4", "ppo.critic_lr=1.0e-3", "ppo.sample_every=100");
        run("pipeline", config, sets, "--only", "data");
        run("sft", config, sets);
        run("rm", config, sets);
        run("ppo", config, sets);

        Path runDir = runs.resolve("gpt2-small");
        JsonNode data = JSON.readTree(runDir.resolve("data/done.json").toFile());
        assertEquals(800, data.get("read").asInt());
        assertEquals(36, data.get("written").asInt(), "one record per compared pair");
        assertEquals(764, data.get("duplicates").asInt(), "read = written + rejected + duplicates");
        long votes = 0;
        for (String line : Files.readAllLines(runDir.resolve("data/preferences.jsonl"))) {
            JsonNode r = JSON.readTree(line);
            votes += Votes.of(dev.rlhf4j.data.record.RecordJson.fromJson(r)).total();
        }
        assertEquals(800, votes, "every judgement is a vote on its pair's record");

        double accuracy = goldPairAccuracy(runDir.resolve("reward_model/model"), gold);
        assertTrue(accuracy >= 0.9, "reward model orders the gold pairs with accuracy " + accuracy);

        List<PromptSource.Prompt> evalPrompts;
        Path sft = runDir.resolve("sft/model");
        try (Tokenizer tok = Tokenizer.load(sft)) {
            evalPrompts = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                evalPrompts.addAll(PromptSource.read(prompts, tok, 64));
            }
        }
        Map<String, Path> policies = new LinkedHashMap<>();
        policies.put("sft", sft);
        policies.put("ppo", runDir.resolve("ppo/model"));
        List<PolicyEvaluator.PolicyReport> reports = PolicyEvaluator.evaluate(policies, sft,
                runDir.resolve("reward_model/model"), evalPrompts, 24, 0.7f, 5, 16, List.of(goldMetric(gold)));
        double sftGold = reports.get(0).metrics().get("gold");
        double ppoGold = reports.get(1).metrics().get("gold");
        System.err.printf("realistic data: reward-model gold-pair accuracy %.3f; gold reward sft %.3f, ppo %.3f%n",
                accuracy, sftGold, ppoGold);
        assertTrue(ppoGold > sftGold + 0.2, "PPO raises the hidden gold reward: sft " + sftGold + ", ppo " + ppoGold);
    }

    /** A tiny Llama with GPT-2's byte-level BPE tokenizer: no chat template, pad == eos (as in most base models). */
    private Path baseModel() throws Exception {
        Path tokDir = tmp.resolve("tokenizer");
        Files.createDirectories(tokDir);
        Files.copy(Fixtures.parityModel("gpt2").resolve("tokenizer.json"), tokDir.resolve("tokenizer.json"));
        Files.writeString(tokDir.resolve("tokenizer_config.json"), """
                {"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>",
                 "unk_token": "<|endoftext|>", "tokenizer_class": "PreTrainedTokenizerFast"}
                """);
        Path dir = tmp.resolve("base");
        try (Tokenizer tok = Tokenizer.load(tokDir); NDManager m = NDManager.newBaseManager()) {
            assertEquals(tok.eosId(), tok.padId(), "pad == eos");
            ModelConfig c = ModelConfig.llama(384, 64, 2, 4, 2, 176, 128)
                    .withSpecialTokens(tok.bosId(), tok.eosIds(), tok.padId());
            try (CausalLM lm = new CausalLM(c, m, WeightSource.random(7, 0.02f, 2), true)) {
                ModelDirectory.saveCausalLM(dir, lm, tok);
            }
        }
        return dir;
    }

    private static double goldPairAccuracy(Path rmDir, double[][] gold) {
        List<PreferencePair> pairs = new ArrayList<>();
        List<Boolean> firstBetter = new ArrayList<>();
        for (int p = 0; p < PROMPTS.length; p++) {
            for (int a = 0; a < 4; a++) {
                for (int b = a + 1; b < 4; b++) {
                    pairs.add(new PreferencePair(p + "-" + a + "-" + b, List.of(ChatMessage.user(PROMPTS[p])),
                            List.of(ChatMessage.assistant(ANSWERS[p][a])), List.of(ChatMessage.assistant(ANSWERS[p][b])),
                            false, null, null, null, null, Map.of(), "gold", true, new Votes(1, 0, 0)));
                    firstBetter.add(gold[p][a] > gold[p][b]);
                }
            }
        }
        try (NDManager m = NDManager.newBaseManager(); Tokenizer tok = Tokenizer.load(rmDir);
                RewardModel rm = RewardModel.load(rmDir, m)) {
            RewardScorer.PairScores s = new RewardScorer(rm, new RewardInputs(tok, 64), 32, m).scorePairs(pairs);
            int correct = 0;
            for (int i = 0; i < pairs.size(); i++) {
                correct += (s.chosen()[i] > s.rejected()[i]) == firstBetter.get(i) ? 1 : 0;
            }
            return (double) correct / pairs.size();
        }
    }

    /** Gold of a response: its answer's value, or −3 for anything that is not one of the answers. */
    private static PpoTrainer.SampleMetric goldMetric(double[][] gold) {
        Map<String, Double> values = new HashMap<>();
        for (int p = 0; p < PROMPTS.length; p++) {
            for (int a = 0; a < 4; a++) {
                values.put(PROMPTS[p] + ANSWERS[p][a], gold[p][a]);
            }
        }
        return new PpoTrainer.SampleMetric() {
            @Override
            public String name() {
                return "gold";
            }

            @Override
            public double[] measure(List<String> prompts, List<String> responses, boolean[] endedWithEos) {
                double[] out = new double[responses.size()];
                for (int i = 0; i < out.length; i++) {
                    Double v = endedWithEos[i] ? values.get(prompts.get(i) + responses.get(i)) : null;
                    out[i] = v != null ? v : -3;
                }
                return out;
            }
        };
    }

    private static void run(String command, Path config, List<String> sets, String... extra) {
        List<String> args = new ArrayList<>(command.equals("rm") ? List.of("rm", "train") : List.of(command));
        args.addAll(List.of("-c", config.toString()));
        sets.forEach(s -> args.addAll(List.of("--set", s)));
        args.addAll(List.of(extra));
        StringWriter err = new StringWriter();
        int exit = Rlhf4j.commandLine().setErr(new PrintWriter(err, true)).execute(args.toArray(String[]::new));
        assertEquals(0, exit, command + ": " + err);
    }

    private static int pickByRank(int[] rankOf, SplittableRandom rng) {
        double u = rng.nextDouble();
        for (int a = 0; a < rankOf.length; a++) {
            u -= DEMO_SHARE_BY_RANK[rankOf[a]];
            if (u < 0) {
                return a;
            }
        }
        return rankOf.length - 1;
    }

    private static int[] shuffled(int n, SplittableRandom rng) {
        int[] o = new int[n];
        for (int i = 0; i < n; i++) {
            o[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = o[i];
            o[i] = o[j];
            o[j] = t;
        }
        return o;
    }

    private static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(dir.resolve("configs"))) {
            dir = dir.getParent();
        }
        return dir;
    }
}
