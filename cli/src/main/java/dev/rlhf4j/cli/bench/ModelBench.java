package dev.rlhf4j.cli.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.model.ModelConfig;
import dev.rlhf4j.core.model.WeightSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Forward + backward throughput of the decoder, as a fraction of libtorch's matmul peak in the
 * same process. Model FLOPs per token: 6·N (N = parameters that multiply: not the position table
 * nor an untied input embedding, which are lookups; the head counts, tied or not) plus attention
 * 12·L·T·d (Kaplan et al. / PaLM).
 */
final class ModelBench {
    private ModelBench() {}

    /** The two benchmark sizes of the issue: d=256/4 layers and d=512/6 layers, both families. */
    static List<ModelConfig> sizes(int vocab, int seq) {
        return List.of(
                ModelConfig.gpt2(vocab, 256, 4, 4, seq),
                ModelConfig.llama(vocab, 256, 4, 4, 2, 688, seq),
                ModelConfig.gpt2(vocab, 512, 6, 8, seq),
                ModelConfig.llama(vocab, 512, 6, 8, 4, 1376, seq));
    }

    static double flopsPerToken(ModelConfig c, int seq) {
        long lookups = (c.family() == ModelConfig.Family.GPT2 ? (long) c.maxPositions() * c.hiddenSize() : 0)
                + (c.tieEmbeddings() ? 0 : (long) c.vocabSize() * c.hiddenSize());
        long n = c.parameterCount() - lookups;
        return 6.0 * n + 12.0 * c.numLayers() * seq * c.hiddenSize();
    }

    static Map<String, Object> run(ModelConfig c, int batch, int seq, int steps, double peak) {
        Map<String, Object> row = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager();
                CausalLM model = new CausalLM(c, m, WeightSource.random(1, 0.02f, c.numLayers()), true)) {
            NDArray ids = m.randomInteger(0, c.vocabSize(), new Shape(batch, seq), ai.djl.ndarray.types.DataType.INT64);
            double best = Double.MAX_VALUE;
            for (int i = 0; i < steps + 1; i++) {
                long t0 = System.nanoTime();
                step(model, ids);
                long dt = System.nanoTime() - t0;
                if (i > 0) {
                    best = Math.min(best, dt);
                }
            }
            double tokensPerSecond = batch * seq / (best / 1e9);
            double flops = tokensPerSecond * flopsPerToken(c, seq);
            row.put("model", c.modelType() + " d=" + c.hiddenSize() + " L=" + c.numLayers());
            row.put("params_m", c.parameterCount() / 1e6);
            row.put("tokens_per_s", tokensPerSecond);
            row.put("gflops", flops / 1e9);
            row.put("fraction_of_matmul_peak", flops / peak);
            row.put("peak_rss_mb", PeakRss.mb());
        }
        return row;
    }

    /** One training-shaped step: next-token cross-entropy, backward, gradients read and dropped. */
    private static void step(CausalLM model, NDArray ids) {
        try (NDManager s = ids.getManager().newSubManager();
                GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray x = ids.duplicate();
            x.attach(s);
            NDArray logits = model.forward(x, null, null, null, true).logits();
            long t = ids.getShape().get(1);
            NDArray logp = logits.get(":, :-1").logSoftmax(-1);
            NDArray target = x.get(":, 1:").expandDims(-1);
            NDArray loss = logp.gather(target, 2).mean().neg();
            gc.backward(loss);
            for (var p : model.namedParameters().values()) {
                try (NDArray g = p.getArray().getGradient()) {
                    g.getShape();
                }
            }
            assert t > 1;
        }
    }
}
