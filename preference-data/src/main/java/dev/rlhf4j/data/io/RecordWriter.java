package dev.rlhf4j.data.io;

import dev.rlhf4j.data.record.PreferenceRecord;
import dev.rlhf4j.data.record.RecordJson;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes canonical records as JSON Lines ({@code .gz} names are gzip-compressed). */
public final class RecordWriter implements Closeable {

    private final Path path;
    private final Writer out;
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
            out = new BufferedWriter(new OutputStreamWriter(os, StandardCharsets.UTF_8), 1 << 16);
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": cannot write (" + e.getMessage() + ")", e);
        }
    }

    public void write(PreferenceRecord r) {
        writeLine(RecordJson.toJson(r));
    }

    /** Writes one already-serialised record line. */
    public void writeLine(String json) {
        try {
            out.write(json);
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
