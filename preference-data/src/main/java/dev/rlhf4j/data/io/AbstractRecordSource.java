package dev.rlhf4j.data.io;

import java.util.NoSuchElementException;

/**
 * What every {@link RecordSource} shares: the file's name and container, whether it is gzip, and
 * the iteration protocol. A subclass only reads: {@link #read()} returns the next record, or null
 * at the end; any exception it throws ends the source (the records before it stay valid).
 */
abstract class AbstractRecordSource implements RecordSource {
    private final String file;
    private final boolean gzip;
    private final Container container;
    private RawRecord next;
    private boolean done;

    AbstractRecordSource(String file, boolean gzip, Container container) {
        this.file = file;
        this.gzip = gzip;
        this.container = container;
    }

    /** The next record, or null when the input is exhausted. */
    abstract RawRecord read();

    /** Releases the input; called once by {@link #close()}. */
    abstract void closeInput();

    /** Whether the input has been read to its end (or failed). */
    final boolean done() {
        return done;
    }

    @Override
    public final boolean hasNext() {
        if (next != null) {
            return true;
        }
        if (done) {
            return false;
        }
        try {
            next = read();
        } catch (RuntimeException e) {
            done = true;
            throw e;
        }
        done = next == null;
        return next != null;
    }

    @Override
    public final RawRecord next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        RawRecord r = next;
        next = null;
        return r;
    }

    @Override
    public final String file() {
        return file;
    }

    @Override
    public final Container container() {
        return container;
    }

    @Override
    public final boolean gzip() {
        return gzip;
    }

    @Override
    public final void close() {
        closeInput();
    }
}
