package dev.rlhf4j.cli.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.rlhf4j.data.ImportOptions;
import dev.rlhf4j.data.ImportSummary;
import dev.rlhf4j.data.PreferenceImport;
import dev.rlhf4j.data.split.GroupSplitter;
import dev.rlhf4j.data.split.SplitOptions;
import dev.rlhf4j.data.split.SplitSummary;
import dev.rlhf4j.data.stats.DatasetStats;
import dev.rlhf4j.ppo.PpoTrainer;
import dev.rlhf4j.ppo.PromptSource;
import dev.rlhf4j.rm.train.RewardTrainer;
import dev.rlhf4j.rm.train.RewardTrainingResult;
import dev.rlhf4j.sft.SftResult;
import dev.rlhf4j.sft.SftTrainer;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs the stages of a {@link RunConfig} in order, each into {@code <run>/<stage>/}. A stage that
 * finished (its {@code done.json} exists) is skipped unless forced; a stage that was interrupted
 * resumes from its last checkpoint (the trainers do that themselves). The resolved config is saved
 * as {@code <run>/config.yaml}.
 */
public final class Pipeline {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final RunConfig run;
    private final List<PpoTrainer.SampleMetric> sampleMetrics;

    public Pipeline(RunConfig run, List<PpoTrainer.SampleMetric> sampleMetrics) {
        this.run = run;
        this.sampleMetrics = List.copyOf(sampleMetrics);
    }

    /**
     * Runs {@code selected} (in pipeline order) and returns each stage's result summary.
     *
     * @param force rerun stages that already finished
     */
    public Map<Stage, Map<String, Object>> run(Set<Stage> selected, boolean force) throws IOException {
        Set<Stage> toRun = java.util.EnumSet.noneOf(Stage.class);
        for (Stage stage : selected) {
            if (run.stages().contains(stage) && (force || !Files.exists(run.runDir().resolve(stage.key()).resolve("done.json")))) {
                toRun.add(stage);
            }
        }
        List<String> missing = RunInputs.missing(run, toRun);
        if (!missing.isEmpty()) {
            throw new dev.rlhf4j.core.config.ConfigException(String.join("\n", missing));
        }
        Files.createDirectories(run.runDir());
        run.file().write(run.runDir().resolve("config.yaml"));
        Map<Stage, Map<String, Object>> results = new LinkedHashMap<>();
        for (Stage stage : Stage.values()) {
            if (!selected.contains(stage) || !run.stages().contains(stage)) {
                continue;
            }
            Path dir = run.runDir().resolve(stage.key());
            Path done = dir.resolve("done.json");
            if (Files.exists(done) && !force) {
                System.err.printf("pipeline: %s already done (%s); --force reruns it%n", stage.key(), done);
                @SuppressWarnings("unchecked")
                Map<String, Object> previous = JSON.readValue(done.toFile(), Map.class);
                results.put(stage, previous);
                continue;
            }
            if (force && Files.exists(dir)) {
                dev.rlhf4j.core.checkpoint.ModelDirectory.deleteRecursively(dir);
            }
            Files.createDirectories(dir);
            System.err.printf("pipeline: %s -> %s%n", stage.key(), dir);
            long t0 = System.nanoTime();
            Map<String, Object> result = switch (stage) {
                case DATA -> data(dir);
                case SFT -> sft(dir);
                case REWARD_MODEL -> rewardModel(dir);
                case PPO -> ppo(dir);
                case EVAL -> eval(dir);
            };
            result.put("seconds", (System.nanoTime() - t0) / 1e9);
            JSON.writeValue(done.toFile(), result);
            results.put(stage, result);
        }
        return results;
    }

    private Map<String, Object> data(Path dir) throws IOException {
        DataConfig cfg = run.data();
        ImportOptions.Builder options = ImportOptions.builder().setOutput(dir.resolve("preferences.jsonl"))
                .optFormat(cfg.format()).optDedupe(cfg.dedupe()).optStrict(cfg.strict()).optLog(System.err::println);
        cfg.inputs().forEach(i -> options.addInput(Path.of(i)));
        ImportSummary imported = PreferenceImport.run(options.build());
        System.err.println(imported.report());
        SplitSummary split = GroupSplitter.run(dir.resolve("preferences.jsonl"), dir,
                new SplitOptions(cfg.test(), cfg.valid(), cfg.seed(), false));
        System.err.println(split.report());
        String stats = DatasetStats.compute(dir.resolve("preferences.jsonl")).toJson();
        Files.writeString(dir.resolve("stats.json"), stats);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("read", imported.read());
        result.put("written", imported.written());
        result.put("rejected", imported.rejected());
        result.put("duplicates", imported.duplicates());
        result.put("splits", split.records());
        result.put("stats", JSON.readTree(stats));
        return result;
    }

    private Map<String, Object> sft(Path dir) throws IOException {
        SftResult r = SftTrainer.run(run.sft(), dir);
        return JSON.convertValue(r, LinkedHashMap.class);
    }

    private Map<String, Object> rewardModel(Path dir) throws IOException {
        RewardTrainingResult r = RewardTrainer.run(run.rewardModel(), dir);
        Map<String, Object> result = JSON.convertValue(r, LinkedHashMap.class);
        List<Path> evalData = run.rewardModel().evalData();
        if (evalData != null && !evalData.isEmpty()) {
            result.put("eval", RewardModelEvaluation.run(r.modelDir(), evalData, run.rewardModel().maxLength(), dir.resolve("eval")));
        }
        return result;
    }

    private Map<String, Object> ppo(Path dir) throws IOException {
        PpoTrainer.Result r = PpoTrainer.run(run.ppo(), dir, sampleMetrics);
        return JSON.convertValue(r, LinkedHashMap.class);
    }

    private Map<String, Object> eval(Path dir) throws IOException {
        EvalConfig cfg = run.eval();
        var ppo = run.ppo();
        if (ppo == null) {
            throw new IllegalArgumentException(run.file().source() + ": eval needs a ppo section (the policies to compare)");
        }
        Path sftDir = Path.of(ppo.reference());
        Map<String, Path> policies = new LinkedHashMap<>();
        policies.put("sft", sftDir);
        policies.put("ppo", Path.of(ppo.output()));
        List<PromptSource.Prompt> prompts;
        try (Tokenizer tok = Tokenizer.load(sftDir)) {
            prompts = PromptSource.read(Path.of(cfg.prompts() != null ? cfg.prompts() : ppo.prompts()), tok,
                    ppo.maxPromptLength());
        }
        prompts = prompts.subList(0, Math.min(prompts.size(), cfg.numPrompts()));
        List<PolicyEvaluator.PolicyReport> reports = PolicyEvaluator.evaluate(policies, sftDir, Path.of(ppo.rewardModel()),
                prompts, cfg.maxNewTokens() != null ? cfg.maxNewTokens() : ppo.maxNewTokens(),
                (float) (double) (cfg.temperature() != null ? cfg.temperature() : ppo.temperature()), cfg.seed(), 16, sampleMetrics);
        Map<String, Object> result = new LinkedHashMap<>();
        List<Object> rows = new ArrayList<>();
        for (PolicyEvaluator.PolicyReport r : reports) {
            result.put(r.policy(), r.metrics());
            rows.add(Map.of("policy", r.policy(), "samples", r.samples()));
        }
        JSON.writeValue(dir.resolve("samples.json").toFile(), rows);
        return result;
    }
}
