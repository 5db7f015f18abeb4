package dev.rlhf4j.sft;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.checkpoint.PeftAdapter;
import dev.rlhf4j.core.checkpoint.SafetensorsCheckpoint;
import dev.rlhf4j.core.config.TrainingConfig;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.model.ModelConfig;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.core.train.AdamW;
import dev.rlhf4j.core.train.Checkpoint;
import dev.rlhf4j.core.train.CheckpointManager;
import dev.rlhf4j.core.train.ConfigChanges;
import dev.rlhf4j.core.train.GradAccumulator;
import dev.rlhf4j.core.train.LoraTraining;
import dev.rlhf4j.core.train.LrSchedule;
import dev.rlhf4j.core.train.MetricsSink;
import dev.rlhf4j.core.train.NamedParameter;
import dev.rlhf4j.core.train.OnConfigChange;
import dev.rlhf4j.core.train.OptimizerStep;
import dev.rlhf4j.core.train.RunHook;
import dev.rlhf4j.core.train.SeededRng;
import dev.rlhf4j.core.train.StepMetrics;
import dev.rlhf4j.core.train.TrainerState;
import dev.rlhf4j.core.train.TrainingStoppedException;
import dev.rlhf4j.core.util.Checks;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Supervised fine-tuning: the model learns to produce the demonstrations' completions.
 *
 * <pre>{@code
 * SftResult r = SftTrainer.run(config, Path.of("runs/demo/sft"));   // resumes if a checkpoint is there
 * }</pre>
 *
 * <p>One run, in order:
 *
 * <ol>
 *   <li>Tokenizer, model and optimizer: the weights from the newest complete checkpoint in {@code
 *       runDir/checkpoints} if there is one (exact resume, once the config it was saved with is
 *       compared with this one, {@link ConfigChanges}), else from {@code sft.model}.
 *   <li>Data: tokenize both files ({@link ExampleEncoder}), fit to {@code max_length} ({@link
 *       SftDataset}), form rows ({@link Packing}: one example each, or packed).
 *   <li>Sizes, schedule and state: rows per step = {@code batch_size × grad_accum}; steps per
 *       epoch = ⌈rows / that⌉; total steps = {@code max_steps}, else {@code epochs ×} steps per
 *       epoch; optimizer moments and the loop state restored from the checkpoint if any.
 *   <li>Loop, one step: (a) seed dropout; (b) take the next rows of this epoch's shuffled order
 *       (a new order at each epoch start; a step never crosses an epoch's end); (c) forward +
 *       backward per micro-batch, each loss weighted by its share of the step's completion tokens,
 *       so the update is that of the mean loss per completion token over the whole step (as
 *       transformers' Trainer with {@code num_items_in_batch}); (d) clip, update unless NaN/Inf,
 *       zero; (e) evaluate, log, checkpoint on schedule.
 *   <li>End: evaluate, write {@code sft.output} (model + tokenizer files, Hugging Face layout).
 * </ol>
 *
 * <p>With {@code sft.lora} the base weights are frozen and only the adapters train (and hold
 * optimizer moments); checkpoints and the output are PEFT adapter directories on {@code sft.model}.
 *
 * <p>Files in {@code runDir}: {@code metrics.jsonl} (keys {@code step, loss, lr, grad_norm,
 * tokens_per_s, train/epoch} and, on evaluation steps, {@code eval/loss, eval/perplexity,
 * eval/token_accuracy}) and {@code checkpoints/step-N/}. Randomness: one {@link SeededRng} from
 * {@code sft.seed} draws each epoch's shuffle seed and each step's dropout seed; both are in the
 * checkpoint, so a resumed run equals an uninterrupted one bit for bit. Training runs in float32,
 * and checkpoints and the output are written in float32.
 *
 * <p>Lifetimes: the model, optimizer and tokenizer live for the whole run; every array of a step
 * or an evaluation batch lives in a sub-manager closed at its end.
 */
public final class SftTrainer {

    private static final String EPOCH_SEED = "epoch_seed";
    private static final String ROWS = "rows";
    private static final String TOTAL_STEPS = "total_steps";
    private static final String WINDOW_LOSS = "log_window_loss_sum";
    private static final String WINDOW_STEPS = "log_window_steps";
    private static final String WINDOW_TOKENS = "log_window_tokens";

    private final SftConfig config;
    private final TrainingConfig training;
    private final Path runDir;
    private final PrintStream console;
    private final OnConfigChange onConfigChange;

    // the loop's state: everything a checkpoint holds besides weights and optimizer moments
    private long step;
    private OptimizerStep update; // clip, schedule, guard, step, clear; holds the optimizer step count
    private long epoch;
    private long position; // rows of this epoch already consumed
    private SeededRng rng;
    private long epochSeed;
    private int[] order; // this epoch's row order
    private final Window window = new Window();

    private SftTrainer(SftConfig config, Path runDir, PrintStream console, OnConfigChange onConfigChange) {
        this.config = config;
        this.training = config.training();
        this.runDir = runDir;
        this.console = console;
        this.onConfigChange = onConfigChange;
    }

    /**
     * Runs SFT into {@code runDir} (metrics and checkpoints) and {@code config.output()}, with a
     * progress line on stdout; see {@link #run(SftConfig, Path, PrintStream)}.
     */
    public static SftResult run(SftConfig config, Path runDir) throws IOException {
        return run(config, runDir, System.out);
    }

    /**
     * Runs SFT; resumes from {@code runDir/checkpoints} if it holds a complete checkpoint, refusing
     * one saved with a config that differs in a key that alters the training ({@link
     * ConfigChanges}). Whether to skip a run whose output exists is the caller's decision.
     *
     * @param console where progress lines go, or null for none
     */
    public static SftResult run(SftConfig config, Path runDir, PrintStream console) throws IOException {
        return run(config, runDir, console, OnConfigChange.REFUSE);
    }

    /**
     * As {@link #run(SftConfig, Path, PrintStream)}, with {@code onConfigChange} deciding whether a
     * checkpoint saved with a different config may be resumed.
     */
    public static SftResult run(SftConfig config, Path runDir, PrintStream console, OnConfigChange onConfigChange)
            throws IOException {
        return new SftTrainer(config, runDir, console, onConfigChange).train(RunHook.NONE);
    }

    /**
     * As {@link #run(SftConfig, Path, PrintStream)}, for tests: the {@link RunHook} stops the run
     * as if killed, and sees every step.
     */
    static SftResult run(SftConfig config, Path runDir, PrintStream console, RunHook hook)
            throws IOException {
        return new SftTrainer(config, runDir, console, OnConfigChange.REFUSE).train(hook);
    }

    private SftResult train(RunHook hook) throws IOException {
        ModelDirectory.checkOutput("sft.output", config.output(), Map.of("sft.model", config.model()));
        Files.createDirectories(runDir);
        CheckpointManager checkpoints =
                new CheckpointManager(runDir.resolve("checkpoints"), training.keepCheckpoints());
        Checkpoint resume = checkpoints.latest().orElse(null);
        if (resume != null) {
            ConfigChanges.check(resume, "sft", config, onConfigChange);
        }
        // 1. Tokenizer, model and optimizer: the weights from the newest checkpoint if there is one
        try (Tokenizer tokenizer = Tokenizer.load(config.model());
                NDManager manager = NDManager.newBaseManager();
                CausalLM model = config.lora() == null
                        ? loadFloat32(resume != null ? resume.dir() : config.model(), manager)
                        : LoraTraining.load(LoraTraining.baseDirectory(config.model(), runDir), config.lora(), config.seed(),
                                resume == null ? null : resume.dir(), manager, true);
                AdamW optimizer = AdamW.of(NamedParameter.trainable(model.getParameters()), training)) {
            model.setGradientCheckpointing(training.gradientCheckpointing());
            Checks.check(config.maxLength() <= model.config().maxPositions(),
                    "sft.max_length is %s, but the model at %s handles at most %s positions (max_position_embeddings)",
                    config.maxLength(), config.model(), model.config().maxPositions());

            // 2. Data: tokenize, fit to max_length, form rows
            SftDataset data = SftDataset.load(config.data(), tokenizer, config.maxLength(), config.truncation());
            Checks.check(!data.examples().isEmpty(), "%s: no example left to train on (%s)", config.data(),
                    data.stats());
            List<List<SftExample>> rows = rows(data.examples());
            SftDataset evalData = config.evalData() == null ? null
                    : SftDataset.load(config.evalData(), tokenizer, config.maxLength(), config.truncation());
            List<List<SftExample>> evalRows = evalData == null ? null : rows(evalData.examples());
            long padId = tokenizer.padId();

            // 3. Sizes, schedule, and the loop state (restored from the checkpoint if any)
            int rowsPerStep = training.effectiveBatchSize();
            long stepsPerEpoch = (rows.size() + rowsPerStep - 1) / rowsPerStep;
            long totalSteps = training.totalSteps(rows.size());
            update = OptimizerStep.of(optimizer, LrSchedule.of(training, totalSteps), training.maxGradNorm());
            GradAccumulator acc = new GradAccumulator(training.gradAccum());
            say("sft: %s: %s; %d rows%s, %d tokens; %d steps of %d rows (%d per epoch)", config.data(), data.stats(),
                    rows.size(), config.packing() ? " (packed)" : "", tokens(rows), totalSteps, rowsPerStep,
                    stepsPerEpoch);
            if (evalData != null) {
                say("sft: %s: %s; %d rows", config.evalData(), evalData.stats(), evalRows.size());
            }
            rng = new SeededRng(config.seed());
            if (resume != null) {
                optimizer.load(resume.resolve(CheckpointManager.OPTIMIZER_FILE));
                restore(resume, rows.size());
                say("sft: resuming from %s (step %d of %d)", resume.dir(), step, totalSteps);
            }
            long resumedFrom = step;
            double lastTrainLoss = Double.NaN;
            SftLoss.Sums lastEval = null;
            long tokensTrained = 0;
            long started = System.nanoTime();
            MetricsSink.Builder sink = MetricsSink.builder().setFile(runDir.resolve("metrics.jsonl"))
                    .optTotalSteps(totalSteps).optConsole(console);
            try (MetricsSink metrics = (resume != null ? sink.optResumeStep(step) : sink).build()) {
                // 4. Loop
                while (step < totalSteps && hook.continuesAfter(step)) {
                    long stepTokens;
                    float loss;
                    double gradNorm;
                    double lr;
                    try (NDManager stepScope = manager.newSubManager()) { // every array of this step
                        // 4a. this step's dropout, from the run's generator
                        Engine.getInstance().setRandomSeed((int) rng.nextSeed());
                        // 4b. this step's rows (the next of this epoch's order), as micro-batches
                        List<SftBatch> microBatches = microBatches(nextRows(rows, rowsPerStep), padId);
                        long stepTargets = microBatches.stream().mapToLong(SftBatch::targetTokens).sum();
                        stepTokens = microBatches.stream().mapToLong(SftBatch::tokens).sum();
                        // 4c. forward + backward, each micro-batch weighted by its share of completion tokens
                        double lossSum = 0;
                        for (SftBatch mb : microBatches) {
                            SftBatch.Tensors x = mb.toTensors(stepScope);
                            double share = (double) mb.targetTokens() / stepTargets;
                            lossSum += share * acc.backward(() -> SftLoss.meanLoss(model, x, true), share);
                        }
                        loss = (float) lossSum;
                        // 4d. clip, update unless NaN/Inf, clear
                        OptimizerStep.Result u = update.apply(step + 1, loss);
                        gradNorm = u.gradNorm();
                        lr = u.lr();
                        acc.reset();
                        step++;
                    }
                    tokensTrained += stepTokens;
                    window.add(loss, stepTokens);
                    // 4e. evaluate, log, checkpoint
                    boolean evaluate = evalRows != null && (step == totalSteps
                            || (training.evalEvery() > 0 && step % training.evalEvery() == 0));
                    if (evaluate) {
                        lastEval = evaluate(model, evalRows, padId, manager);
                    }
                    if (step % training.logEvery() == 0 || step == totalSteps || evaluate) {
                        Map<String, Object> extra = new LinkedHashMap<>();
                        extra.put(SftMetrics.EPOCH, epoch + (double) position / rows.size());
                        if (evaluate) {
                            extra.put(SftMetrics.EVAL_LOSS, lastEval.loss());
                            extra.put(SftMetrics.EVAL_PERPLEXITY, lastEval.perplexity());
                            extra.put(SftMetrics.EVAL_TOKEN_ACCURACY, lastEval.tokenAccuracy());
                        }
                        lastTrainLoss = window.meanLoss();
                        metrics.log(new StepMetrics(step, lastTrainLoss, lr, gradNorm, window.tokens, extra));
                        window.reset();
                    }
                    if (training.saveEvery() > 0 && (step % training.saveEvery() == 0 || step == totalSteps)) {
                        checkpoints.save(state(rows.size(), totalSteps), dir -> {
                            LoraTraining.saveCausalLM(dir, model, tokenizer); // the model (or adapter) directory at the top
                            optimizer.save(dir.resolve(CheckpointManager.OPTIMIZER_FILE));
                        });
                    }
                    hook.afterStep().accept(step);
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            double tokensPerSecond = seconds > 0 ? tokensTrained / seconds : 0;
            if (step < totalSteps) { // stopped early (tests): as if killed, nothing more is written
                return new SftResult(step, resumedFrom, lastTrainLoss, Double.NaN, Double.NaN, Double.NaN,
                        tokensPerSecond, null, data.stats());
            }

            // 5. End: the final evaluation (unless the last step just made it), the output directory
            if (evalRows != null && lastEval == null) {
                lastEval = evaluate(model, evalRows, padId, manager);
            }
            LoraTraining.saveCausalLM(config.output(), model, tokenizer);
            SftLoss.Sums eval = lastEval == null ? new SftLoss.Sums(Double.NaN, 0, 0) : lastEval;
            say("sft: done, %d steps; train loss %.4f%s; %.0f tokens/s; model written to %s", step, lastTrainLoss,
                    lastEval == null ? "" : String.format(Locale.ROOT,
                            ", eval loss %.4f (perplexity %.3f, token accuracy %.3f)", eval.loss(), eval.perplexity(),
                            eval.tokenAccuracy()),
                    tokensPerSecond, config.output());
            return new SftResult(step, resumedFrom, lastTrainLoss, eval.loss(), eval.perplexity(), eval.tokenAccuracy(),
                    tokensPerSecond, config.output(), data.stats());
        }
    }

    /** Rows split into micro-batches of {@code batch_size}. */
    private List<SftBatch> microBatches(List<List<SftExample>> stepRows, long padId) {
        List<SftBatch> out = new ArrayList<>();
        for (int i = 0; i < stepRows.size(); i += training.batchSize()) {
            out.add(SftBatch.collate(stepRows.subList(i, Math.min(stepRows.size(), i + training.batchSize())), padId,
                    config.packing()));
        }
        return out;
    }

    /** One example per row, or packed rows. */
    private List<List<SftExample>> rows(List<SftExample> examples) {
        return config.packing() ? Packing.pack(examples, config.maxLength()) : Packing.unpacked(examples);
    }

    /**
     * The next rows of the current epoch, up to {@code count}: a step never crosses an epoch
     * boundary, so the last step of an epoch may be smaller. A new epoch draws its shuffle seed.
     */
    private List<List<SftExample>> nextRows(List<List<SftExample>> rows, int count) {
        if (order == null || position == rows.size()) {
            if (order != null) {
                epoch++;
                position = 0;
            }
            epochSeed = rng.nextSeed();
            order = new SeededRng(epochSeed).permutation(rows.size());
        }
        List<List<SftExample>> out = new ArrayList<>();
        while (out.size() < count && position < rows.size()) {
            out.add(rows.get(order[(int) position++]));
        }
        return out;
    }


    /** Mean loss, perplexity and token accuracy on the held-out rows; no dropout, no gradients. */
    private SftLoss.Sums evaluate(CausalLM model, List<List<SftExample>> evalRows, long padId, NDManager manager) {
        SftLoss.Sums sums = SftLoss.Sums.ZERO;
        for (int i = 0; i < evalRows.size(); i += training.batchSize()) {
            try (NDManager batchScope = manager.newSubManager()) { // every array of this batch
                SftBatch batch = SftBatch.collate(evalRows.subList(i, Math.min(evalRows.size(),
                        i + training.batchSize())), padId, config.packing());
                sums = sums.plus(SftLoss.evaluate(model, batch.toTensors(batchScope)));
            }
        }
        return sums;
    }

    private TrainerState state(int rowCount, long totalSteps) {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put(EPOCH_SEED, order == null ? 0L : epochSeed);
        extra.put(ROWS, rowCount);
        extra.put(TOTAL_STEPS, totalSteps);
        extra.put(WINDOW_LOSS, window.lossSum);
        extra.put(WINDOW_STEPS, window.steps);
        extra.put(WINDOW_TOKENS, window.tokens);
        return new TrainerState(step, update.optimizerStep(), epoch, order == null ? 0 : position, rng.seed(), rng.counter(),
                extra, ConfigChanges.snapshot(config));
    }

    /**
     * The loop state of a checkpoint. The config was compared already ({@link ConfigChanges}); the
     * row count is checked here because the data files can change under the same names, and a
     * position in rows that are no longer there means nothing.
     */
    private void restore(Checkpoint checkpoint, int rowCount) throws IOException {
        TrainerState s = checkpoint.state();
        long savedRows = number(checkpoint, s, ROWS).longValue();
        if (savedRows != rowCount) {
            throw new TrainingStoppedException(String.format(Locale.ROOT,
                    "%s was saved by a run with %d rows, but %s now gives %d rows: resuming needs the same data;"
                            + " delete %s to start over",
                    checkpoint.dir(), savedRows, config.data(), rowCount, checkpoint.dir().getParent()));
        }
        step = s.step();
        update.resumeAt(s.optimizerStep());
        epoch = s.epoch();
        position = s.dataPosition();
        rng = s.rng();
        if (step > 0) {
            epochSeed = number(checkpoint, s, EPOCH_SEED).longValue();
            order = new SeededRng(epochSeed).permutation(rowCount);
        }
        window.lossSum = number(checkpoint, s, WINDOW_LOSS).doubleValue();
        window.steps = number(checkpoint, s, WINDOW_STEPS).longValue();
        window.tokens = number(checkpoint, s, WINDOW_TOKENS).longValue();
    }

    private static Number number(Checkpoint checkpoint, TrainerState s, String key) throws IOException {
        if (s.extra().get(key) instanceof Number n) {
            return n;
        }
        throw new IOException(checkpoint.resolve(TrainerState.FILE) + ": extra." + key
                + " must be a number, but is: " + s.extra().get(key));
    }

    /** The model of {@code dir} in float32, whatever dtype it is stored in: training and checkpoints stay exact. */
    private static CausalLM loadFloat32(Path dir, NDManager manager) {
        if (PeftAdapter.isAdapter(dir)) { // an adapter (a LoRA checkpoint or model): training continues it
            return ModelDirectory.loadCausalLM(dir, manager, true);
        }
        ModelConfig modelConfig = ModelConfig.read(dir).withDtype("float32");
        try (SafetensorsCheckpoint weights = ModelDirectory.open(dir)) {
            return new CausalLM(modelConfig, manager, ModelDirectory.weights(weights, dir), true);
        }
    }

    private static long tokens(List<List<SftExample>> rows) {
        return rows.stream().flatMap(List::stream).mapToLong(SftExample::length).sum();
    }

    private void say(String format, Object... args) {
        if (console != null) {
            console.println(String.format(Locale.ROOT, format, args));
        }
    }

    /** Loss and tokens since the last metrics line. */
    private static final class Window {
        double lossSum;
        long steps;
        long tokens;

        void add(float loss, long stepTokens) {
            lossSum += loss;
            steps++;
            tokens += stepTokens;
        }

        double meanLoss() {
            return steps == 0 ? Double.NaN : lossSum / steps;
        }

        void reset() {
            lossSum = 0;
            steps = 0;
            tokens = 0;
        }
    }
}
