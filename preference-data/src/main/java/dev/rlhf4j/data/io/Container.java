package dev.rlhf4j.data.io;

import java.util.Locale;

/** How records are laid out in a file. */
public enum Container {
    /** One JSON value per line. */
    JSONL,
    /** One JSON array of records. */
    JSON_ARRAY,
    /** Comma-separated values with a header row. */
    CSV,
    /** Apache Parquet (read through DuckDB). */
    PARQUET;

    /** From the file name, ignoring a {@code .gz} suffix; {@code null} when the name says nothing. */
    static Container fromName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".gz")) {
            n = n.substring(0, n.length() - 3);
        } else if (n.endsWith(".gzip")) {
            n = n.substring(0, n.length() - 5);
        }
        if (n.endsWith(".jsonl") || n.endsWith(".ndjson")) {
            return JSONL;
        }
        if (n.endsWith(".csv")) {
            return CSV;
        }
        if (n.endsWith(".parquet")) {
            return PARQUET;
        }
        return null; // .json and anything else: decided by the first non-blank character
    }
}
