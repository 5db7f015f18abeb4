package dev.rlhf4j.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The accounting of one import: {@code read = written + rejected + duplicates}, always.
 *
 * <p>{@code read} counts units: an input record counts once, except one that expands into K &gt; 1
 * pairs (a ranking), which counts K; {@code inputRecords} counts input records as read.
 * {@code rejected} includes records left out by an option ({@code skipped:} reasons) and, with
 * {@code conflicts=drop}, the records of conflicting pairs. {@code duplicates} = exact +
 * normalised duplicates (only with dedupe).
 *
 * @param files per input file: its format, how it was chosen, and its counts
 * @param rejectReasons counts per kind of reason (the reason up to its first variable part)
 * @param conflicts pairs labelled both ways (with dedupe)
 * @param conflictExamples {@code file:line} of a few conflicting duplicates
 * @param rejectsFile the rejects file, or {@code null} when nothing was rejected
 * @param bytes input bytes read (compressed size for gzip files)
 * @param seconds wall time of the import
 */
public record ImportSummary(long read, long inputRecords, long written, long rejected, long exactDuplicates,
        long normalisedDuplicates, long conflicts, List<String> conflictExamples, List<FileSummary> files,
        Map<String, Long> rejectReasons, Path output, Path rejectsFile, long bytes, double seconds) {

    public ImportSummary {
        conflictExamples = List.copyOf(conflictExamples);
        files = List.copyOf(files);
        rejectReasons = Map.copyOf(rejectReasons);
    }

    /**
     * @param format the format used
     * @param detected whether it was detected ({@code --format auto}) rather than given
     * @param inputRecords records read from this file
     * @param read units read (see {@link ImportSummary})
     * @param rejected units rejected at import (dedupe drops are counted in the total only)
     */
    public record FileSummary(String file, String format, boolean detected, String container, boolean gzip,
            long inputRecords, long read, long rejected) {}

    public long duplicates() {
        return exactDuplicates + normalisedDuplicates;
    }

    /** Whether the books balance (they always should). */
    public boolean balanced() {
        return read == written + rejected + duplicates();
    }

    /** The human-readable summary printed by {@code rlhf4j data import}. */
    public String report() {
        StringBuilder sb = new StringBuilder();
        for (FileSummary f : files) {
            sb.append(String.format(Locale.ROOT, "  %s: format %s (%s), %s%s, %d records, %d rejected%n", f.file(),
                    f.format(), f.detected() ? "detected" : "given", f.container().toLowerCase(Locale.ROOT),
                    f.gzip() ? "+gzip" : "", f.inputRecords(), f.rejected()));
        }
        sb.append(String.format(Locale.ROOT, "read %d = written %d + rejected %d + duplicates %d", read, written,
                rejected, duplicates()));
        if (read != inputRecords) {
            sb.append(String.format(Locale.ROOT, " (%d input records; rankings expanded into pairs)", inputRecords));
        }
        sb.append(System.lineSeparator());
        if (duplicates() > 0 || conflicts > 0) {
            sb.append(String.format(Locale.ROOT, "duplicates: %d exact, %d normalised; conflicting pairs: %d%n",
                    exactDuplicates, normalisedDuplicates, conflicts));
            for (String ex : conflictExamples) {
                sb.append("  conflict: ").append(ex).append(System.lineSeparator());
            }
        }
        if (!rejectReasons.isEmpty()) {
            sb.append("rejected by reason:").append(System.lineSeparator());
            rejectReasons.entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                    .forEach(e -> sb.append(String.format(Locale.ROOT, "  %6d  %s%n", e.getValue(), e.getKey())));
        }
        sb.append("output: ").append(output);
        if (rejectsFile != null) {
            sb.append(", rejects: ").append(rejectsFile);
        }
        sb.append(System.lineSeparator());
        double mb = bytes / 1e6;
        sb.append(String.format(Locale.ROOT, "%.1f s, %.0f records/s, %.1f MB/s%n", seconds,
                seconds > 0 ? inputRecords / seconds : 0, seconds > 0 ? mb / seconds : 0));
        return sb.toString();
    }
}
