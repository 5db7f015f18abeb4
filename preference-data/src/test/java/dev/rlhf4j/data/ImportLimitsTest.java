package dev.rlhf4j.data;

import static dev.rlhf4j.data.Fixtures.fixture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small input must not make the import hold or write without bound: over-long records are
 * rejected (JSON Lines) or end their file (CSV, JSON array), and compressed Parquet inflates only
 * so far. The books still balance.
 */
class ImportLimitsTest {

    @TempDir
    Path tmp;

    private static final String GOOD = "{\"prompt\": \"p%d\", \"chosen\": \"a\", \"rejected\": \"b\"}";

    private ImportOptions.Builder options(Path... inputs) {
        return ImportOptions.builder().setInputs(List.of(inputs)).setOutput(tmp.resolve("out.jsonl"));
    }

    /** Writes {@code text}, then {@code bytes} copies of {@code fill}, then {@code tail}, gzip-compressed. */
    private static void gzipWithLongLine(Path file, String head, long bytes, byte fill, String tail) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file), 1 << 16) {
            {
                def.setLevel(Deflater.BEST_SPEED);
            }
        }) {
            out.write(head.getBytes(StandardCharsets.UTF_8));
            byte[] block = new byte[1 << 20];
            Arrays.fill(block, fill);
            for (long left = bytes; left > 0; left -= block.length) {
                out.write(block, 0, (int) Math.min(left, block.length));
            }
            out.write(tail.getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * The file: a few MB of gzip holding one line of over a GiB. The reader used to double
     * its line buffer up to 1 GiB, overflow, and then grow it 64 KiB at a time, copying the GiB each
     * time: the 64 MiB past 1 GiB here took a thousand copies.
     */
    @Test
    void aGibLongLineInASmallGzipIsRejectedAndTheImportGoesOn() throws IOException {
        Path in = tmp.resolve("huge.jsonl.gz");
        gzipWithLongLine(in, GOOD.formatted(1) + "\n{\"prompt\": \"", (1L << 30) + (64 << 20), (byte) 'a',
                "\", \"chosen\": \"a\", \"rejected\": \"b\"}\n" + GOOD.formatted(3) + "\n");
        assertTrue(Files.size(in) < 8 << 20, "the input is small: " + Files.size(in));
        ImportSummary s = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> PreferenceImport.run(options(in).build()));
        assertEquals(3, s.read());
        assertEquals(2, s.written());
        assertEquals(1, s.rejected());
        assertTrue(s.balanced());
        List<String> rejects = Files.readAllLines(s.rejectsFile());
        assertEquals(in + ":2: line longer than 67108864 bytes (--max-line-bytes)", rejects.get(0));
        assertEquals(JsonlPreview.of("{\"prompt\": \"", 'a'), rejects.get(1), "the rejects file gets the line's start only");
        assertEquals(1L, s.rejectReasons().get("line longer than 67108864 bytes"));
    }

    /** The first 1024 bytes of a line, then "...". */
    private static final class JsonlPreview {
        static String of(String head, char fill) {
            return head + String.valueOf(fill).repeat(1024 - head.length()) + "...";
        }
    }

    @Test
    void theLimitIsAnOptionAndALineAtTheLimitPasses() throws IOException {
        String atLimit = GOOD.formatted(1);
        String over = "{\"prompt\": \"" + "x".repeat(5000) + "\", \"chosen\": \"a\", \"rejected\": \"b\"}";
        Path in = tmp.resolve("in.jsonl");
        Files.writeString(in, atLimit + "\r\n" + over + "\n" + GOOD.formatted(3) + "\n");
        ImportSummary s = PreferenceImport.run(options(in).optMaxLineBytes(atLimit.length()).build());
        assertEquals(3, s.read());
        assertEquals(2, s.written(), "lines 1 and 3 are exactly at the limit (the \\r before a newline does not count)");
        assertEquals(1, s.rejected());
        assertTrue(s.balanced());
        assertEquals(in + ":2: line longer than " + atLimit.length() + " bytes (--max-line-bytes)",
                Files.readAllLines(s.rejectsFile()).get(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> options(in).optMaxLineBytes(0).build());
        assertEquals("import.max_line_bytes must be between 1 and 2147483639, but is: 0", e.getMessage());
    }

    /** A CSV cell whose quote never closes would take the rest of the file into one row. */
    @Test
    void anOverLongCsvRowEndsTheFileAndTheRowsBeforeItAreKept() throws IOException {
        String rows = Files.readString(fixture("crowd.csv"));
        long rowsRead = PreferenceImport.run(options(fixture("crowd.csv")).build()).inputRecords();
        long lines = rows.chars().filter(c -> c == '\n').count();
        Path in = tmp.resolve("crowd.csv");
        Files.writeString(in, rows + "H9,T,A9,W9,Approved,30,\"" + "y\n".repeat(100_000)); // a cell that never closes
        ImportException e = assertThrows(ImportException.class,
                () -> PreferenceImport.run(options(in).optMaxLineBytes(10_000).build()));
        assertEquals(in + ": the row after line " + lines + " is a record longer than 10000 bytes (--max-line-bytes); the"
                + " rest of the file cannot be read (a quoted CSV cell may span lines); the records before it were read",
                e.getMessage());
        assertEquals(rowsRead, e.summary().inputRecords());
        assertTrue(e.summary().balanced());
    }

    @Test
    void anOverLongJsonArrayElementEndsTheFile() throws IOException {
        Path in = tmp.resolve("in.json");
        Files.writeString(in, "[" + GOOD.formatted(1) + ",\n{\"prompt\": [" + "1, ".repeat(100_000) + "1]}]");
        ImportException e = assertThrows(ImportException.class,
                () -> PreferenceImport.run(options(in).optMaxLineBytes(10_000).build()));
        assertEquals(in + ": the array element after line 1 is a record longer than 10000 bytes (--max-line-bytes);"
                + " the rest of the file cannot be read; the records before it were read", e.getMessage());
        assertEquals(1, e.summary().written());
        assertTrue(e.summary().balanced());
    }

    @Test
    void gzippedParquetInflatesOnlyUpToTheLimit() throws Exception {
        Path parquet = tmp.resolve("arena.parquet");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
            st.execute("COPY (SELECT * FROM read_csv('" + fixture("arena-55k.csv").toAbsolutePath()
                    + "', header = true, all_varchar = true)) TO '" + parquet + "' (FORMAT parquet)");
        }
        Path gz = tmp.resolve("arena.parquet.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            Files.copy(parquet, out);
        }
        ImportException e = assertThrows(ImportException.class,
                () -> PreferenceImport.run(options(gz).optMaxParquetBytes(1000).build()));
        assertEquals(gz + ": decompresses to more than 1000 bytes (--max-parquet-bytes); Parquet must be decompressed"
                + " to a temporary file to be read. Raise the limit if the file is genuine", e.getMessage());
        assertEquals(3, PreferenceImport.run(options(gz).optMaxParquetBytes(Files.size(parquet)).build()).written(),
                "a file within the limit imports");
    }
}
