package dev.rlhf4j.data.io;

import java.io.FilterReader;
import java.io.IOException;
import java.io.Reader;

/**
 * A reader that fails once the current record has taken more than a limit: the parsers of CSV
 * and JSON arrays read a whole record before they return, so the bound must sit under them.
 * {@link #startRecord()} opens a new window. A parser reads ahead by up to one buffer, so a record
 * fails only past the limit plus {@value #READ_AHEAD} characters: no record within the limit ever
 * fails, and none much longer gets through.
 */
final class BoundedReader extends FilterReader {

    /** The current record passed the limit. */
    static final class RecordTooLongException extends IOException {
        private static final long serialVersionUID = 1L;

        RecordTooLongException(long limit) {
            super("record longer than " + limit + " bytes (--max-line-bytes)");
        }
    }

    /** More than any parser here reads ahead (commons-csv: 8 KiB, Jackson: 8000 characters). */
    static final int READ_AHEAD = 1 << 16;

    private final long limit;
    private long window;

    BoundedReader(Reader in, long limit) {
        super(in);
        this.limit = limit;
    }

    /** A new record starts: what it reads from here is measured afresh. */
    void startRecord() {
        window = 0;
    }

    @Override
    public int read() throws IOException {
        int c = super.read();
        if (c >= 0) {
            count(1);
        }
        return c;
    }

    @Override
    public int read(char[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        if (n > 0) {
            count(n);
        }
        return n;
    }

    private void count(int n) throws RecordTooLongException {
        window += n;
        if (window > limit + READ_AHEAD) {
            throw new RecordTooLongException(limit);
        }
    }
}
