package dev.rlhf4j.data.io;

import com.google.common.io.CountingInputStream;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PushbackReader;
import java.io.Reader;
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
        String file = path.toString();
        if (!Files.isRegularFile(path)) {
            throw new InputException(file + ": no such file");
        }
        try {
            boolean gzip = isGzip(path);
            Container container = Container.fromName(path.getFileName().toString());
            if (container == Container.PARQUET) {
                return new ParquetSource(path, file, gzip);
            }
            CountingInputStream counting = new CountingInputStream(Files.newInputStream(path));
            InputStream in = new BufferedInputStream(counting, BUFFER);
            if (gzip) {
                in = new GZIPInputStream(in, BUFFER);
            }
            Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8);
            if (container == null) {
                PushbackReader pushback = new PushbackReader(new BufferedReader(reader, BUFFER), 1);
                container = sniff(pushback, file);
                reader = pushback;
            }
            return switch (container) {
                case JSONL -> new JsonlSource(file, gzip, counting,
                        reader instanceof BufferedReader br ? br : new BufferedReader(reader, BUFFER));
                case JSON_ARRAY -> new JsonArraySource(file, gzip, counting, reader);
                case CSV -> new CsvSource(file, gzip, counting, reader);
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

    private static Container sniff(PushbackReader reader, String file) throws IOException {
        int c;
        do {
            c = reader.read();
        } while (c == '\uFEFF' || (c != -1 && Character.isWhitespace(c)));
        if (c == -1) {
            return Container.JSONL; // empty: no records either way
        }
        reader.unread(c);
        return c == '[' ? Container.JSON_ARRAY : Container.JSONL;
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
