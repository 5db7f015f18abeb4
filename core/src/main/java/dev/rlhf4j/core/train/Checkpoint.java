package dev.rlhf4j.core.train;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A complete checkpoint directory, {@code checkpoints/step-N/}.
 *
 * @param step the training step it was saved at
 * @param dir the directory
 */
public record Checkpoint(long step, Path dir) {

    /** Its trainer state. */
    public TrainerState state() throws IOException {
        return TrainerState.read(dir.resolve(TrainerState.FILE));
    }

    /** A file inside it, e.g. {@code resolve(CheckpointManager.OPTIMIZER_FILE)}. */
    public Path resolve(String file) {
        return dir.resolve(file);
    }
}
