package dev.rlhf4j.data.io;

import dev.rlhf4j.data.record.PreferenceRecord;
import dev.rlhf4j.data.record.RecordJson;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;

/**
 * Writes canonical records as JSON Lines ({@code .gz} names are gzip-compressed).
 *
 * <p>Records go to a hidden temporary file beside the output, renamed over it by {@link #close()}:
 * until then the output path keeps its old file (or none), and a write that fails (a full disk)
 * deletes the temporary file, so a partial output never appears at the path. Closing after a
 * failed write does nothing; {@link #abort()} discards what was written.
 */
public final class RecordWriter implements Closeable {

    /** Opens the temporary file; tests put a failing stream around it to simulate a full disk. */
    static StreamOpener opener = Files::newOutputStream;

    /** How the temporary file is opened. */
    @FunctionalInterface
    interface StreamOpener {
        OutputStream open(Path file) throws IOException;
    }

    private final Path path;
    private final Path temp;
    private final OutputStream out;
    private long written;
    private boolean finished;

    public RecordWriter(Path path) {
        this.path = path;
        // a fresh name beside the output, so the rename stays on one file system; created by the
        // opener with the default permissions (createTempFile would make it owner-only)
        this.temp = path.toAbsolutePath().resolveSibling(
                "." + path.getFileName() + ".tmp-" + UUID.randomUUID().toString().substring(0, 8));
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": cannot write (" + e.getMessage() + ")", e);
        }
        OutputStream os = null;
        try {
            os = opener.open(temp);
            if (path.getFileName().toString().endsWith(".gz")) {
                os = new GZIPOutputStream(os, 1 << 16);
            }
        } catch (IOException e) {
            closeQuietly(os);
            deleteTemp();
            throw new UncheckedIOException(path + ": cannot write (" + e.getMessage() + ")", e);
        }
        out = new BufferedOutputStream(os, 1 << 16);
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
        if (finished) {
            throw new IllegalStateException(path + ": the writer is closed");
        }
        try {
            out.write(utf8, offset, length);
            out.write('\n');
            written++;
        } catch (IOException e) {
            throw failed(e);
        }
    }

    public long written() {
        return written;
    }

    public Path path() {
        return path;
    }

    /** Finishes the file and renames it into place; after a failed write or {@link #abort()}, does nothing. */
    @Override
    public void close() {
        if (finished) {
            return;
        }
        try {
            out.close();
        } catch (IOException e) {
            throw failed(e);
        }
        finished = true;
        try {
            try {
                Files.move(temp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, path, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            deleteTemp();
            throw new UncheckedIOException(path + ": cannot write (" + e.getMessage() + ")", e);
        }
    }

    /** Discards what was written: the output path keeps its old file, or none. */
    public void abort() {
        if (finished) {
            return;
        }
        finished = true;
        closeQuietly(out);
        deleteTemp();
    }

    private static void closeQuietly(OutputStream os) {
        if (os == null) {
            return;
        }
        try {
            os.close();
        } catch (IOException e) {
            // being discarded
        }
    }

    private UncheckedIOException failed(IOException e) {
        abort();
        return new UncheckedIOException(path + ": cannot write (" + e.getMessage() + "); nothing was written to it"
                + (Files.exists(path) ? ", the file there is unchanged" : ""), e);
    }

    private void deleteTemp() {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            // a hidden leftover is harmless; the output path is what matters
        }
    }
}
