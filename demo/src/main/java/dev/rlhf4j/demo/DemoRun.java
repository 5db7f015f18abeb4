package dev.rlhf4j.demo;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.config.ConfigFile;
import dev.rlhf4j.core.generate.Generation;
import dev.rlhf4j.core.generate.Generator;
import dev.rlhf4j.core.generate.SamplingConfig;
import dev.rlhf4j.core.io.JsonLines;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.model.ModelConfig;
import dev.rlhf4j.core.model.WeightSource;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.data.PreferenceRecords;
import dev.rlhf4j.data.record.PreferenceRecord;
import dev.rlhf4j.demo.task.DemoTask;
import dev.rlhf4j.demo.task.DemoTaskConfig;
import dev.rlhf4j.demo.task.GoldReward;
import dev.rlhf4j.demo.task.Response;
import dev.rlhf4j.demo.task.ResponsePair;
import dev.rlhf4j.demo.task.SimulatedAnnotators;
import dev.rlhf4j.pipeline.Pipeline;
import dev.rlhf4j.pipeline.RunConfig;
import dev.rlhf4j.pipeline.Stage;
import dev.rlhf4j.ppo.BestOfK;
import dev.rlhf4j.ppo.BestOfN;
import dev.rlhf4j.ppo.PolicyEvaluator;
import dev.rlhf4j.ppo.PpoConfig;
import dev.rlhf4j.ppo.PpoTrainer;
import dev.rlhf4j.ppo.PromptSource;
import dev.rlhf4j.ppo.RewardModels;
import dev.rlhf4j.rm.Normalization;
import dev.rlhf4j.rm.RewardInputs;
import dev.rlhf4j.rm.RewardModel;
import dev.rlhf4j.rm.RewardScorer;
import dev.rlhf4j.rm.data.PreferencePair;
import dev.rlhf4j.sft.SftConfig;
import dev.rlhf4j.sft.SftTrainer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The built-in demo, start to finish (configs/demo.yaml):
 *
 * <ol>
 *   <li>generate the task: review corpus, demonstrations, prompts, word-level tokenizer;
 *   <li>pretrain a tiny base model on the corpus;
 *   <li>SFT on the demonstrations (pipeline stage {@code sft});
 *   <li>sample pairs of SFT responses; simulated annotators label them (Bradley–Terry on the
 *       hidden gold reward, different noise, one with a position bias) into a Label Studio export;
 *   <li>import it through the normal data path, train and evaluate the reward model, train DPO on
 *       the same pairs, run PPO (pipeline stages {@code data}, {@code reward_model}, {@code dpo},
 *       {@code ppo}), then the critic-free methods of {@code demo.compare} (RLOO, GRPO) from the
 *       same SFT policy and reward model;
 *   <li>compare base, SFT, best-of-n (SFT samples ranked by the reward model), DPO, PPO, RLOO and
 *       GRPO on held-out prompts;
 *   <li>the summary table, {@code summary.json}, and {@code report.html} with plots.
 * </ol>
 *
 * The gold reward is never used for training: it only measures, next to the reward model, whether
 * alignment worked and where the proxy was over-optimised.
 */
public final class DemoRun {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final String CONFIG_RESOURCE = "configs/demo.yaml";

    private final Path out;
    private final boolean quick;
    private final ConfigFile config;
    private final DemoConfig demo;
    private final RunConfig run;
    private final long seed;
    private final GoldReward gold = DemoTask.goldReward();

    public DemoRun(Path out, boolean quick, List<String> overrides) throws IOException {
        this.out = out;
        this.quick = quick;
        ObjectNode tree;
        try (InputStream in = DemoRun.class.getClassLoader().getResourceAsStream(CONFIG_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(CONFIG_RESOURCE + " is missing from the jar");
            }
            tree = (ObjectNode) YAML.readTree(in);
        }
        this.config = ConfigFile.of(CONFIG_RESOURCE, tree);
        DemoConfig plain = config.bind("demo", DemoConfig.class);
        if (quick) {
            plain.quick().forEach(config::set);
        }
        overrides.forEach(config::set);
        this.demo = config.bind("demo", DemoConfig.class);
        this.run = new RunConfig(config, out);
        this.seed = config.value("seed", Long.class, 1L);
    }

    /** The demo's measurements of responses: gold reward and grammatical rate (never used for training). */
    List<PpoTrainer.SampleMetric> goldMetrics() {
        return List.of(new PpoTrainer.SampleMetric() {
            @Override
            public String name() {
                return "gold";
            }

            @Override
            public double[] measure(List<String> prompts, List<String> responses, boolean[] eos) {
                double[] v = new double[responses.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = gold.score(words(responses.get(i)), eos[i]).value();
                }
                return v;
            }
        }, new PpoTrainer.SampleMetric() {
            @Override
            public String name() {
                return "grammatical";
            }

            @Override
            public double[] measure(List<String> prompts, List<String> responses, boolean[] eos) {
                double[] v = new double[responses.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = gold.score(words(responses.get(i)), eos[i]).grammatical() ? 1 : 0;
                }
                return v;
            }
        });
    }

    static List<String> words(String text) {
        String t = text.strip();
        return t.isEmpty() ? List.of() : Arrays.asList(t.split("\\s+"));
    }

    private DemoTaskConfig taskConfig() {
        return quick ? DemoTaskConfig.quick() : DemoTaskConfig.standard();
    }

    /**
     * Runs every step (finished steps are skipped) and returns the summary. The output directory is
     * claimed and locked for the whole run, demo-only steps included.
     */
    public Map<String, Object> execute() throws IOException {
        long t0 = System.nanoTime();
        Map<String, Object> summary;
        try (Pipeline pipeline = Pipeline.open(run, goldMetrics())) {
            // 1. the task
            Path taskDir = out.resolve("task");
            DemoTask.Files files = DemoTask.generate(taskDir, seed, taskConfig());
            // 2. the base model
            Path base = pretrainBase(files);
            // 3. SFT
            pipeline.run(EnumSet.of(Stage.SFT), false);
            // 4. preference pairs of SFT samples, labelled by the simulated annotators
            annotate(files, Path.of(run.sft().output().toString()));
            // 5. the rest of the pipeline
            Map<Stage, Map<String, Object>> results = pipeline.run(
                    EnumSet.of(Stage.DATA, Stage.REWARD_MODEL, Stage.DPO, Stage.PPO), false);
            // 6. the other online methods on the same SFT policy and reward model
            for (Map.Entry<String, List<String>> method : demo.compare().entrySet()) {
                runOnlineMethod(method.getKey(), method.getValue());
            }
            // 7. compare the policies; summary, table, report
            summary = summarise(base, results);
            summary.put("seconds", (System.nanoTime() - t0) / 1e9);
            JSON.writeValue(out.resolve("summary.json").toFile(), summary);
            DemoReport.write(out, summary);
        }
        System.out.println(DemoReport.table(summary));
        return summary;
    }

    /**
     * Runs the {@code ppo} section again as another method ({@code demo.compare}: its name and the
     * keys it changes, e.g. {@code algorithm=rloo}) into {@code <run>/<name>/}, resolved and chained
     * as the pipeline resolves the {@code ppo} stage.
     */
    private void runOnlineMethod(String name, List<String> changes) throws IOException {
        Path dir = out.resolve(name);
        if (Files.exists(dir.resolve("done.json"))) {
            return;
        }
        PpoConfig cfg = onlineMethod(name, changes);
        System.err.printf("demo: %s (%s) -> %s%n", name, String.join(", ", changes), dir);
        PpoTrainer.Result result = PpoTrainer.run(cfg, dir, goldMetrics());
        JSON.writeValue(dir.resolve("done.json").toFile(), result);
    }

    /** The {@code ppo} section with a method's changes, its output under {@code <run>/<name>/model}. */
    private PpoConfig onlineMethod(String name, List<String> changes) {
        ConfigFile copy = ConfigFile.of(config.source() + " (demo.compare." + name + ")", config.tree().deepCopy());
        changes.forEach(change -> copy.set("ppo." + change));
        copy.set("ppo.output=" + out.resolve(name).resolve("model"));
        return new RunConfig(copy, out).ppo();
    }

    private Path pretrainBase(DemoTask.Files files) throws IOException {
        Path dir = out.resolve("base");
        Path model = dir.resolve("model");
        if (Files.exists(dir.resolve("done.json"))) {
            return model;
        }
        Path init = dir.resolve("init");
        try (Tokenizer tok = Tokenizer.load(files.tokenizer()); NDManager m = NDManager.newBaseManager()) {
            ModelConfig c = demo.base().modelConfig(vocabSize(files.tokenizer()), tok.bosId(), tok.eosId(), tok.padId());
            try (CausalLM lm = new CausalLM(c, m, WeightSource.random(seed, 0.02f, c.numLayers()), true)) {
                ModelDirectory.saveCausalLM(init, lm, tok);
            }
        }
        // next-token training on the corpus: each review is a completion of the empty prompt (<bos>)
        Path corpus = dir.resolve("corpus-sft.jsonl");
        List<String> lines = new ArrayList<>();
        JsonLines.forEach(files.corpus(), line -> {
            ObjectNode o = JSON.createObjectNode().put("prompt", "").put("completion", line.text("text"));
            lines.add(o.toString());
        });
        Files.write(corpus, lines);
        SftConfig pretrain = new SftConfig(init, corpus, null, model, 48, false, null, seed, demo.pretrain());
        var result = SftTrainer.run(pretrain, dir);
        JSON.writeValue(dir.resolve("done.json").toFile(), result);
        return model;
    }

    private static int vocabSize(Path tokenizerDir) throws IOException {
        JsonNode vocab = JSON.readTree(tokenizerDir.resolve("tokenizer.json").toFile()).path("model").path("vocab");
        return vocab.size();
    }

    /** Samples two SFT responses per prompt and has the simulated annotators compare them. */
    private void annotate(DemoTask.Files files, Path sftModel) throws IOException {
        Path export = out.resolve("task/annotations.json");
        if (Files.exists(export)) {
            return;
        }
        int pairs = taskConfig().preferencePairs();
        List<PromptSource.Prompt> prompts;
        List<ResponsePair> responsePairs = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager(); Tokenizer tok = Tokenizer.load(sftModel);
                CausalLM sft = ModelDirectory.loadCausalLM(sftModel, m, true)) {
            prompts = PromptSource.read(files.sft(), tok, 32);
            Generator gen = new Generator(sft, tok.padId(), tok.eosIds());
            int batch = 64;
            for (int start = 0; responsePairs.size() < pairs; start += batch) {
                List<PromptSource.Prompt> chunk = new ArrayList<>();
                for (int i = 0; i < batch; i++) {
                    chunk.add(prompts.get((start + i) % prompts.size()));
                }
                List<long[]> twice = new ArrayList<>();
                chunk.forEach(p -> twice.add(p.tokens()));
                chunk.forEach(p -> twice.add(p.tokens()));
                Generation g = gen.generate(twice, new SamplingConfig(24, demo.pairTemperature().floatValue(), 0, 1f, false,
                        List.of(), seed + start), m);
                for (int i = 0; i < chunk.size() && responsePairs.size() < pairs; i++) {
                    Response a = new Response(tok.decode(g.response(i), true).strip(), g.endedWithStop()[i]);
                    Response b = new Response(tok.decode(g.response(i + chunk.size()), true).strip(),
                            g.endedWithStop()[i + chunk.size()]);
                    if (!a.text().equals(b.text()) && !a.text().isEmpty() && !b.text().isEmpty()) {
                        responsePairs.add(new ResponsePair(chunk.get(i).text(), a, b));
                    }
                }
            }
        }
        SimulatedAnnotators annotators = DemoTask.annotators(taskConfig());
        SimulatedAnnotators.Labelling labelling = annotators.label(responsePairs, seed);
        labelling.writeGoldOrdering(out.resolve("task/gold-ordering.jsonl"));
        labelling.writeLabelStudioExport(export);
    }

    private Map<String, Object> summarise(Path base, Map<Stage, Map<String, Object>> results) throws IOException {
        Map<String, Object> summary = new LinkedHashMap<>();
        Path sftModel = Path.of(run.sft().output().toString());
        Path rmModel = Path.of(run.ppo().rewardModel());
        Path ppoModel = Path.of(run.ppo().output());
        // the three policies on held-out prompts
        Map<String, Path> policies = new LinkedHashMap<>();
        policies.put("base", base);
        policies.put("sft", sftModel);
        policies.put("dpo", run.dpo().output());
        policies.put("ppo", ppoModel);
        demo.compare().keySet().forEach(name -> policies.put(name, out.resolve(name).resolve("model")));
        List<PromptSource.Prompt> prompts;
        try (Tokenizer tok = Tokenizer.load(sftModel)) {
            prompts = PromptSource.read(Path.of(run.eval().prompts()), tok, 32);
        }
        prompts = prompts.subList(0, Math.min(prompts.size(), run.eval().numPrompts()));
        List<PolicyEvaluator.PolicyReport> reports = PolicyEvaluator.evaluate(policies, sftModel, rmModel, prompts,
                run.ppo().maxNewTokens(), run.ppo().temperature().floatValue(), run.eval().seed(), 32, goldMetrics());
        Map<String, Object> table = new LinkedHashMap<>();
        Map<String, Object> samples = new LinkedHashMap<>();
        BestOfNCurve bon = bestOfN(sftModel, rmModel, prompts);
        for (PolicyEvaluator.PolicyReport r : reports) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("gold_reward", r.metrics().get("gold"));
            row.put("reward_model_score", r.metrics().get("reward_model"));
            row.put("kl_to_sft", r.metrics().get("kl"));
            row.put("grammatical_rate", r.metrics().get("grammatical"));
            row.put("eos_rate", r.metrics().get("eos_rate"));
            row.put("response_length", r.metrics().get("response_length"));
            table.put(r.policy(), row);
            samples.put(r.policy(), r.samples());
            if (r.policy().equals("sft")) {
                table.put("best_of_" + bon.n(), bon.row());
                samples.put("best_of_" + bon.n(), bon.samples());
            }
        }
        summary.put("policies", table);
        summary.put("best_of_n", bon.curve());
        List<String> online = new ArrayList<>(List.of("ppo"));
        online.addAll(demo.compare().keySet());
        summary.put("online_methods", online);
        summary.put("reward_model_accuracy", rewardModelAccuracy(rmModel));
        Map<String, Object> data = results.get(Stage.DATA);
        summary.put("annotator_agreement", data == null ? null : JSON.valueToTree(data.get("stats")).path("agreement"));
        summary.put("import", data == null ? null : Map.of("read", data.get("read"), "written", data.get("written"),
                "rejected", data.get("rejected"), "duplicates", data.get("duplicates")));
        OveroptimisationFit fit = OveroptimisationFit.fit(DemoReport.goldOverSqrtKl(out, "ppo"));
        Map<String, Object> over = new LinkedHashMap<>();
        over.put("alpha", fit.alpha());
        over.put("beta", fit.beta());
        over.put("peak_sqrt_kl", Double.isNaN(fit.peak()) ? null : fit.peak()); // null: the gold reward never turned down
        over.put("points", fit.points());
        summary.put("overoptimisation_fit", over);
        summary.put("samples", samples);
        return summary;
    }

    /**
     * Best-of-n from the SFT policy on the evaluation prompts, at PPO's sampling temperature so its
     * KL is comparable with PPO's: n samples per prompt ranked by the reward model. The row is the
     * best of n; the curve every k ≤ n from the same samples (unbiased over subsets), against
     * KL_bon(k) = log k − (k−1)/k.
     */
    private BestOfNCurve bestOfN(Path sftModel, Path rmModel, List<PromptSource.Prompt> prompts) throws IOException {
        int n = demo.bestOfN();
        List<BestOfN.Result> results;
        Normalization normalization;
        try (NDManager m = NDManager.newBaseManager(); Tokenizer tok = Tokenizer.load(sftModel);
                Tokenizer rmTok = Tokenizer.load(rmModel); CausalLM sft = ModelDirectory.loadCausalLM(sftModel, m, true);
                RewardModel rm = RewardModel.load(rmModel, m)) {
            sft.setTrainable(false);
            normalization = rm.normalization();
            SamplingConfig sampling = new SamplingConfig(run.ppo().maxNewTokens(), run.ppo().temperature().floatValue(), 0,
                    1f, false, List.of(), run.eval().seed());
            results = BestOfN.sample(sft, tok, RewardModels.scorer(rm, rmTok), prompts, n, sampling, 64,
                    BestOfN.MissingEos.RANK_LAST, m);
        }
        double[] goldCurve = BestOfN.curve(results, n, (p, d) -> gold.score(words(d.response()), d.endedWithEos()).value());
        double[] rmCurve = BestOfN.curve(results, n, (p, d) -> normalization.apply(d.score()));
        double[] grammatical = BestOfN.curve(results, n,
                (p, d) -> gold.score(words(d.response()), d.endedWithEos()).grammatical() ? 1 : 0);
        double[] eos = BestOfN.curve(results, n, (p, d) -> d.endedWithEos() ? 1 : 0);
        double[] length = BestOfN.curve(results, n, (p, d) -> d.tokens());
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("gold_reward", goldCurve[n - 1]);
        row.put("reward_model_score", rmCurve[n - 1]);
        row.put("kl_to_sft", BestOfK.klBon(n));
        row.put("grammatical_rate", grammatical[n - 1]);
        row.put("eos_rate", eos[n - 1]);
        row.put("response_length", length[n - 1]);
        double[] kl = new double[n];
        for (int k = 1; k <= n; k++) {
            kl[k - 1] = BestOfK.klBon(k);
        }
        Map<String, Object> curve = new LinkedHashMap<>();
        curve.put("n", n);
        curve.put("kl_bon", kl);
        curve.put("gold_reward", goldCurve);
        curve.put("reward_model_score", rmCurve);
        List<Map<String, Object>> samples = new ArrayList<>();
        for (BestOfN.Result r : results.subList(0, Math.min(6, results.size()))) {
            BestOfN.Draw best = r.draws().get(r.best());
            Map<String, Object> sample = new LinkedHashMap<>();
            sample.put("prompt", r.prompt().asJson());
            sample.put("response", best.response());
            sample.put("reward_model", best.score());
            sample.put("gold", gold.score(words(best.response()), best.endedWithEos()).value());
            samples.add(sample);
        }
        return new BestOfNCurve(n, row, curve, samples);
    }

    /** Best-of-n's table row, its curve over k = 1..n, and a few of its best samples. */
    private record BestOfNCurve(int n, Map<String, Object> row, Map<String, Object> curve,
            List<Map<String, Object>> samples) {}

    /**
     * Reward-model accuracy on the held-out split: against the annotators' majority label, and
     * against the hidden gold ordering of the same pairs (gold ties left out).
     */
    private Map<String, Object> rewardModelAccuracy(Path rmModel) throws IOException {
        List<PreferenceRecord> test = PreferenceRecords.readAll(out.resolve("data/test.jsonl"));
        List<PreferencePair> pairs = new ArrayList<>();
        for (PreferenceRecord r : test) {
            if (!r.tie()) {
                pairs.add(PreferencePair.of(r, "test"));
            }
        }
        // the hidden gold value of every annotated response, as the annotators' simulation computed it
        Map<String, Double> goldOf = new LinkedHashMap<>();
        JsonLines.forEach(out.resolve("task/gold-ordering.jsonl"), line -> {
            String prompt = line.text("prompt").strip();
            goldOf.put(prompt + "\u0000" + line.text("answer1").strip(), line.value().get("gold_answer1").asDouble());
            goldOf.put(prompt + "\u0000" + line.text("answer2").strip(), line.value().get("gold_answer2").asDouble());
        });
        Map<String, Object> acc = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager(); Tokenizer tok = Tokenizer.load(rmModel);
                RewardModel rm = RewardModel.load(rmModel, m)) {
            RewardScorer scorer = new RewardScorer(rm, new RewardInputs(tok, run.rewardModel().maxLength()), 32, m);
            RewardScorer.PairScores s = scorer.scorePairs(pairs);
            int agreeLabel = 0;
            int agreeGold = 0;
            int goldPairs = 0;
            for (int i = 0; i < pairs.size(); i++) {
                boolean rmPrefersChosen = s.chosen()[i] > s.rejected()[i];
                agreeLabel += rmPrefersChosen ? 1 : 0;
                String prompt = pairs.get(i).prompt().get(pairs.get(i).prompt().size() - 1).content().strip();
                Double gc = goldOf.get(prompt + "\u0000" + pairs.get(i).chosen().get(0).content().strip());
                Double gr = goldOf.get(prompt + "\u0000" + pairs.get(i).rejected().get(0).content().strip());
                if (gc != null && gr != null && !gc.equals(gr)) {
                    goldPairs++;
                    agreeGold += rmPrefersChosen == (gc > gr) ? 1 : 0;
                }
            }
            acc.put("held_out_annotations", pairs.isEmpty() ? Double.NaN : agreeLabel / (double) pairs.size());
            acc.put("held_out_pairs", pairs.size());
            acc.put("gold_ordering", goldPairs == 0 ? Double.NaN : agreeGold / (double) goldPairs);
            acc.put("gold_pairs", goldPairs);
        }
        return acc;
    }
}
