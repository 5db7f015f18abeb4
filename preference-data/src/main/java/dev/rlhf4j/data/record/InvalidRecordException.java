package dev.rlhf4j.data.record;

/**
 * A record that cannot become a canonical preference record. The message is the reason alone
 * (for example {@code missing field 'chosen'}); the import prefixes it with {@code file:line: }.
 * This is the only exception an importer throws for bad input.
 */
public final class InvalidRecordException extends RuntimeException {

    public InvalidRecordException(String reason) {
        super(reason, null, false, false);
    }
}
