package dev.rlhf4j.data.io;

import com.google.common.io.CountingInputStream;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Opens input files as {@link RecordSource}s. */
public final class RecordSources {

    private static final int BUFFER = 1 << 16;

    private RecordSources() {}

    /**
     * Opens a file. Compression is detected from the gzip magic bytes; the layout from the name
     * ({@code .jsonl}, {@code .csv}, {@code .parquet}, optionally followed by {@code .gz}), or, for
     * {@code .json} and other names, from the first non-blank character: {@code [} is a JSON
     * array, anything else is JSON Lines (many {@code .json} exports are JSON Lines).
     *
     * @throws InputException when the file is missing or unreadable
     */
    public static RecordSource open(Path path) {
        return open(path, ReadLimits.DEFAULT);
    }

    /** As {@link #open(Path)}, with the given bounds on one record and on decompressed Parquet. */
    public static RecordSource open(Path path, ReadLimits limits) {
        String file = path.toString();
        if (!Files.isRegularFile(path)) {
            throw new InputException(file + ": no such file");
        }
        try {
            boolean gzip = isGzip(path);
            Container container = Container.fromName(path.getFileName().toString());
            if (container == Container.PARQUET) {
                return new ParquetSource(path, file, gzip, limits.maxDecompressedBytes());
            }
            CountingInputStream counting = new CountingInputStream(Files.newInputStream(path));
            InputStream in = new BufferedInputStream(counting, BUFFER);
            if (gzip) {
                in = new GZIPInputStream(in, BUFFER);
            }
            BufferedInputStream buffered = new BufferedInputStream(in, BUFFER);
            skipByteOrderMark(buffered);
            in = buffered;
            if (container == null) {
                container = sniff(buffered);
            }
            return switch (container) {
                case JSONL -> new JsonlSource(file, gzip, counting, in, limits.maxRecordBytes());
                case JSON_ARRAY -> new JsonArraySource(file, gzip, counting, reader(in, limits));
                case CSV -> new CsvSource(file, gzip, counting, reader(in, limits));
                case PARQUET -> throw new AssertionError();
            };
        } catch (NoSuchFileException e) {
            throw new InputException(file + ": no such file", e);
        } catch (IOException e) {
            throw new InputException(file + ": " + describe(e, true), e);
        }
    }

    static boolean isGzip(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }

    private static BoundedReader reader(InputStream in, ReadLimits limits) {
        return new BoundedReader(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), BUFFER),
                limits.maxRecordBytes());
    }

    private static void skipByteOrderMark(BufferedInputStream in) throws IOException {
        in.mark(3);
        if (!(in.read() == 0xEF && in.read() == 0xBB && in.read() == 0xBF)) {
            in.reset();
        }
    }

    /** Looks at the first non-blank byte without consuming it. */
    private static Container sniff(BufferedInputStream in) throws IOException {
        in.mark(BUFFER);
        try {
            int c;
            int i = 0;
            do {
                c = in.read();
                i++;
            } while (c != -1 && i < BUFFER - 1 && (c == ' ' || c == '\t' || c == '\r' || c == '\n'));
            return c == '[' ? Container.JSON_ARRAY : Container.JSONL;
        } finally {
            in.reset();
        }
    }

    /** A read error in words: gzip damage is named as such. */
    static String describe(IOException e, boolean gzip) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof java.util.zip.ZipException || e instanceof java.io.EOFException
                || m.contains("ZLIB") || m.contains("GZIP")) {
            return "corrupt or truncated gzip data (" + m + ")";
        }
        return "read error (" + m + ")";
    }
}
