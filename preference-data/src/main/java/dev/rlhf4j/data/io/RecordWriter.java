package dev.rlhf4j.data.io;

import dev.rlhf4j.data.record.PreferenceRecord;
import dev.rlhf4j.data.record.RecordJson;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/**
 * Writes canonical records as JSON Lines ({@code .gz} names are gzip-compressed), into a temporary
 * file beside {@code path} that {@link #close} renames over it ({@link OutputFiles}): an existing
 * file, which may be what is being read, stays whole until the new one is complete. {@link #abort}
 * discards the new file instead.
 */
public final class RecordWriter implements Closeable {

    private final Path path;
    private final Path temp;
    private final OutputStream out;
    private long written;
    private boolean closed;

    public RecordWriter(Path path) {
        this.path = path;
        try {
            this.temp = OutputFiles.temporaryFor(path);
            OutputStream os = Files.newOutputStream(temp);
            if (path.getFileName().toString().endsWith(".gz")) {
                os = new GZIPOutputStream(os, 1 << 16);
            }
            out = new BufferedOutputStream(os, 1 << 16);
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": cannot write (" + e.getMessage() + ")", e);
        }
    }

    public void write(PreferenceRecord r) {
        byte[] bytes = RecordJson.toJsonBytes(r);
        writeLine(bytes, 0, bytes.length);
    }

    /** Writes one already-serialised record line. */
    public void writeLine(String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        writeLine(bytes, 0, bytes.length);
    }

    /** Writes one already-serialised record line given as UTF-8 bytes (without the newline). */
    public void writeLine(byte[] utf8, int offset, int length) {
        try {
            out.write(utf8, offset, length);
            out.write('\n');
            written++;
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": cannot write (" + e.getMessage() + ")", e);
        }
    }

    public long written() {
        return written;
    }

    public Path path() {
        return path;
    }

    /** Finishes the file and renames it into place. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            out.close();
            OutputFiles.commit(temp, path);
        } catch (IOException e) {
            deleteTemp();
            throw new UncheckedIOException(path + ": cannot write (" + e.getMessage() + ")", e);
        }
    }

    /** Discards what was written: {@code path} keeps what it held before (or stays absent). */
    public void abort() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            out.close();
        } catch (IOException e) {
            // the file is discarded anyway
        }
        deleteTemp();
    }

    private void deleteTemp() {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            // a leftover hidden temporary file is harmless
        }
    }
}
