package dev.rlhf4j.cli.bench;

import ai.djl.ndarray.NDManager;
import dev.rlhf4j.core.generate.BeamConfig;
import dev.rlhf4j.core.generate.BeamSearch;
import dev.rlhf4j.core.generate.Generation;
import dev.rlhf4j.core.generate.Generator;
import dev.rlhf4j.core.generate.SamplingConfig;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.model.ModelConfig;
import dev.rlhf4j.core.model.WeightSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Decode tokens per second with the KV cache: the first call (in a fresh JVM this includes
 * libtorch's and the JIT's warm-up, which a user's first generation pays) and warm (the best of
 * three calls after a short warm-up); optionally also without the cache, recomputing the whole
 * sequence every step, the baseline the cache is measured against. {@link #runBeams} measures beam
 * search the same way, in returned tokens (prompts × new tokens) per second.
 */
final class GenerateBench {
    private GenerateBench() {}

    static Map<String, Object> run(ModelConfig c, int batch, int promptLen, int newTokens, boolean uncached) {
        Map<String, Object> row = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager();
                CausalLM model = new CausalLM(c, m, WeightSource.random(1, 0.02f, c.numLayers()), true)) {
            SplittableRandom rng = new SplittableRandom(5);
            List<long[]> prompts = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                prompts.add(rng.longs(promptLen, 1, c.vocabSize()).toArray());
            }
            // no stop tokens: every row decodes exactly newTokens
            Generator cached = new Generator(model, 0, List.of()).withoutLogProbs(); // as generate() in transformers
            SamplingConfig cfg = new SamplingConfig(newTokens, 1f, 0, 1f, false, List.of(), 1);
            double firstCall = tokensPerSecond(cached, prompts, cfg, m);
            cached.generate(prompts, new SamplingConfig(4, 1f, 0, 1f, false, List.of(), 1), m); // warm-up
            double withCache = 0;
            for (int i = 0; i < 3; i++) {
                withCache = Math.max(withCache, tokensPerSecond(cached, prompts, cfg, m));
            }
            row.put("model", c.modelType() + " d=" + c.hiddenSize() + " L=" + c.numLayers());
            row.put("batch", batch);
            row.put("new_tokens", newTokens);
            row.put("tokens_per_s_first_call", firstCall);
            row.put("tokens_per_s_warm", withCache);
            if (uncached) {
                double without = tokensPerSecond(cached.withoutCache(), prompts, cfg, m);
                row.put("tokens_per_s_uncached", without);
                row.put("speedup", withCache / without);
            }
            row.put("peak_rss_mb", PeakRss.mb());
        }
        return row;
    }

    /** N-beam search of {@code newTokens} tokens (no EOS: every hypothesis runs to the end), first call and warm. */
    static Map<String, Object> runBeams(ModelConfig c, int batch, int promptLen, int newTokens, int numBeams) {
        Map<String, Object> row = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager();
                CausalLM model = new CausalLM(c, m, WeightSource.random(1, 0.02f, c.numLayers()), true)) {
            SplittableRandom rng = new SplittableRandom(5);
            List<long[]> prompts = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                prompts.add(rng.longs(promptLen, 1, c.vocabSize()).toArray());
            }
            BeamSearch search = new BeamSearch(model, 0, List.of());
            BeamConfig cfg = BeamConfig.of(numBeams, newTokens);
            double firstCall = beamTokensPerSecond(search, prompts, cfg, m);
            search.generate(prompts, BeamConfig.of(numBeams, 4), m); // warm-up
            double warm = 0;
            for (int i = 0; i < 3; i++) {
                warm = Math.max(warm, beamTokensPerSecond(search, prompts, cfg, m));
            }
            row.put("model", c.modelType() + " d=" + c.hiddenSize() + " L=" + c.numLayers());
            row.put("batch", batch);
            row.put("num_beams", numBeams);
            row.put("new_tokens", newTokens);
            row.put("tokens_per_s_first_call", firstCall);
            row.put("tokens_per_s_warm", warm);
            row.put("peak_rss_mb", PeakRss.mb());
        }
        return row;
    }

    private static double beamTokensPerSecond(BeamSearch search, List<long[]> prompts, BeamConfig cfg, NDManager m) {
        long t0 = System.nanoTime();
        Generation out = search.generate(prompts, cfg, m).sequences();
        return out.tokenCount() / ((System.nanoTime() - t0) / 1e9);
    }

    private static double tokensPerSecond(Generator g, List<long[]> prompts, SamplingConfig cfg, NDManager m) {
        long t0 = System.nanoTime();
        Generation out = g.generate(prompts, cfg, m);
        return out.tokenCount() / ((System.nanoTime() - t0) / 1e9);
    }
}
