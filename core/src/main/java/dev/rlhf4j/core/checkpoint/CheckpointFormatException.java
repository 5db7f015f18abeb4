package dev.rlhf4j.core.checkpoint;

import java.io.IOException;

/**
 * A checkpoint file or directory that is malformed or in a format rlhf4j does not load. The
 * message names the file, the tensor or key, and what was expected.
 */
public class CheckpointFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    public CheckpointFormatException(String message) {
        super(message);
    }

    public CheckpointFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
