package dev.rlhf4j.data.io;

/**
 * A file that cannot be read on (missing, corrupt or truncated gzip, JSON array broken off, CSV
 * with an unterminated quote, unreadable Parquet). The message names the file and, where known,
 * the line after which reading stopped.
 */
public final class InputException extends RuntimeException {

    public InputException(String message, Throwable cause) {
        super(message, cause);
    }

    public InputException(String message) {
        super(message);
    }
}
