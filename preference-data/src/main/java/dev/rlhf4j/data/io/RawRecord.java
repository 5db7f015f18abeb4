package dev.rlhf4j.data.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.function.Supplier;

/**
 * One record as read from an input file, before any format is applied.
 *
 * @param file the file's name as given by the user
 * @param line 1-based line where the record starts (row number for Parquet)
 * @param node the parsed record (CSV and Parquet rows become objects keyed by column), or
 *     {@code null} when it could not be parsed
 * @param rawText the record's text as read (JSON Lines: the line itself; otherwise the record
 *     re-serialised as one line of JSON)
 * @param error why it could not be parsed, or {@code null}
 */
public record RawRecord(String file, long line, JsonNode node, Supplier<String> rawText, String error) {

    public RawRecord(String file, long line, JsonNode node, String raw, String error) {
        this(file, line, node, () -> raw, error);
    }

    /** The record's text, made only when asked for (rejects): see {@code raw} above. */
    public String raw() {
        return rawText.get();
    }

    public boolean ok() {
        return error == null;
    }

    /** {@code file:line}, the prefix of every message about this record. */
    public String where() {
        return file + ":" + line;
    }
}
