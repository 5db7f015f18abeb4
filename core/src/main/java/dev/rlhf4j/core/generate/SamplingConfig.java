package dev.rlhf4j.core.generate;

import java.io.Serializable;
import java.util.List;

/**
 * How to sample.
 *
 * @param maxNewTokens most tokens generated per sequence
 * @param temperature logits are divided by it (ignored when greedy)
 * @param topK keep the k most likely tokens; 0 = off
 * @param topP keep the smallest set of tokens whose probability reaches p; 1 = off
 * @param greedy take the most likely token (deterministic)
 * @param stopIds token ids that end a sequence besides the tokenizer's EOS ids
 * @param seed fixes the samples: the same seed gives the same tokens
 */
public record SamplingConfig(int maxNewTokens, float temperature, int topK, float topP, boolean greedy,
        List<Integer> stopIds, long seed) implements Serializable {

    private static final long serialVersionUID = 1L;

    public SamplingConfig {
        stopIds = List.copyOf(stopIds);
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("max_new_tokens must be >= 1, but is: " + maxNewTokens);
        }
        if (!greedy && !(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be > 0, but is: " + temperature
                    + " (use greedy for temperature 0)");
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top_k must be >= 0 (0 = off), but is: " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], but is: " + topP);
        }
    }

    /** Sampling with PPO-NOTES defaults: temperature 0.7, top-k and top-p off. */
    public static SamplingConfig sample(int maxNewTokens, long seed) {
        return new SamplingConfig(maxNewTokens, 0.7f, 0, 1f, false, List.of(), seed);
    }

    public static SamplingConfig greedy(int maxNewTokens) {
        return new SamplingConfig(maxNewTokens, 1f, 0, 1f, true, List.of(), 0);
    }
}
