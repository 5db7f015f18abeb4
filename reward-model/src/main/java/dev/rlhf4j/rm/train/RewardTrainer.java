package dev.rlhf4j.rm.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.config.TrainingConfig;
import dev.rlhf4j.core.io.JsonFile;
import dev.rlhf4j.core.model.encoder.EncoderConfig;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.core.train.AdamW;
import dev.rlhf4j.core.train.Checkpoint;
import dev.rlhf4j.core.train.CheckpointManager;
import dev.rlhf4j.core.train.ConfigChanges;
import dev.rlhf4j.core.train.GradAccumulator;
import dev.rlhf4j.core.train.LoraTraining;
import dev.rlhf4j.core.train.LrSchedule;
import dev.rlhf4j.core.train.MetricsSink;
import dev.rlhf4j.core.train.OnConfigChange;
import dev.rlhf4j.core.train.OptimizerStep;
import dev.rlhf4j.core.train.RunHook;
import dev.rlhf4j.core.train.SeededRng;
import dev.rlhf4j.core.train.StepMetrics;
import dev.rlhf4j.core.train.TrainerState;
import dev.rlhf4j.rm.DecoderRewardModel;
import dev.rlhf4j.rm.EncoderRewardModel;
import dev.rlhf4j.rm.Normalization;
import dev.rlhf4j.rm.RewardInputs;
import dev.rlhf4j.rm.RewardModel;
import dev.rlhf4j.rm.RewardScorer;
import dev.rlhf4j.rm.data.PairFiles;
import dev.rlhf4j.rm.data.PreferencePair;
import dev.rlhf4j.rm.eval.EvalReport;
import dev.rlhf4j.rm.eval.RewardEvaluator;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a reward model on pairwise preferences (PPO-NOTES, "Reward model"), in numbered phases:
 *
 * <ol>
 *   <li>data: training pairs (ties left out, PPO-NOTES), grouped by ranking; held-out pairs;
 *   <li>model: the latest checkpoint of this run if any (exact resume, once the config it was saved
 *       with is compared with this one, {@link ConfigChanges}), else {@code init};
 *   <li>loop parts: AdamW, LR schedule, accumulation, non-finite guard, checkpoints, metrics;
 *   <li>train: per step, {@code grad_accum} micro-batches of {@code batch_size} groups, loss
 *       {@link PairwiseLoss}; clip; update; log; evaluate every {@code eval_every}; checkpoint
 *       every {@code save_every};
 *   <li>normalisation: mean and std of the scores of the reference responses;
 *   <li>output: the model directory, and the evaluation report on the held-out pairs.
 * </ol>
 *
 * <p>Run directory: {@code metrics.jsonl}, {@code checkpoints/step-N/} (a loadable reward model
 * directory plus optimizer and trainer state), {@code eval/report.{json,html}} and its plots;
 * the model goes to {@code reward_model.output} (default {@code <run dir>/model}).
 *
 * <p>Metric keys ({@code metrics.jsonl}, besides the shared {@code step, loss, lr, grad_norm,
 * tokens_per_s}; averages since the previous line):
 *
 * <table>
 *   <caption>metrics</caption>
 *   <tr><td>{@code train/accuracy}</td><td>fraction of pairs with r_c &gt; r_r (ties wrong)</td></tr>
 *   <tr><td>{@code train/margin}</td><td>mean r_c − r_r</td></tr>
 *   <tr><td>{@code train/reward_chosen}, {@code train/reward_rejected}</td><td>mean raw scores</td></tr>
 *   <tr><td>{@code train/pairs_per_s}</td><td>training pairs per second</td></tr>
 *   <tr><td>{@code train/epoch}</td><td>fractional epoch (groups consumed / groups)</td></tr>
 *   <tr><td>{@code eval/loss}, {@code eval/accuracy}, {@code eval/margin}, {@code eval/reward_chosen},
 *       {@code eval/reward_rejected}</td><td>the same on the held-out pairs, at evaluation steps</td></tr>
 * </table>
 */
public final class RewardTrainer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RewardTrainer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long DROPOUT_STREAM = 0x6472_6f70L; // "drop"

    private final RewardModelConfig config;
    private final TrainingConfig training;
    private final Path runDir;
    private final NDManager manager;
    private final PrintStream console;
    private final OnConfigChange onConfigChange;

    private Tokenizer tokenizer;
    private RewardInputs inputs;
    private List<PreferencePair> trainPairs;
    private List<PreferencePair> evalPairs;
    private long tiesSkipped;
    private GroupStream stream;
    private RewardModel model;
    private AdamW optimizer;
    private OptimizerStep update; // clip, schedule, guard, step, clear; holds the optimizer step count
    private GradAccumulator accumulator;
    private CheckpointManager checkpoints;
    private SeededRng rng;
    private long totalSteps;
    private long step;
    private long resumedFrom = -1;

    RewardTrainer(RewardModelConfig config, Path runDir, PrintStream console) {
        this(config, runDir, console, OnConfigChange.REFUSE);
    }

    RewardTrainer(RewardModelConfig config, Path runDir, PrintStream console, OnConfigChange onConfigChange) {
        this.config = config;
        this.training = config.training();
        this.runDir = runDir;
        this.console = console;
        this.onConfigChange = onConfigChange;
        this.manager = NDManager.newBaseManager();
    }

    /**
     * Trains, normalises and saves a reward model; resumes from the run's latest checkpoint when
     * there is one, unless it was saved with a config that differs in a key that alters the training
     * ({@link ConfigChanges}).
     *
     * @param runDir the stage's run directory (metrics, checkpoints, evaluation report)
     */
    public static RewardTrainingResult run(RewardModelConfig config, Path runDir) throws IOException {
        return run(config, runDir, OnConfigChange.REFUSE);
    }

    /** As {@link #run(RewardModelConfig, Path)}, {@code onConfigChange} deciding whether a changed config may resume. */
    public static RewardTrainingResult run(RewardModelConfig config, Path runDir, OnConfigChange onConfigChange)
            throws IOException {
        try (RewardTrainer t = new RewardTrainer(config, runDir, System.out, onConfigChange)) {
            return t.train(RunHook.NONE);
        }
    }

    /** {@link #run(RewardModelConfig, Path)} for tests: the {@link RunHook} stops the run as if killed, and sees every step. */
    static RewardTrainingResult run(RewardModelConfig config, Path runDir, RunHook hook, PrintStream console)
            throws IOException {
        try (RewardTrainer t = new RewardTrainer(config, runDir, console)) {
            return t.train(hook);
        }
    }

    RewardTrainingResult train(RunHook hook) throws IOException {
        // 1. data, 2. model, 3. loop parts
        prepare();
        MetricsSink.Builder sinkBuilder = MetricsSink.builder().setFile(runDir.resolve("metrics.jsonl"))
                .optTotalSteps(totalSteps).optConsole(console);
        if (resumedFrom >= 0) {
            sinkBuilder.optResumeStep(resumedFrom);
        }
        long startNanos = System.nanoTime();
        long pairsTrained = 0;
        try (MetricsSink metrics = sinkBuilder.build()) {
            // 4. train
            Window window = new Window();
            while (step < totalSteps && hook.continuesAfter(step)) {
                StepResult r = trainStep();
                window.add(r);
                pairsTrained += r.pairs;
                boolean evalNow = training.evalEvery() > 0 && step % training.evalEvery() == 0 && !evalPairs.isEmpty();
                if (step % training.logEvery() == 0 || evalNow || step == totalSteps) {
                    Map<String, Object> extra = window.metrics();
                    extra.put(RewardMetrics.EPOCH, (double) stream.epoch() + (double) stream.positionInEpoch() / stream.size());
                    if (evalNow) {
                        extra.putAll(evaluationPass());
                    }
                    metrics.log(new StepMetrics(step, window.loss(), r.lr, r.gradNorm, window.tokens, extra));
                    window = new Window();
                }
                if (training.saveEvery() > 0 && step % training.saveEvery() == 0) {
                    saveCheckpoint();
                }
                hook.afterStep().accept(step);
            }
        }
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        if (step < totalSteps) { // stopped early: leave a checkpoint to resume from
            if (checkpoints.latest().map(c -> c.step() != step).orElse(true)) {
                saveCheckpoint();
            }
            return new RewardTrainingResult(null, step, totalSteps, trainPairs.size(), stream.size(), tiesSkipped,
                    inputs.truncated(), null, Map.of(), null, pairsTrained / seconds);
        }

        // 5. normalisation over the reference responses
        List<PreferencePair> reference = config.normalizationFiles().equals(config.data())
                ? trainPairs : PairFiles.read(config.normalizationFiles());
        Normalization normalization = normalization(reference);
        model.setNormalization(normalization);
        LOG.info("normalisation over {} reference responses: mean {}, std {}", reference.size() * 2,
                normalization.mean(), normalization.std());

        // 6. output: the model directory, then the held-out report
        Path output = config.outputIn(runDir);
        model.save(output, tokenizer);
        Map<String, Object> finalEval = Map.of();
        EvalReport report = null;
        if (!evalPairs.isEmpty()) {
            finalEval = evaluationPass();
            report = RewardEvaluator.evaluate(scorer(), output.getFileName().toString(), evalPairs);
            Path evalDir = runDir.resolve("eval");
            RewardEvaluator.write(report, evalDir.resolve("report.json"), evalDir.resolve("report.html"));
        }
        return new RewardTrainingResult(output, step, totalSteps, trainPairs.size(), stream.size(), tiesSkipped,
                inputs.truncated(), normalization, finalEval, report, pairsTrained / seconds);
    }

    /** Phases 1 to 3. */
    void prepare() throws IOException {
        ModelDirectory.checkOutput("reward_model.output", config.outputIn(runDir), Map.of("reward_model.init", config.init()));
        // 1. data: ties carry no preference and stay out of the loss
        List<PreferencePair> all = PairFiles.read(config.data());
        trainPairs = all.stream().filter(p -> !p.tie()).toList();
        tiesSkipped = all.size() - trainPairs.size();
        if (trainPairs.isEmpty()) {
            throw new IllegalArgumentException("reward_model.data: no pairs to train on (" + all.size()
                    + " records read from " + config.data() + ", " + tiesSkipped + " of them ties)");
        }
        evalPairs = config.evalData().isEmpty() ? List.of()
                : PairFiles.read(config.evalData()).stream().filter(p -> !p.tie()).toList();
        List<List<PreferencePair>> groups = GroupStream.group(trainPairs);
        totalSteps = training.totalSteps(groups.size());

        // 2. model: resume, or start from init
        checkpoints = new CheckpointManager(runDir.resolve("checkpoints"), training.keepCheckpoints());
        Optional<Checkpoint> latest = checkpoints.latest();
        if (latest.isPresent()) {
            ConfigChanges.check(latest.get(), "reward_model", config, onConfigChange);
        }
        tokenizer = Tokenizer.load(config.init());
        TrainerState state = null;
        if (latest.isPresent()) {
            state = latest.get().state();
            model = RewardModel.load(latest.get().dir(), manager); // with lora: the checkpoint's adapter
            resumedFrom = state.step();
            LOG.info("resuming from {} (step {})", latest.get().dir(), state.step());
        } else if (config.lora() != null) {
            model = RewardModel.withLora(LoraTraining.baseDirectory(config.init(), runDir), config.lora(),
                    config.seed(), manager);
        } else if (isRewardModel(config.init())) {
            model = RewardModel.load(config.init(), manager);
        } else if (EncoderConfig.isEncoder(config.init())) { // a pretrained encoder: its trunk, a fresh head
            model = EncoderRewardModel.fromPretrained(config.init(), manager, config.seed());
        } else {
            model = RewardModel.fromCausalLm(config.init(), manager, config.seed());
        }
        if (model instanceof DecoderRewardModel decoder) {
            decoder.trunk().setGradientCheckpointing(training.gradientCheckpointing());
        } else if (training.gradientCheckpointing()) {
            throw new IllegalArgumentException("reward_model.training.gradient_checkpointing is supported for decoder"
                    + " reward models only, but the model is an encoder: " + config.init());
        }
        try {
            inputs = RewardInputs.forModel(model, tokenizer, config.maxLength());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("reward_model." + e.getMessage(), e);
        }

        // 3. loop parts
        optimizer = AdamW.of(model.trainableParameters(), training);
        update = OptimizerStep.of(optimizer, LrSchedule.of(training, totalSteps), training.maxGradNorm());
        accumulator = new GradAccumulator(training.gradAccum());
        if (state != null) {
            optimizer.load(latest.get().resolve(CheckpointManager.OPTIMIZER_FILE));
            step = state.step();
            update.resumeAt(state.optimizerStep());
            rng = state.rng();
            stream = new GroupStream(groups, config.seed(), state.epoch() * groups.size() + state.dataPosition());
        } else {
            rng = new SeededRng(config.seed() ^ DROPOUT_STREAM);
            stream = new GroupStream(groups, config.seed(), 0);
        }
        LOG.info("reward model: {} pairs in {} groups ({} ties left out), {} held-out pairs, {} steps of {} x {} groups",
                trainPairs.size(), groups.size(), tiesSkipped, evalPairs.size(), totalSteps, training.batchSize(),
                training.gradAccum());
    }

    /** What one optimizer step reports. */
    record StepResult(float loss, double lr, double gradNorm, long pairs, long tokens, double correct, double margin,
            double chosen, double rejected) {}

    /** One optimizer step: forward and backward over the micro-batches, clip, update unless non-finite. */
    StepResult trainStep() {
        try (NDManager stepScope = manager.newSubManager()) { // every array of this step
            boolean dropout = !config.disableDropout();
            if (dropout) { // libtorch's generator cannot be saved: reseed it from the saved stream
                Engine.getInstance().setRandomSeed((int) rng.nextSeed());
            }
            // 1. forward + backward over the micro-batches
            float lossSum = 0;
            long pairs = 0;
            long tokens = 0;
            double correct = 0;
            double margin = 0;
            double chosenSum = 0;
            double rejectedSum = 0;
            for (int k = 0; k < training.gradAccum(); k++) {
                PairBatch batch = new PairBatch(stream.next(training.batchSize()), inputs, config.useMargin());
                PairBatch.Tensors t = batch.arrays(stepScope, padId());
                NDArray[] scored = new NDArray[2];
                lossSum += accumulator.backward(() -> {
                    NDArray scores = model.scores(t.ids(), t.mask(), dropout);       // (N)
                    NDArray chosen = scores.gather(t.chosenIndex(), 0);              // (P)
                    NDArray rejected = scores.gather(t.rejectedIndex(), 0);          // (P)
                    scored[0] = chosen;
                    scored[1] = rejected;
                    return PairwiseLoss.loss(chosen, rejected, t.margin(), t.target(), t.weight(), config.centerCoef());
                });
                float[] c = scored[0].toFloatArray();
                float[] r = scored[1].toFloatArray();
                for (int i = 0; i < c.length; i++) {
                    correct += c[i] > r[i] ? 1 : 0;
                    margin += c[i] - r[i];
                    chosenSum += c[i];
                    rejectedSum += r[i];
                }
                pairs += batch.pairs();
                tokens += t.realTokens();
            }
            float loss = lossSum / training.gradAccum();
            // 2. clip, update unless NaN/Inf, clear
            OptimizerStep.Result u = update.apply(step + 1, loss);
            accumulator.reset();
            step++;
            return new StepResult(loss, u.lr(), u.gradNorm(), pairs, tokens, correct, margin, chosenSum, rejectedSum);
        }
    }

    /** Metrics averaged over the steps since the last log line. */
    private static final class Window {
        double lossSum;
        long steps;
        long pairs;
        long tokens;
        double correct;
        double margin;
        double chosen;
        double rejected;
        final long startNanos = System.nanoTime();

        void add(StepResult r) {
            lossSum += r.loss;
            steps++;
            pairs += r.pairs;
            tokens += r.tokens;
            correct += r.correct;
            margin += r.margin;
            chosen += r.chosen;
            rejected += r.rejected;
        }

        double loss() {
            return lossSum / steps;
        }

        Map<String, Object> metrics() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put(RewardMetrics.ACCURACY, correct / pairs);
            m.put(RewardMetrics.MARGIN, margin / pairs);
            m.put(RewardMetrics.REWARD_CHOSEN, chosen / pairs);
            m.put(RewardMetrics.REWARD_REJECTED, rejected / pairs);
            m.put(RewardMetrics.PAIRS_PER_S, pairs / ((System.nanoTime() - startNanos) / 1e9));
            return m;
        }
    }

    /** Loss, accuracy, margin and mean rewards on the held-out pairs (no gradients, dropout off). */
    Map<String, Object> evaluationPass() {
        RewardScorer.PairScores s = scorer().scorePairs(evalPairs);
        return evalMetrics(evalPairs, s.chosen(), s.rejected(), config.useMargin(), config.centerCoef());
    }

    /** The {@code eval/*} metrics of scored pairs; the loss is group-averaged as in training. */
    static Map<String, Object> evalMetrics(List<PreferencePair> pairs, float[] chosen, float[] rejected,
            boolean useMargin, double centerCoef) {
        List<String> keys = new ArrayList<>(pairs.size());
        int[] votes = new int[pairs.size()];
        for (int i = 0; i < pairs.size(); i++) {
            keys.add(pairs.get(i).groupId());
            votes[i] = Math.max(1, pairs.get(i).votes().total());
        }
        float[] w = PairwiseLoss.weights(keys, votes);
        double loss = 0;
        double correct = 0;
        double margin = 0;
        double c = 0;
        double r = 0;
        for (int i = 0; i < pairs.size(); i++) {
            double m = useMargin && pairs.get(i).margin() != null ? pairs.get(i).margin() : 0;
            loss += w[i] * PairwiseLoss.value(chosen[i], rejected[i], m, pairs.get(i).votes().chosenRate(), centerCoef);
            correct += chosen[i] > rejected[i] ? 1 : 0;
            margin += chosen[i] - rejected[i];
            c += chosen[i];
            r += rejected[i];
        }
        int n = pairs.size();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put(RewardMetrics.EVAL_LOSS, loss);
        out.put(RewardMetrics.EVAL_ACCURACY, correct / n);
        out.put(RewardMetrics.EVAL_MARGIN, margin / n);
        out.put(RewardMetrics.EVAL_REWARD_CHOSEN, c / n);
        out.put(RewardMetrics.EVAL_REWARD_REJECTED, r / n);
        return out;
    }

    private Normalization normalization(List<PreferencePair> reference) {
        List<long[]> seqs = new ArrayList<>();
        for (PreferencePair p : reference) {
            seqs.add(inputs.side(p, true));
            seqs.add(inputs.side(p, false));
        }
        return Normalization.of(scorer().scoreSequences(RewardScorer.unique(seqs)));
    }

    private RewardScorer scorer() {
        return new RewardScorer(model, inputs, Math.max(2 * training.batchSize(), 8), manager);
    }

    private void saveCheckpoint() throws IOException {
        TrainerState state = new TrainerState(step, update.optimizerStep(), stream.epoch(), stream.positionInEpoch(), rng.seed(),
                rng.counter(), Map.of(), ConfigChanges.snapshot(config));
        checkpoints.save(state, dir -> {
            model.save(dir, tokenizer);
            optimizer.save(dir.resolve(CheckpointManager.OPTIMIZER_FILE));
        });
    }

    private static boolean isRewardModel(Path dir) {
        Path file = dir.resolve("config.json");
        if (!Files.exists(file)) {
            return false;
        }
        JsonNode archs = JsonFile.read(file).path("architectures");
        return archs.isArray() && !archs.isEmpty() && archs.get(0).asText().endsWith("ForSequenceClassification");
    }

    /** Pads with the id the model pools by (an encoder's RoBERTa positions skip exactly that id). */
    private long padId() {
        return model.padTokenId() >= 0 ? model.padTokenId() : tokenizer.padId();
    }

    /** The model being trained (tests). */
    RewardModel model() {
        return model;
    }

    /** The manager every array of the run lives under (tests). */
    NDManager manager() {
        return manager;
    }

    @Override
    public void close() {
        if (optimizer != null) {
            optimizer.close();
        }
        if (model != null) {
            model.close();
        }
        if (tokenizer != null) {
            tokenizer.close();
        }
        manager.close();
    }
}
