package dev.rlhf4j.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.io.OwnedDirectory;
import dev.rlhf4j.core.io.RunLock;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.core.train.OnConfigChange;
import dev.rlhf4j.data.ImportOptions;
import dev.rlhf4j.data.ImportSummary;
import dev.rlhf4j.data.PreferenceImport;
import dev.rlhf4j.data.split.GroupSplitter;
import dev.rlhf4j.data.split.SplitOptions;
import dev.rlhf4j.data.split.SplitSummary;
import dev.rlhf4j.data.stats.DatasetStats;
import dev.rlhf4j.dpo.DpoResult;
import dev.rlhf4j.dpo.DpoTrainer;
import dev.rlhf4j.ppo.PolicyEvaluator;
import dev.rlhf4j.ppo.PpoTrainer;
import dev.rlhf4j.ppo.PromptSource;
import dev.rlhf4j.rm.train.RewardTrainer;
import dev.rlhf4j.rm.train.RewardTrainingResult;
import dev.rlhf4j.sft.SftResult;
import dev.rlhf4j.sft.SftTrainer;
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
 *
 * <p>What a pipeline may touch: the run directory and each stage directory are rlhf4j's own
 * ({@link OwnedDirectory}: created and marked, or already marked, or empty), so {@code --force}
 * deletes only what rlhf4j wrote; every stage's model output is checked before the first stage
 * starts; and an open pipeline holds the run directory's {@link RunLock} (each stage also locks its
 * own directory while it runs), so a second run on the same directory fails at once.
 *
 * <pre>{@code
 * try (Pipeline p = Pipeline.open(run, List.of())) {
 *     p.run(EnumSet.allOf(Stage.class), false);
 * }
 * }</pre>
 */
public final class Pipeline implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final RunConfig run;
    private final List<PpoTrainer.SampleMetric> sampleMetrics;
    private final RunLock lock;

    private Pipeline(RunConfig run, List<PpoTrainer.SampleMetric> sampleMetrics, RunLock lock) {
        this.run = run;
        this.sampleMetrics = List.copyOf(sampleMetrics);
        this.lock = lock;
    }

    /**
     * Claims the run directory (created and marked; an existing one must be empty or rlhf4j's) and
     * locks it until {@link #close}.
     *
     * @throws IllegalStateException if the directory is someone else's, or another run holds its lock
     */
    public static Pipeline open(RunConfig run, List<PpoTrainer.SampleMetric> sampleMetrics) throws IOException {
        OwnedDirectory.claim(run.runDir(), "run");
        return new Pipeline(run, sampleMetrics, RunLock.acquire(run.runDir()));
    }

    /**
     * Runs {@code selected} (in pipeline order) and returns each stage's result summary; an
     * interrupted stage whose config changed since its checkpoint is refused ({@link
     * dev.rlhf4j.core.train.ConfigChanges}).
     *
     * @param force rerun stages that already finished (their directories are deleted first)
     */
    public Map<Stage, Map<String, Object>> run(Set<Stage> selected, boolean force) throws IOException {
        return run(selected, force, OnConfigChange.REFUSE);
    }

    /**
     * As {@link #run(Set, boolean)}, {@code onConfigChange} deciding whether an interrupted stage
     * whose config changed may resume.
     */
    public Map<Stage, Map<String, Object>> run(Set<Stage> selected, boolean force, OnConfigChange onConfigChange)
            throws IOException {
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
        run.file().write(run.runDir().resolve("config.yaml"));
        checkOutputs(selected);
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
            if (force) {
                OwnedDirectory.delete(dir);
            }
            OwnedDirectory.claim(dir, "stage");
            System.err.printf("pipeline: %s -> %s%n", stage.key(), dir);
            long t0 = System.nanoTime();
            Map<String, Object> result;
            try (RunLock stageLock = RunLock.acquire(dir)) {
                result = switch (stage) {
                    case DATA -> data(dir);
                    case SFT -> sft(dir, onConfigChange);
                    case REWARD_MODEL -> rewardModel(dir, onConfigChange);
                    case DPO -> dpo(dir, onConfigChange);
                    case PPO -> ppo(dir, onConfigChange);
                    case EVAL -> eval(dir);
                };
            }
            result.put("seconds", (System.nanoTime() - t0) / 1e9);
            JSON.writeValue(done.toFile(), result);
            results.put(stage, result);
        }
        return results;
    }

    /**
     * Before any stage runs: finishes what a killed save left at every stage's model output ({@link
     * OwnedDirectory#recover}; later stages read them even when only those run), and checks that
     * each selected stage's output may be written ({@link ModelDirectory#checkOutput}), so a bad
     * {@code ppo.output} is reported before hours of SFT.
     */
    private void checkOutputs(Set<Stage> selected) throws IOException {
        Map<Stage, String> keys = new LinkedHashMap<>();
        Map<Stage, Path> outputs = new LinkedHashMap<>();
        Map<Stage, Map<String, Path>> inputs = new LinkedHashMap<>();
        if (run.sft() != null) {
            keys.put(Stage.SFT, "sft.output");
            outputs.put(Stage.SFT, run.sft().output());
            inputs.put(Stage.SFT, models("sft.model", run.sft().model()));
        }
        if (run.rewardModel() != null) {
            keys.put(Stage.REWARD_MODEL, "reward_model.output");
            outputs.put(Stage.REWARD_MODEL, run.rewardModel().outputIn(run.runDir().resolve(Stage.REWARD_MODEL.key())));
            inputs.put(Stage.REWARD_MODEL, models("reward_model.init", run.rewardModel().init()));
        }
        if (run.dpo() != null) {
            keys.put(Stage.DPO, "dpo.output");
            outputs.put(Stage.DPO, run.dpo().outputIn(run.runDir().resolve(Stage.DPO.key())));
            Map<String, Path> in = models("dpo.model", run.dpo().model());
            if (run.dpo().lossType().usesReference()) {
                in.put("dpo.reference", run.dpo().reference());
            }
            inputs.put(Stage.DPO, in);
        }
        if (run.ppo() != null) {
            var ppo = run.ppo();
            keys.put(Stage.PPO, "ppo.output");
            outputs.put(Stage.PPO, ppo.output() != null ? Path.of(ppo.output())
                    : run.runDir().resolve(Stage.PPO.key()).resolve("model"));
            Map<String, Path> in = models("ppo.policy", Path.of(ppo.policy()));
            in.put("ppo.reference", Path.of(ppo.reference()));
            if (ppo.rewardModel() != null) {
                in.put("ppo.reward_model", Path.of(ppo.rewardModel()));
            }
            inputs.put(Stage.PPO, in);
        }
        for (Map.Entry<Stage, Path> out : outputs.entrySet()) {
            OwnedDirectory.recover(out.getValue());
            if (selected.contains(out.getKey())) {
                ModelDirectory.checkOutput(keys.get(out.getKey()), out.getValue(), inputs.get(out.getKey()));
            }
        }
    }

    private static Map<String, Path> models(String key, Path dir) {
        Map<String, Path> m = new LinkedHashMap<>();
        m.put(key, dir);
        return m;
    }

    /** Releases the run directory's lock. */
    @Override
    public void close() {
        lock.close();
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

    private Map<String, Object> sft(Path dir, OnConfigChange onConfigChange) throws IOException {
        SftResult r = SftTrainer.run(run.sft(), dir, System.out, onConfigChange);
        return JSON.convertValue(r, LinkedHashMap.class);
    }

    private Map<String, Object> rewardModel(Path dir, OnConfigChange onConfigChange) throws IOException {
        RewardTrainingResult r = RewardTrainer.run(run.rewardModel(), dir, onConfigChange);
        Map<String, Object> result = JSON.convertValue(r, LinkedHashMap.class);
        List<Path> evalData = run.rewardModel().evalData();
        if (evalData != null && !evalData.isEmpty()) {
            result.put("eval", RewardModelEvaluation.run(r.modelDir(), evalData, run.rewardModel().maxLength(), dir.resolve("eval")));
        }
        return result;
    }

    private Map<String, Object> dpo(Path dir, OnConfigChange onConfigChange) throws IOException {
        DpoResult r = DpoTrainer.run(run.dpo(), dir, onConfigChange);
        return JSON.convertValue(r, LinkedHashMap.class);
    }

    private Map<String, Object> ppo(Path dir, OnConfigChange onConfigChange) throws IOException {
        PpoTrainer.Result r = PpoTrainer.run(run.ppo(), dir, sampleMetrics, onConfigChange);
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
