package dev.rlhf4j.dpo;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.checkpoint.SafetensorsCheckpoint;
import dev.rlhf4j.core.config.TrainingConfig;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.model.LoraAdapters;
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
import dev.rlhf4j.rm.data.PairFiles;
import dev.rlhf4j.rm.data.PreferencePair;
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
 * Offline preference optimisation of a policy (DPO and its family, {@link DpoLoss}), in numbered
 * phases:
 *
 * <ol>
 *   <li>output checked; tokenizer, policy (the newest checkpoint of this run if any, after {@link
 *       ConfigChanges} compared its config with this one; else {@code dpo.model}), reference
 *       ({@code dpo.reference}, frozen; none for simpo and orpo);
 *   <li>data: the preference records as the reward model reads them ({@link PairFiles}), ties left
 *       out, encoded by {@link DpoInputs}; the reference's log-probs of every pair scored once and
 *       the reference freed, with {@code precompute_ref_log_probs};
 *   <li>loop parts: AdamW, LR schedule, {@link OptimizerStep}, {@link GradAccumulator}, checkpoints,
 *       metrics; on resume the optimizer moments, schedule position, RNG and data position;
 *   <li>loop, one step: (a) seed dropout if on; (b) the next pairs of this epoch's shuffled order
 *       ({@code batch_size × grad_accum}, never crossing an epoch's end); (c) per micro-batch: the
 *       reference's log-probs without gradients, then the policy's forward and backward, each
 *       micro-batch weighted by its share of the step's votes (the step's loss is the mean over its
 *       votes); (d) clip, update unless NaN/Inf, clear; (e) log, evaluate, checkpoint on schedule;
 *   <li>output: the policy's model directory (Hugging Face layout, with the tokenizer).
 * </ol>
 *
 * <p>Run directory: {@code metrics.jsonl} ({@link DpoMetrics}) and {@code checkpoints/step-N/}.
 * Lifetimes: policy, optimizer and tokenizer live for the run, the reference until the end or until
 * its log-probs are precomputed; every array of a step or an evaluation batch lives in a
 * sub-manager closed at its end.
 */
public final class DpoTrainer implements AutoCloseable {

    private static final String EPOCH_SEED = "epoch_seed";
    private static final String PAIRS = "pairs";

    private final DpoConfig config;
    private final TrainingConfig training;
    private final Path runDir;
    private final PrintStream console;
    private final OnConfigChange onConfigChange;
    private final NDManager manager = NDManager.newBaseManager();
    private final DpoLoss loss;
    private final boolean dropout;

    private Tokenizer tokenizer;
    private CausalLM policy;
    private NDManager referenceScope; // the reference model's arrays; closed once it is no longer needed
    private CausalLM reference;
    private AdamW optimizer;
    private List<DpoExample> examples;
    private List<DpoExample> evalExamples = List.of();
    private float[][] refTrain; // precomputed (pair index → {chosen, rejected}), or null
    private float[][] refEval;
    private long tiesSkipped;
    private long tooLong;

    // the loop's state: everything a checkpoint holds besides weights and optimizer moments
    private long step;
    private OptimizerStep update;
    private long epoch;
    private long position;
    private SeededRng rng;
    private long epochSeed;
    private int[] order;

    DpoTrainer(DpoConfig config, Path runDir, PrintStream console, OnConfigChange onConfigChange) {
        this.config = config;
        this.training = config.training();
        this.runDir = runDir;
        this.console = console;
        this.onConfigChange = onConfigChange;
        this.loss = DpoLoss.of(config);
        this.dropout = !config.disableDropout();
    }

    /** Trains into {@code runDir} and {@code dpo.output}; resumes from the run's newest checkpoint if any. */
    public static DpoResult run(DpoConfig config, Path runDir, OnConfigChange onConfigChange) throws IOException {
        try (DpoTrainer t = new DpoTrainer(config, runDir, System.out, onConfigChange)) {
            return t.train(RunHook.NONE);
        }
    }

    /** {@link #run} for tests: the {@link RunHook} stops the run as if killed, and sees every step. */
    static DpoResult run(DpoConfig config, Path runDir, RunHook hook, PrintStream console) throws IOException {
        try (DpoTrainer t = new DpoTrainer(config, runDir, console, OnConfigChange.REFUSE)) {
            return t.train(hook);
        }
    }

    DpoResult train(RunHook hook) throws IOException {
        // 1. output, tokenizer, models
        Path output = config.outputIn(runDir);
        Map<String, Path> inputs = new LinkedHashMap<>();
        inputs.put("dpo.model", config.model());
        if (config.lossType().usesReference()) {
            inputs.put("dpo.reference", config.reference());
        }
        ModelDirectory.checkOutput("dpo.output", output, inputs);
        Files.createDirectories(runDir);
        CheckpointManager checkpoints = new CheckpointManager(runDir.resolve("checkpoints"), training.keepCheckpoints());
        Checkpoint resume = checkpoints.latest().orElse(null);
        if (resume != null) {
            ConfigChanges.check(resume, "dpo", config, onConfigChange);
        }
        tokenizer = Tokenizer.load(config.model());
        if (config.lora() != null) { // the base frozen, adapters trained (new, or the checkpoint's)
            Path base = LoraTraining.baseDirectory(config.model(), runDir);
            policy = LoraTraining.load(base, config.lora(), config.seed(), resume == null ? null : resume.dir(), manager,
                    true);
        } else {
            policy = loadFloat32(resume != null ? resume.dir() : config.model(), manager);
        }
        policy.setGradientCheckpointing(training.gradientCheckpointing());
        ModelConfig mc = policy.config();
        int maxLength = config.maxLength() != null ? config.maxLength() : mc.maxPositions();
        Checks.check(maxLength <= mc.maxPositions(), "dpo.max_length is %s, but the model at %s handles at most %s"
                + " positions (max_position_embeddings)", maxLength, config.model(), mc.maxPositions());
        if (config.lossType().usesReference() && referenceIsPolicyWithoutAdapters()) {
            reference = null; // the policy with its adapters off: no second copy
        } else if (config.lossType().usesReference()) {
            referenceScope = manager.newSubManager();
            reference = loadFloat32(config.reference(), referenceScope);
            reference.setTrainable(false);
            // log-probs of the same ids under both models mean something only with one vocabulary
            Checks.check(reference.config().vocabSize() == mc.vocabSize(), "dpo.reference (%s) has a vocabulary of %s"
                    + " tokens, but dpo.model (%s) has %s: the reference must share the policy's tokenizer",
                    config.reference(), reference.config().vocabSize(), config.model(), mc.vocabSize());
        }

        // 2. data, and the reference's log-probs once if asked
        DpoInputs encoder = new DpoInputs(tokenizer, maxLength);
        examples = encode(config.data(), encoder, true);
        Checks.check(!examples.isEmpty(), "dpo.data: no pairs to train on (%s ties, %s pairs whose prompt fills"
                + " max_length, in %s)", tiesSkipped, tooLong, config.data());
        if (!config.evalData().isEmpty()) {
            evalExamples = encode(config.evalData(), encoder, false);
        }
        if (config.lossType().usesReference() && config.precomputeRefLogProbs()) {
            refTrain = precompute(examples);
            refEval = precompute(evalExamples);
            closeReference();
        }

        // 3. loop parts, and the state of a checkpoint
        int pairsPerStep = training.effectiveBatchSize();
        long totalSteps = training.totalSteps(examples.size());
        optimizer = AdamW.of(NamedParameter.trainable(policy.getParameters()), training);
        update = OptimizerStep.of(optimizer, LrSchedule.of(training, totalSteps), training.maxGradNorm());
        GradAccumulator accumulator = new GradAccumulator(training.gradAccum());
        rng = new SeededRng(config.seed());
        if (resume != null) {
            optimizer.load(resume.resolve(CheckpointManager.OPTIMIZER_FILE));
            restore(resume);
        }
        long resumedFrom = step;
        say("dpo: %s, beta %s; %d pairs (%d ties and %d too long left out), %d held out; %d steps of %d pairs",
                config.lossType().key(), config.beta(), examples.size(), tiesSkipped, tooLong, evalExamples.size(),
                totalSteps, pairsPerStep);

        // 4. loop
        PairSums window = new PairSums();
        long windowTokens = 0;
        long windowStart = System.nanoTime();
        Map<String, Object> lastTrain = Map.of();
        double lastLoss = Double.NaN;
        long pairsTrained = 0;
        long started = System.nanoTime();
        MetricsSink.Builder sink = MetricsSink.builder().setFile(runDir.resolve("metrics.jsonl"))
                .optTotalSteps(totalSteps).optConsole(console);
        try (MetricsSink metrics = (resume != null ? sink.optResumeStep(step) : sink).build()) {
            while (step < totalSteps && hook.continuesAfter(step)) {
                PairSums stepSums = new PairSums();
                long stepTokens = 0;
                OptimizerStep.Result u;
                try (NDManager stepScope = manager.newSubManager()) { // every array of this step
                    // 4a. dropout, from the run's generator (libtorch's own cannot be saved)
                    if (dropout) {
                        Engine.getInstance().setRandomSeed((int) rng.nextSeed());
                    }
                    // 4b. this step's pairs as micro-batches
                    List<DpoBatch> microBatches = microBatches(nextPairs(pairsPerStep));
                    double stepVotes = microBatches.stream().mapToDouble(DpoBatch::votes).sum();
                    // 4c. reference without gradients, then forward + backward weighted by the share of votes
                    for (DpoBatch mb : microBatches) {
                        DpoBatch.Tensors t = mb.toTensors(stepScope);
                        NDArray[] ref = referenceLogps(mb, t, refTrain);
                        BatchLoss.Result[] out = new BatchLoss.Result[1];
                        accumulator.backward(() -> {
                            out[0] = BatchLoss.compute(policy, loss, mb, t, ref[0], ref[1], dropout);
                            return out[0].loss();
                        }, mb.votes() / stepVotes);
                        stepSums.add(out[0].sums());
                        stepTokens += mb.tokens();
                    }
                    // 4d. clip, update unless NaN/Inf, clear
                    u = update.apply(step + 1, stepSums.loss());
                    accumulator.reset();
                    step++;
                }
                window.add(stepSums);
                windowTokens += stepTokens;
                pairsTrained += stepSums.pairs;
                // 4e. log, evaluate, checkpoint
                boolean evaluate = !evalExamples.isEmpty() && (step == totalSteps
                        || (training.evalEvery() > 0 && step % training.evalEvery() == 0));
                if (step % training.logEvery() == 0 || step == totalSteps || evaluate) {
                    Map<String, Object> extra = window.metrics("", config.lossType() == DpoConfig.LossType.ORPO);
                    extra.put(DpoMetrics.EPOCH, epoch + (double) position / examples.size());
                    extra.put(DpoMetrics.PAIRS_PER_S, window.pairs / ((System.nanoTime() - windowStart) / 1e9));
                    lastTrain = new LinkedHashMap<>(extra);
                    lastLoss = window.loss();
                    if (evaluate) {
                        extra.putAll(evaluate());
                    }
                    metrics.log(new StepMetrics(step, lastLoss, u.lr(), u.gradNorm(), windowTokens, extra));
                    window = new PairSums();
                    windowTokens = 0;
                    windowStart = System.nanoTime();
                }
                if (training.saveEvery() > 0 && (step % training.saveEvery() == 0 || step == totalSteps)) {
                    saveCheckpoint(checkpoints);
                }
                hook.afterStep().accept(step);
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        double pairsPerSecond = seconds > 0 ? pairsTrained / seconds : 0;
        if (step < totalSteps) { // stopped early: leave a checkpoint to resume from
            if (checkpoints.latest().map(c -> c.step() != step).orElse(true)) {
                saveCheckpoint(checkpoints);
            }
            return new DpoResult(null, step, totalSteps, config.lossType().key(), examples.size(), tiesSkipped,
                    tooLong, lastLoss, lastTrain, Map.of(), pairsPerSecond);
        }

        // 5. output
        Map<String, Object> finalEval = evalExamples.isEmpty() ? Map.of() : evaluate();
        LoraTraining.saveCausalLM(output, policy, tokenizer); // a PEFT adapter with LoRA
        say("dpo: done, %d steps (from %d); loss %.4f; %.1f pairs/s; model written to %s", step, resumedFrom, lastLoss,
                pairsPerSecond, output);
        return new DpoResult(output, step, totalSteps, config.lossType().key(), examples.size(), tiesSkipped, tooLong,
                lastLoss, lastTrain, finalEval, pairsPerSecond);
    }

    /** The pairs of {@code files}, ties left out, encoded; counts what is left out when {@code count}. */
    private List<DpoExample> encode(List<Path> files, DpoInputs encoder, boolean count) {
        List<DpoExample> out = new ArrayList<>();
        for (PreferencePair p : PairFiles.read(files)) {
            if (p.tie()) { // no preference to learn
                tiesSkipped += count ? 1 : 0;
                continue;
            }
            DpoExample e = encoder.encode(p, p.votes(), out.size());
            if (e == null) {
                tooLong += count ? 1 : 0;
                continue;
            }
            out.add(e);
        }
        return out;
    }

    /** The reference's log-probs of every pair, in batches; no gradients. */
    private float[][] precompute(List<DpoExample> pairs) {
        float[][] out = new float[pairs.size()][];
        int size = Math.max(training.batchSize(), 8);
        for (int i = 0; i < pairs.size(); i += size) {
            try (NDManager scope = manager.newSubManager()) {
                List<DpoExample> chunk = pairs.subList(i, Math.min(pairs.size(), i + size));
                DpoBatch b = DpoBatch.collate(chunk, tokenizer.padId(), config.useVotes());
                NDArray[] ref = reference(b.toTensors(scope));
                float[] c = ref[0].toFloatArray();
                float[] r = ref[1].toFloatArray();
                for (int k = 0; k < chunk.size(); k++) {
                    out[i + k] = new float[] {c[k], r[k]};
                }
            }
        }
        return out;
    }

    /** Whether the reference is the starting model under LoRA's adapters: the policy with them disabled. */
    private boolean referenceIsPolicyWithoutAdapters() {
        return config.lora() != null && config.reference().equals(config.model());
    }

    /** {chosen, rejected} reference log-probs of a batch, no gradients: the reference model, or the policy's base. */
    private NDArray[] reference(DpoBatch.Tensors t) {
        if (reference != null) {
            return BatchLoss.reference(reference, t);
        }
        try (LoraAdapters.Disabled off = policy.lora().disabled()) {
            return BatchLoss.reference(policy, t);
        }
    }

    /** {chosen, rejected} reference log-probs of a batch: precomputed, computed now, or none. */
    private NDArray[] referenceLogps(DpoBatch batch, DpoBatch.Tensors t, float[][] precomputed) {
        if (!config.lossType().usesReference()) {
            return new NDArray[2];
        }
        if (precomputed == null) {
            return reference(t);
        }
        int p = batch.pairs();
        float[] c = new float[p];
        float[] r = new float[p];
        for (int i = 0; i < p; i++) {
            c[i] = precomputed[batch.index()[i]][0];
            r[i] = precomputed[batch.index()[i]][1];
        }
        NDManager m = t.ids().getManager();
        return new NDArray[] {m.create(c), m.create(r)};
    }

    /** Loss and metrics on the held-out pairs (prefixed {@code eval/}); no gradient, no dropout. */
    Map<String, Object> evaluate() {
        PairSums sums = new PairSums();
        for (int i = 0; i < evalExamples.size(); i += training.batchSize()) {
            try (NDManager scope = manager.newSubManager()) { // every array of this batch
                DpoBatch b = DpoBatch.collate(evalExamples.subList(i, Math.min(evalExamples.size(),
                        i + training.batchSize())), tokenizer.padId(), config.useVotes());
                DpoBatch.Tensors t = b.toTensors(scope);
                NDArray[] ref = referenceLogps(b, t, refEval);
                sums.add(BatchLoss.compute(policy, loss, b, t, ref[0], ref[1], false).sums());
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put(DpoMetrics.EVAL_PREFIX + "loss", sums.loss());
        out.putAll(sums.metrics(DpoMetrics.EVAL_PREFIX, config.lossType() == DpoConfig.LossType.ORPO));
        return out;
    }

    private List<DpoBatch> microBatches(List<DpoExample> pairs) {
        List<DpoBatch> out = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i += training.batchSize()) {
            out.add(DpoBatch.collate(pairs.subList(i, Math.min(pairs.size(), i + training.batchSize())),
                    tokenizer.padId(), config.useVotes()));
        }
        return out;
    }

    /** The next pairs of this epoch's order, up to {@code count}; a new epoch draws its shuffle seed. */
    private List<DpoExample> nextPairs(int count) {
        if (order == null || position == examples.size()) {
            if (order != null) {
                epoch++;
                position = 0;
            }
            epochSeed = rng.nextSeed();
            order = new SeededRng(epochSeed).permutation(examples.size());
        }
        List<DpoExample> out = new ArrayList<>();
        while (out.size() < count && position < examples.size()) {
            out.add(examples.get(order[(int) position++]));
        }
        return out;
    }


    private void saveCheckpoint(CheckpointManager checkpoints) throws IOException {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put(EPOCH_SEED, order == null ? 0L : epochSeed);
        extra.put(PAIRS, examples.size());
        TrainerState state = new TrainerState(step, update.optimizerStep(), epoch, order == null ? 0 : position,
                rng.seed(), rng.counter(), extra, ConfigChanges.snapshot(config));
        checkpoints.save(state, dir -> {
            LoraTraining.saveCausalLM(dir, policy, tokenizer); // the model (or adapter) directory at the top
            optimizer.save(dir.resolve(CheckpointManager.OPTIMIZER_FILE));
        });
    }

    /** The loop state of a checkpoint; the pair count is checked, since the files can change under one name. */
    private void restore(Checkpoint checkpoint) throws IOException {
        TrainerState s = checkpoint.state();
        long saved = number(checkpoint, s, PAIRS).longValue();
        if (saved != examples.size()) {
            throw new TrainingStoppedException(String.format(Locale.ROOT,
                    "%s was saved by a run with %d pairs, but %s now gives %d pairs: resuming needs the same data;"
                            + " delete %s to start over",
                    checkpoint.dir(), saved, config.data(), examples.size(), checkpoint.dir().getParent()));
        }
        step = s.step();
        update.resumeAt(s.optimizerStep());
        epoch = s.epoch();
        position = s.dataPosition();
        rng = s.rng();
        if (step > 0) {
            epochSeed = number(checkpoint, s, EPOCH_SEED).longValue();
            order = new SeededRng(epochSeed).permutation(examples.size());
        }
    }

    private static Number number(Checkpoint checkpoint, TrainerState s, String key) throws IOException {
        if (s.extra().get(key) instanceof Number n) {
            return n;
        }
        throw new IOException(checkpoint.resolve(TrainerState.FILE) + ": extra." + key
                + " must be a number, but is: " + s.extra().get(key));
    }

    /** The model of {@code dir} in float32, whatever dtype it is stored in. */
    static CausalLM loadFloat32(Path dir, NDManager manager) {
        ModelConfig modelConfig = ModelConfig.read(dir).withDtype("float32");
        try (SafetensorsCheckpoint weights = ModelDirectory.open(dir)) {
            return new CausalLM(modelConfig, manager, ModelDirectory.weights(weights, dir), true);
        }
    }

    private void closeReference() {
        if (reference != null) {
            reference.close();
            reference = null;
        }
        if (referenceScope != null) {
            referenceScope.close();
            referenceScope = null;
        }
    }

    private void say(String format, Object... args) {
        if (console != null) {
            console.println(String.format(Locale.ROOT, format, args));
        }
    }

    /** The policy being trained (tests). */
    CausalLM policy() {
        return policy;
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
        closeReference();
        if (policy != null) {
            policy.close();
        }
        if (tokenizer != null) {
            tokenizer.close();
        }
        manager.close();
    }
}
