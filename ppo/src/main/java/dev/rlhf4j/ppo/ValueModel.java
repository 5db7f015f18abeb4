package dev.rlhf4j.ppo;

import ai.djl.ndarray.NDArray;
import dev.rlhf4j.core.train.NamedParameter;
import java.nio.file.Path;
import java.util.List;

/** The trained critic: a value for every position of a sequence. */
public interface ValueModel extends AutoCloseable {

    /**
     * @param ids (B, S) sequences
     * @param mask (B, S) 1 on real tokens
     * @return (B, S) the value of the state after each position's token (with graph when recording)
     */
    NDArray values(NDArray ids, NDArray mask);

    /** The parameters the critic's optimizer updates. */
    List<NamedParameter> trainableParameters();

    /** Saves the critic as a model directory. */
    void save(Path dir);

    /** Replaces the weights with those saved in {@code dir} by {@link #save} (resume). */
    void loadWeights(Path dir);

    @Override
    void close();
}
