package dev.rlhf4j.core.train;

/**
 * A run stopped for a reason the user can act on, not a bug: the loss diverged, the policy ratio
 * exploded, or the run directory holds a checkpoint of another config. The message says what
 * happened and what to change.
 */
public class TrainingStoppedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TrainingStoppedException(String message, Throwable cause) {
        super(message, cause);
    }

    public TrainingStoppedException(String message) {
        super(message);
    }
}
