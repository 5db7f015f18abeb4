package dev.rlhf4j.data;

/**
 * An import that stopped: a file that cannot be read on (corrupt gzip, missing file, unknown
 * format), with {@code strict} the first rejected record, or an output that cannot be written
 * (then nothing was written and there is no summary). The message names the file (and line);
 * {@link #summary()} accounts for every record read before the stop.
 */
public final class ImportException extends RuntimeException {

    private final transient ImportSummary summary;

    public ImportException(String message, ImportSummary summary, Throwable cause) {
        super(message, cause);
        this.summary = summary;
    }

    /** The counts up to the stop; {@code null} when the import stopped before reading anything. */
    public ImportSummary summary() {
        return summary;
    }
}
