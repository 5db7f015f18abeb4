package dev.rlhf4j.data.io;

import java.io.Closeable;
import java.util.Iterator;

/**
 * Records of one input file, read lazily. {@link #next()} and {@link #hasNext()} throw {@link
 * InputException} when the file cannot be read further; the records returned before it stay
 * valid.
 */
public interface RecordSource extends Iterator<RawRecord>, Closeable {

    /** The file's name as given by the user. */
    String file();

    Container container();

    /** Whether the file is gzip-compressed. */
    boolean gzip();

    /** Bytes of the file consumed so far (compressed bytes for gzip files). */
    long bytesRead();

    @Override
    void close();
}
