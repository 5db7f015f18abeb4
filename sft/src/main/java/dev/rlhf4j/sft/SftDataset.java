package dev.rlhf4j.sft;

import dev.rlhf4j.core.io.JsonLines;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.core.util.Checks;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A JSONL file of demonstrations, tokenized ({@link ExampleEncoder}) and fitted to {@code
 * max_length} by the truncation policy, in file order.
 *
 * @param file the file read
 * @param examples the examples kept
 * @param stats what happened to every record
 */
public record SftDataset(Path file, List<SftExample> examples, Stats stats) {

    public SftDataset {
        examples = List.copyOf(examples);
    }

    /**
     * Record counts; always {@code read = kept + dropped}.
     *
     * @param read records in the file
     * @param kept records that became examples (truncated ones included)
     * @param truncated kept records whose prompt was cut from the left to fit
     * @param dropped records left out: too long (policy {@code drop}, or a completion that alone does
     *     not fit), without a single token to learn, or a tie preference record (no preferred response)
     */
    public record Stats(long read, long kept, long truncated, long dropped) {

        @Override
        public String toString() {
            return String.format("%d records: %d kept (%d truncated), %d dropped", read, kept, truncated, dropped);
        }
    }

    /**
     * Reads, tokenizes and fits every record of {@code file}.
     *
     * @throws IllegalArgumentException naming {@code file:line} and the key for a malformed record
     */
    public static SftDataset load(Path file, Tokenizer tokenizer, int maxLength, SftConfig.Truncation truncation) {
        Checks.check(maxLength >= 2, "max_length must be >= 2, but is: %s", maxLength);
        ExampleEncoder encoder = new ExampleEncoder(tokenizer);
        List<SftExample> kept = new ArrayList<>();
        long[] counts = new long[3]; // read, truncated, dropped
        JsonLines.forEach(file, line -> {
            counts[0]++;
            SftExample example = encoder.encode(line);
            SftExample fitted = example == null ? null : fit(example, maxLength, truncation, tokenizer.bosId());
            if (fitted == null || fitted.targetCount() == 0) {
                counts[2]++;
                return;
            }
            counts[1] += fitted != example ? 1 : 0;
            kept.add(fitted);
        });
        return new SftDataset(file, kept, new Stats(counts[0], kept.size(), counts[1], counts[2]));
    }

    /**
     * The example fitted to {@code maxLength}: itself if it fits; with {@code truncate_prompt_left},
     * its last {@code maxLength} tokens (BOS kept in front if it starts with BOS) when the final
     * completion and at least one token before it fit; otherwise null (dropped).
     */
    static SftExample fit(SftExample e, int maxLength, SftConfig.Truncation truncation, long bosId) {
        int n = e.length();
        if (n <= maxLength) {
            return e;
        }
        if (truncation == SftConfig.Truncation.DROP) {
            return null;
        }
        int needed = n - e.completionStart() + 1; // the completion and the token that predicts its first token
        if (needed > maxLength) {
            return null;
        }
        boolean keepBos = bosId >= 0 && e.ids()[0] == bosId && e.completionStart() > 0;
        int from = n - (maxLength - (keepBos ? 1 : 0));
        return e.cutLeft(from, keepBos);
    }
}
