package dev.rlhf4j.pipeline;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The {@code data:} section: preference exports imported into canonical records, then split by
 * prompt group into train and test.
 *
 * @param inputs export files, any supported format (required)
 * @param format a format name or auto (default auto)
 * @param dedupe drop exact and normalised duplicates (default true)
 * @param test held-out fraction of prompt groups (default 0.1)
 * @param valid validation fraction of prompt groups (default 0)
 * @param strict stop at the first bad record (default false)
 * @param seed split seed (default: the run's seed)
 */
public record DataConfig(
        @JsonProperty("inputs") List<String> inputs,
        @JsonProperty("format") String format,
        @JsonProperty("dedupe") Boolean dedupe,
        @JsonProperty("test") Double test,
        @JsonProperty("valid") Double valid,
        @JsonProperty("strict") Boolean strict,
        @JsonProperty("seed") Long seed) {

    public DataConfig {
        if (inputs == null || inputs.isEmpty()) {
            throw new IllegalArgumentException("inputs must list at least one file, but is: " + inputs);
        }
        inputs = List.copyOf(inputs);
        format = format == null ? "auto" : format;
        dedupe = dedupe == null || dedupe;
        test = test == null ? 0.1 : test;
        valid = valid == null ? 0.0 : valid;
        if (!(test >= 0 && valid >= 0 && test + valid < 1)) {
            throw new IllegalArgumentException("test + valid must be in [0, 1), but is: " + (test + valid));
        }
        strict = strict != null && strict;
        seed = seed == null ? 0L : seed;
    }
}
