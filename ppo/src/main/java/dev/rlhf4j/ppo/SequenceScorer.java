package dev.rlhf4j.ppo;

import ai.djl.ndarray.NDArray;

/**
 * Scores whole sequences (prompt + response): the frozen reward model, or any function of the
 * tokens. Scores are raw; PPO normalises them with {@link #mean()} and {@link #std()}.
 */
public interface SequenceScorer {

    /**
     * @param ids (B, S) left-padded prompt then right-padded response
     * @param mask (B, S) 1 on real tokens
     * @return (B) raw scores, read at each row's last real token
     */
    NDArray scores(NDArray ids, NDArray mask);

    /** Score mean over reference samples (stored with a reward model); 0 when unknown. */
    default float mean() {
        return 0f;
    }

    /** Score standard deviation over reference samples; 1 when unknown. */
    default float std() {
        return 1f;
    }
}
