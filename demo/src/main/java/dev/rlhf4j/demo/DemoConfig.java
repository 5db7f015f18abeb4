package dev.rlhf4j.demo;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.rlhf4j.core.config.TrainingConfig;
import dev.rlhf4j.core.model.ModelConfig;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code demo:} section of configs/demo.yaml: what happens before the pipeline's stages.
 *
 * @param base the tiny base model
 * @param pretrain its next-token training on the generated corpus
 * @param pairTemperature temperature of the SFT samples the annotators compare (default 1.0)
 * @param bestOfN samples per evaluation prompt for the best-of-n baseline (default 16)
 * @param compare online methods run next to PPO from the same SFT policy and reward model: a
 *     name (its run sub-directory and table column) and the {@code ppo} keys it changes
 * @param quick overrides applied by {@code --quick}
 */
public record DemoConfig(
        @JsonProperty("base") Base base,
        @JsonProperty("pretrain") TrainingConfig pretrain,
        @JsonProperty("pair_temperature") Double pairTemperature,
        @JsonProperty("best_of_n") Integer bestOfN,
        @JsonProperty("compare") Map<String, List<String>> compare,
        @JsonProperty("quick") List<String> quick) {

    public DemoConfig {
        base = base == null ? new Base(null, null, null, null, null) : base;
        pretrain = pretrain == null ? TrainingConfig.defaults() : pretrain;
        pairTemperature = pairTemperature == null ? 1.0 : pairTemperature;
        if (!(pairTemperature > 0)) {
            throw new IllegalArgumentException("pair_temperature must be > 0, but is: " + pairTemperature);
        }
        bestOfN = bestOfN == null ? 16 : bestOfN;
        if (bestOfN < 1) {
            throw new IllegalArgumentException("best_of_n must be >= 1, but is: " + bestOfN);
        }
        compare = compare == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(compare));
        quick = quick == null ? List.of() : List.copyOf(quick);
    }

    /**
     * The base model's shape.
     *
     * @param family gpt2 or llama (default gpt2)
     * @param hiddenSize width (default 64)
     * @param layers decoder layers (default 2)
     * @param heads attention heads (default 4)
     * @param maxPositions longest sequence (default 64)
     */
    public record Base(
            @JsonProperty("family") String family,
            @JsonProperty("hidden_size") Integer hiddenSize,
            @JsonProperty("layers") Integer layers,
            @JsonProperty("heads") Integer heads,
            @JsonProperty("max_positions") Integer maxPositions) {

        public Base {
            family = family == null ? "gpt2" : family;
            if (!family.equals("gpt2") && !family.equals("llama")) {
                throw new IllegalArgumentException("family must be one of gpt2, llama, but is: " + family);
            }
            hiddenSize = hiddenSize == null ? 64 : hiddenSize;
            layers = layers == null ? 2 : layers;
            heads = heads == null ? 4 : heads;
            maxPositions = maxPositions == null ? 64 : maxPositions;
        }

        /** The model config for a vocabulary. */
        public ModelConfig modelConfig(int vocabSize, int bos, int eos, int pad) {
            ModelConfig c = family.equals("gpt2")
                    ? ModelConfig.gpt2(vocabSize, hiddenSize, layers, heads, maxPositions)
                    : ModelConfig.llama(vocabSize, hiddenSize, layers, heads, Math.max(1, heads / 2), 4 * hiddenSize,
                            maxPositions);
            return c.withSpecialTokens(bos, List.of(eos), pad);
        }
    }
}
