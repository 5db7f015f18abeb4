package dev.rlhf4j.cli.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.rlhf4j.core.config.LoraConfig;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.model.LoraAdapters;
import dev.rlhf4j.core.model.ModelConfig;
import dev.rlhf4j.core.model.WeightSource;
import dev.rlhf4j.core.ops.LogProbs;
import dev.rlhf4j.core.ops.Slices;
import dev.rlhf4j.core.train.AdamW;
import dev.rlhf4j.core.train.GradAccumulator;
import dev.rlhf4j.core.train.GradClip;
import dev.rlhf4j.core.train.NamedParameter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One whole training step of the causal LM, as the trainers run it: forward, next-token loss,
 * backward, global-norm clipping, AdamW (decay and no-decay groups) and clearing the gradients.
 * Dropout is off, so the figure is the same work PyTorch does in {@code tools/bench_compare.py}.
 * The fastest of the timed steps counts (after one warm-up step).
 */
final class TrainStepBench {
    private TrainStepBench() {}

    static Map<String, Object> run(ModelConfig c, int batch, int seq, int steps) {
        return run(c, batch, seq, steps, 0, false);
    }

    /**
     * @param loraRank 0: every weight trains; else LoRA adapters of this rank on every projection
     *     ({@code all-linear}, alpha = 2r), the base frozen: only the adapters get gradients and
     *     AdamW moments
     * @param checkpointing gradient checkpointing of the decoder blocks
     */
    static Map<String, Object> run(ModelConfig c, int batch, int seq, int steps, int loraRank, boolean checkpointing) {
        Map<String, Object> row = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager();
                CausalLM model = new CausalLM(c, m, WeightSource.random(1, 0.02f, c.numLayers()), true)) {
            if (loraRank > 0) {
                model.setTrainable(false);
                model.addLora(LoraConfig.of(loraRank, 2.0 * loraRank, List.of(LoraConfig.ALL_LINEAR)),
                        LoraAdapters.initial(1));
            }
            model.setGradientCheckpointing(checkpointing);
            List<NamedParameter> params = NamedParameter.trainable(model.getParameters());
            NDArray ids = m.randomInteger(0, c.vocabSize(), new Shape(batch, seq), DataType.INT64);
            double best = Double.MAX_VALUE;
            double[] split = new double[4]; // forward+backward, clip, AdamW, clearing: of the fastest step
            ProcessTimes bestTimes = null; // page faults and CPU time of the fastest step
            try (AdamW adam = AdamW.builder().setParameters(params).build()) {
                GradAccumulator acc = new GradAccumulator(1);
                for (int i = 0; i <= steps; i++) {
                    long[] t = new long[5];
                    ProcessTimes before = ProcessTimes.now();
                    t[0] = System.nanoTime();
                    try (NDManager s = m.newSubManager()) {
                        NDArray x = ids.duplicate();
                        x.attach(s);
                        acc.backward(() -> {
                            NDArray logits = model.forward(x, null, null, null, false).logits(); // (B, T, V)
                            return LogProbs.logProbsOf(Slices.along(logits, 1, 0, seq - 1), x.get(":, 1:")).mean().neg();
                        });
                        t[1] = System.nanoTime();
                        GradClip.clipGlobalNorm(params, 1.0);
                        t[2] = System.nanoTime();
                        adam.step(1e-5);
                        t[3] = System.nanoTime();
                        adam.zeroGrad();
                        acc.reset();
                    }
                    t[4] = System.nanoTime();
                    ProcessTimes after = ProcessTimes.now();
                    double dt = (t[4] - t[0]) / 1e9;
                    if (i > 0 && dt < best) {
                        best = dt;
                        for (int k = 0; k < 4; k++) {
                            split[k] = (t[k + 1] - t[k]) / 1e9;
                        }
                        bestTimes = before == null || after == null ? null : after.since(before);
                    }
                }
            }
            row.put("model", c.modelType() + " d=" + c.hiddenSize() + " L=" + c.numLayers());
            row.put("params_m", c.parameterCount() / 1e6);
            row.put("lora_r", loraRank);
            row.put("gradient_checkpointing", checkpointing);
            row.put("trainable_params_m", params.stream().mapToLong(p -> p.array().size()).sum() / 1e6);
            row.put("batch", batch);
            row.put("seq", seq);
            row.put("steps_per_s", 1 / best);
            row.put("tokens_per_s", batch * seq / best);
            row.put("forward_backward_s", split[0]);
            row.put("clip_s", split[1]);
            row.put("adamw_s", split[2]);
            row.put("clear_grads_s", split[3]);
            if (bestTimes != null) {
                row.put("minor_faults", bestTimes.minorFaults());
                row.put("user_s", bestTimes.userS());
                row.put("sys_s", bestTimes.sysS());
            }
            row.put("peak_rss_mb", PeakRss.mb());
        }
        return row;
    }
}
