package dev.rlhf4j.ppo;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * Scores responses to prompts: the frozen reward model (which reads the prompt as given and the
 * response's text, see {@link RewardModels#scorer}), or any function of the tokens. Scores are raw;
 * PPO normalises them with {@link #mean()} and {@link #std()}.
 */
public interface SequenceScorer {

    /** One row of a rollout: its prompt as given, and the response's text. */
    record Sample(PromptSource.Prompt prompt, String response) {}

    /**
     * @param ids (B, S) left-padded prompt then right-padded response tokens
     * @param mask (B, S) 1 on real tokens
     * @param samples the same B rows as prompts and texts
     * @return (B) raw scores, in the manager of {@code ids}
     */
    NDArray scores(NDArray ids, NDArray mask, List<Sample> samples);

    /** Score mean over reference samples (stored with a reward model); 0 when unknown. */
    default float mean() {
        return 0f;
    }

    /** Score standard deviation over reference samples; 1 when unknown. */
    default float std() {
        return 1f;
    }
}
