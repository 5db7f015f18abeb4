package dev.rlhf4j.pipeline;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The {@code eval:} section: the SFT and PPO policies sample responses to held-out prompts, scored
 * by the reward model, with KL to the SFT policy.
 *
 * @param prompts JSONL of prompts (default: ppo.prompts)
 * @param numPrompts prompts used (default 64)
 * @param maxNewTokens response length limit (default: ppo.max_new_tokens)
 * @param temperature sampling temperature (default: ppo.temperature)
 * @param seed sampling seed (default 1234)
 */
public record EvalConfig(
        @JsonProperty("prompts") String prompts,
        @JsonProperty("num_prompts") Integer numPrompts,
        @JsonProperty("max_new_tokens") Integer maxNewTokens,
        @JsonProperty("temperature") Double temperature,
        @JsonProperty("seed") Long seed) {

    public EvalConfig {
        numPrompts = numPrompts == null ? 64 : numPrompts;
        if (numPrompts < 1) {
            throw new IllegalArgumentException("num_prompts must be >= 1, but is: " + numPrompts);
        }
        if (maxNewTokens != null && maxNewTokens < 1) {
            throw new IllegalArgumentException("max_new_tokens must be >= 1, but is: " + maxNewTokens);
        }
        if (temperature != null && !(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be > 0, but is: " + temperature);
        }
        seed = seed == null ? 1234L : seed;
    }
}
