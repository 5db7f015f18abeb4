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

/** Writes canonical records as JSON Lines ({@code .gz} names are gzip-compressed). */
public final class RecordWriter implements Closeable {

    private final Path path;
    private final OutputStream out;
    private long written;

    public RecordWriter(Path path) {
        this.path = path;
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            OutputStream os = Files.newOutputStream(path);
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

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": cannot write (" + e.getMessage() + ")", e);
        }
    }
}
