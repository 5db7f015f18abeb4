package dev.rlhf4j.spark;

import java.io.Serializable;
import java.util.Objects;

/**
 * What {@link ScoreJob} scores and how: the options of {@code rlhf4j rm score}, plus the job's.
 *
 * @param model the reward model directory, at this path on every executor
 * @param data the JSON Lines file to score (any Hadoop path; {@code .gz} is read whole by one task)
 * @param output the directory of the scored parts; their concatenation is {@code rm score}'s output
 * @param batchSize sequences per forward pass
 * @param maxLength longest input in tokens, or {@code null} for the model's
 * @param partitions at least this many tasks
 * @param torchThreads libtorch threads per task, 0 for the engine's default
 */
public record ScoreSettings(String model, String data, String output, int batchSize, Integer maxLength,
        int partitions, int torchThreads) implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Lines scored together, as {@code rm score} does: identical sequences within them are scored once. */
    static final int CHUNK = 512;

    public ScoreSettings {
        Objects.requireNonNull(model, "score.model");
        Objects.requireNonNull(data, "score.data");
        Objects.requireNonNull(output, "score.output");
        if (batchSize < 1) {
            throw new IllegalArgumentException("score.batch_size must be >= 1, but is: " + batchSize);
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("score.partitions must be >= 1, but is: " + partitions);
        }
        if (torchThreads < 0) {
            throw new IllegalArgumentException("score.torch_threads must be >= 0, but is: " + torchThreads);
        }
    }
}
