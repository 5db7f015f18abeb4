package dev.rlhf4j.core.train;

import ai.djl.MalformedModelException;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A whole training loop on a 2-layer MLP regression, built from the core.train parts exactly as a
 * stage trainer uses them, with checkpoints and resume. Used by the resume tests and, as a child
 * JVM, by the kill test ({@link #main}).
 */
final class TinyTrainer implements AutoCloseable {

    static final int IN = 6;
    static final int HIDDEN = 16;
    static final int OUT = 2;
    static final int MICRO_BATCH = 4;
    static final int ACCUMULATION = 2;
    static final long DATA_SEED = 1234;
    static final String MODEL_FILE = "model.djl";

    final long totalSteps;
    final NDManager manager = NDManager.newBaseManager();
    final SequentialBlock mlp;
    final ParameterStore store = new ParameterStore(manager, false);
    final List<NamedParameter> params;
    final AdamW adamw;
    final LrSchedule schedule;
    final NonFiniteGuard guard = new NonFiniteGuard();
    final GradAccumulator acc = new GradAccumulator(ACCUMULATION);
    final CheckpointManager checkpoints;
    final List<Float> losses = new ArrayList<>();
    long step;
    long optimizerStep;
    SeededRng rng = new SeededRng(DATA_SEED);
    long writerPauseMillis;

    /**
     * A fresh model initialised from {@code initSeed}, or, with {@code resumeFrom}, one whose
     * weights, optimizer and trainer state come from that checkpoint (the initialisation is then
     * overwritten, so use a different seed to prove it).
     */
    TinyTrainer(Path runDir, long totalSteps, long initSeed, Checkpoint resumeFrom) throws IOException {
        this.totalSteps = totalSteps;
        Engine.getInstance().setRandomSeed((int) initSeed);
        mlp = new SequentialBlock()
                .add(Linear.builder().setUnits(HIDDEN).build())
                .add(Activation.tanhBlock())
                .add(Linear.builder().setUnits(OUT).build());
        mlp.initialize(manager, DataType.FLOAT32, new Shape(MICRO_BATCH, IN));
        if (resumeFrom != null) { // 1. weights, before the optimizer captures the arrays
            try (DataInputStream in = new DataInputStream(
                    new BufferedInputStream(Files.newInputStream(resumeFrom.resolve(MODEL_FILE))))) {
                mlp.loadParameters(manager, in);
            } catch (MalformedModelException e) {
                throw new IOException(e);
            }
            for (Pair<String, Parameter> p : mlp.getParameters()) {
                p.getValue().getArray().setRequiresGradient(true);
            }
        }
        params = NamedParameter.trainable(mlp.getParameters());
        adamw = AdamW.builder().setParameters(params).optWeightDecay(0.1).build();
        schedule = LrSchedule.cosine(2e-2, 3, totalSteps);
        checkpoints = new CheckpointManager(runDir.resolve("checkpoints"), 2);
        if (resumeFrom != null) { // 2. optimizer moments, 3. trainer state
            adamw.load(resumeFrom.resolve(CheckpointManager.OPTIMIZER_FILE));
            TrainerState state = resumeFrom.state();
            step = state.step();
            optimizerStep = state.optimizerStep();
            rng = state.rng();
        }
    }

    /** Trains up to step {@code lastStep}, saving a checkpoint every {@code checkpointEvery} steps. */
    void trainUntil(long lastStep, int checkpointEvery, MetricsSink metrics) throws IOException {
        while (step < lastStep) {
            try (NDManager stepScope = manager.newSubManager()) { // every array of this step
                // 1. forward + backward over the micro-batches
                float lossSum = 0;
                for (int i = 0; i < ACCUMULATION; i++) {
                    NDArray x = batch(stepScope);                              // (B, IN)
                    NDArray y = target(x);                                     // (B, OUT)
                    lossSum += acc.backward(() -> mlp.forward(store, new NDList(x), true)
                            .singletonOrThrow().sub(y).square().mean());
                }
                float loss = lossSum / ACCUMULATION;
                // 2. clip, 3. update unless non-finite, 4. clear
                double gradNorm = GradClip.clipGlobalNorm(params, 1.0);
                double lr = schedule.lr(optimizerStep);
                if (guard.check(step + 1, loss, gradNorm)) {
                    adamw.step(lr);
                    optimizerStep++;
                }
                adamw.zeroGrad();
                acc.reset();
                step++;
                // 5. log, 6. checkpoint
                losses.add(loss);
                if (metrics != null) {
                    metrics.log(new StepMetrics(step, loss, lr, gradNorm, (long) MICRO_BATCH * ACCUMULATION * IN,
                            Map.of("train/optimizer_step", optimizerStep)));
                }
            }
            if (step % checkpointEvery == 0) {
                save();
            }
        }
    }

    Checkpoint save() throws IOException {
        TrainerState state = new TrainerState(step, optimizerStep, 0, step * MICRO_BATCH * ACCUMULATION,
                rng.seed(), rng.counter(), Map.of("note", "tiny"));
        return checkpoints.save(state, dir -> {
            try (DataOutputStream out = new DataOutputStream(
                    new BufferedOutputStream(Files.newOutputStream(dir.resolve(MODEL_FILE))))) {
                mlp.saveParameters(out);
            }
            pause(); // the kill test's window: the model is written, the rest is not
            adamw.save(dir.resolve(CheckpointManager.OPTIMIZER_FILE));
        });
    }

    private void pause() {
        if (writerPauseMillis > 0) {
            try {
                Thread.sleep(writerPauseMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Inputs uniform in [-1, 1) drawn from the trainer's generator. */
    private NDArray batch(NDManager scope) {
        float[] x = new float[MICRO_BATCH * IN];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (2 * rng.nextDouble() - 1);
        }
        return scope.create(x, new Shape(MICRO_BATCH, IN));
    }

    /** y = (sin(3 x_0) + x_1 x_2, sum(x)). */
    private static NDArray target(NDArray x) {
        NDArray y0 = x.get(":, 0").mul(3).sin().add(x.get(":, 1").mul(x.get(":, 2")));
        NDArray y1 = x.sum(new int[] {1});
        return y0.stack(y1, 1);
    }

    float[] weights() {
        List<Float> all = new ArrayList<>();
        for (NamedParameter p : params) {
            for (float f : p.array().toFloatArray()) {
                all.add(f);
            }
        }
        float[] out = new float[all.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = all.get(i);
        }
        return out;
    }

    @Override
    public void close() {
        adamw.close();
        manager.close();
    }

    /**
     * Child-process entry of the kill test: trains forever from the latest checkpoint (or from
     * scratch), checkpointing every step with a slow writer, until killed.
     *
     * @param args run directory
     */
    public static void main(String[] args) throws IOException {
        Path runDir = Path.of(args[0]);
        Checkpoint latest = new CheckpointManager(runDir.resolve("checkpoints"), 2).latest().orElse(null);
        try (TinyTrainer t = new TinyTrainer(runDir, 1_000_000, 1, latest)) {
            t.writerPauseMillis = 200;
            t.trainUntil(Long.MAX_VALUE, 1, null);
        } catch (RuntimeException e) {
            throw new UncheckedIOException(new IOException("child training failed", e));
        }
    }
}
