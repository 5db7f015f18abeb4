package dev.rlhf4j.spark;

import java.io.Serializable;
import java.util.Map;

/**
 * One row of the import's read stage: an accepted record, a rejected record, or the counts of a
 * file. Counts travel as data, not as Spark accumulators, so that a retried task is counted once:
 * only the rows of its successful attempt reach the next stage.
 *
 * @param order the row's place in the single-machine input order: file index (high bits), then
 *     its place in the file (see {@link #order(int, long)})
 */
record ImportRow(Kind kind, long order, long pairHi, long pairLo, String json, String origin, String position,
        FileCounts counts) implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Bits of {@link #order} for the place within a file: a file may hold up to 2^40 rows. */
    static final int PLACE_BITS = 40;

    enum Kind { RECORD, REJECT, COUNTS }

    /**
     * What one file's import counted.
     *
     * @param fileRejected units rejected, as the file's line of the summary counts them
     * @param rejected all rejects of the file's import
     * @param reasons rejected records per kind of reason
     */
    record FileCounts(int file, String name, String format, boolean detected, String container, boolean gzip,
            long inputRecords, long read, long fileRejected, long rejected, long written, long bytes,
            Map<String, Long> reasons)
            implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    static long order(int file, long place) {
        if (place >= 1L << PLACE_BITS) {
            throw new IllegalStateException("more than 2^" + PLACE_BITS + " rows in input file " + file);
        }
        return ((long) file << PLACE_BITS) | place;
    }

    static ImportRow record(long order, long pairHi, long pairLo, String json, String origin, String position) {
        return new ImportRow(Kind.RECORD, order, pairHi, pairLo, json, origin, position, null);
    }

    /** A rejected record as the rejects file holds it: {@code where: reason}, a newline, the raw record. */
    static ImportRow reject(long order, String text) {
        return new ImportRow(Kind.REJECT, order, 0, 0, text, null, null, null);
    }

    static ImportRow counts(long order, FileCounts counts) {
        return new ImportRow(Kind.COUNTS, order, 0, 0, null, null, null, counts);
    }
}
