package dev.rlhf4j.cli.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.model.ModelConfig;
import dev.rlhf4j.core.model.WeightSource;
import dev.rlhf4j.core.train.AdamW;
import dev.rlhf4j.core.train.GradClip;
import dev.rlhf4j.core.train.NamedParameter;
import dev.rlhf4j.sft.Packing;
import dev.rlhf4j.sft.SftBatch;
import dev.rlhf4j.sft.SftExample;
import dev.rlhf4j.sft.SftLoss;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * SFT training throughput: real (non-pad) tokens trained per second in the fastest of a few
 * timed steps (the machine is shared: noise only slows), each a full optimizer step
 * (collate, forward, completion-only loss, backward, clip, AdamW), with and without packing, on
 * synthetic demonstrations: prompts of 16..96 and completions of 16..160 random tokens, so that
 * unpacked batches carry the padding a real dataset of mixed lengths does. Also reported: the
 * useful model FLOP/s (6N + attention per real token, as {@link ModelBench}) as a fraction of
 * libtorch's matmul peak in the same process, and packing's speed-up.
 */
final class SftBench {
    private SftBench() {}

    static Map<String, Object> run(ModelConfig c, boolean packing, int batch, int maxLength, int steps, double peak) {
        List<SftExample> examples = syntheticExamples(c.vocabSize(), maxLength, batch * (steps + 1) * 4, 1);
        List<List<SftExample>> rows = packing ? Packing.pack(examples, maxLength) : Packing.unpacked(examples);
        Map<String, Object> row = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager();
                CausalLM model = new CausalLM(c, m, WeightSource.random(1, 0.02f, c.numLayers()), true)) {
            List<NamedParameter> params = NamedParameter.trainable(model.getParameters());
            try (AdamW optimizer = AdamW.builder().setParameters(params).build()) {
                double best = 0; // tokens/s of the fastest timed step: the machine is shared, noise only slows
                long tokens = 0;
                long slots = 0;
                for (int i = 0; i <= steps; i++) { // step 0 warms up and is not counted
                    SftBatch b = SftBatch.collate(rows.subList(i * batch, (i + 1) * batch), 0, packing);
                    long t0 = System.nanoTime();
                    try (NDManager stepScope = m.newSubManager()) {
                        SftBatch.Tensors x = b.toTensors(stepScope);
                        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            gc.backward(SftLoss.meanLoss(model, x, true));
                        }
                        GradClip.clipGlobalNorm(params, 1.0);
                        optimizer.step(1e-4);
                        optimizer.zeroGrad();
                    }
                    if (i > 0) {
                        best = Math.max(best, b.tokens() / ((System.nanoTime() - t0) / 1e9));
                        tokens += b.tokens();
                        slots += (long) b.rows() * b.width();
                    }
                }
                int width = (int) (slots / ((long) batch * steps));
                row.put("model", c.modelType() + " d=" + c.hiddenSize() + " L=" + c.numLayers());
                row.put("packing", packing);
                row.put("rows_x_width", batch + "x" + width);
                row.put("real_tokens_per_step", tokens / steps);
                row.put("padding_fraction", 1.0 - (double) tokens / slots);
                row.put("tokens_per_s", best);
                // model FLOPs of the real tokens only (padding is waste), against libtorch's matmul peak
                row.put("fraction_of_matmul_peak", best * ModelBench.flopsPerToken(c, width) / peak);
                row.put("peak_rss_mb", PeakRss.mb());
            }
        }
        return row;
    }

    /** Seeded random demonstrations: prompt 16..96 tokens (untrained), completion 16..160 (trained). */
    static List<SftExample> syntheticExamples(int vocab, int maxLength, int count, long seed) {
        Random rng = new Random(seed);
        List<SftExample> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int prompt = 16 + rng.nextInt(81);
            int completion = Math.min(16 + rng.nextInt(145), maxLength - prompt);
            long[] ids = new long[prompt + completion];
            boolean[] trained = new boolean[ids.length];
            for (int t = 0; t < ids.length; t++) {
                ids[t] = 1 + rng.nextInt(vocab - 1);
                trained[t] = t >= prompt;
            }
            out.add(new SftExample(ids, trained, prompt, "synthetic:" + i));
        }
        return out;
    }
}
