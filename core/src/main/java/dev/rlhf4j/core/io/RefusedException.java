package dev.rlhf4j.core.io;

/**
 * An operation refused to protect what is on disk: a directory rlhf4j did not write, a run
 * directory another process has locked, an output that is the stage's own input. The message says
 * what was refused and why; nothing was changed.
 */
public class RefusedException extends IllegalStateException {

    public RefusedException(String message) {
        super(message);
    }

    public RefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
