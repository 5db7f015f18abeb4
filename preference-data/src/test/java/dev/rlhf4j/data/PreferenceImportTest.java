package dev.rlhf4j.data;

import static dev.rlhf4j.data.Fixtures.fixture;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.data.importers.FormatOptions;
import dev.rlhf4j.data.record.PreferenceRecord;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The import pipeline: strict mode, damaged files, detection, idempotence, Parquet. */
class PreferenceImportTest {

    @TempDir
    Path tmp;

    private static final String GOOD = "{\"prompt\": \"p%d\", \"chosen\": \"a\", \"rejected\": \"b\"}";

    private Path jsonl(String name, String... lines) throws Exception {
        Path p = tmp.resolve(name);
        Files.writeString(p, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return p;
    }

    private ImportOptions.Builder options(Path... inputs) {
        return ImportOptions.builder().setInputs(List.of(inputs)).setOutput(tmp.resolve("out.jsonl"));
    }

    @Test
    void strictStopsAtTheFirstRejectWithItsMessage() throws Exception {
        Path in = jsonl("in.jsonl", GOOD.formatted(1), "{\"prompt\": \"p\", \"chosen\": \"a\"}", GOOD.formatted(3));
        ImportException e = assertThrows(ImportException.class,
                () -> PreferenceImport.run(options(in).optStrict(true).build()));
        assertEquals(in + ":2: missing field 'rejected'", e.getMessage());
        ImportSummary s = e.summary();
        assertEquals(2, s.read());
        assertEquals(1, s.written());
        assertEquals(1, s.rejected());
        assertEquals(1, PreferenceRecords.readAll(tmp.resolve("out.jsonl")).size(), "what came before is written");
    }

    @Test
    void truncatedGzipNamesTheFileAndAccountsForEarlierRecords() throws Exception {
        StringBuilder sb = new StringBuilder();
        java.util.Random random = new java.util.Random(1);
        for (int i = 0; i < 2000; i++) {
            sb.append(GOOD.formatted(i).replace("\"a\"", "\"" + Long.toHexString(random.nextLong()) + "\"")).append('\n');
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        }
        byte[] whole = bytes.toByteArray();
        Path in = tmp.resolve("cut.jsonl.gz");
        Files.write(in, Arrays.copyOf(whole, whole.length / 2));
        ImportException e = assertThrows(ImportException.class, () -> PreferenceImport.run(options(in).build()));
        assertTrue(e.getMessage().startsWith(in + ": corrupt or truncated gzip data (Unexpected end of ZLIB input stream) after line "),
                e.getMessage());
        ImportSummary s = e.summary();
        assertTrue(s.read() > 0);
        assertTrue(s.balanced());
        assertEquals(s.written(), PreferenceRecords.readAll(tmp.resolve("out.jsonl")).size());
        long line = Long.parseLong(e.getMessage().replaceAll(".* after line (\\d+);.*", "$1"));
        assertEquals(line, s.read(), "every complete line before the damage was read");
    }

    @Test
    void corruptGzipHeaderIsAnError() throws Exception {
        Path in = tmp.resolve("bad.jsonl.gz");
        Files.write(in, new byte[] {0x1f, (byte) 0x8b, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9});
        ImportException e = assertThrows(ImportException.class, () -> PreferenceImport.run(options(in).build()));
        assertEquals(in + ": corrupt or truncated gzip data (Unsupported compression method)", e.getMessage());
    }

    @Test
    void jsonArrayBrokenOffStopsWithTheLine() throws Exception {
        Path in = tmp.resolve("tasks.json");
        Files.writeString(in, "[\n" + GOOD.formatted(1) + ",\n" + GOOD.formatted(2) + ",\n{\"prompt\": \"p\", \"cho");
        ImportException e = assertThrows(ImportException.class, () -> PreferenceImport.run(options(in).optFormat("trl").build()));
        assertTrue(e.getMessage().startsWith(in + ":4: malformed JSON, the rest of the file cannot be read: "), e.getMessage());
        assertEquals(2, e.summary().written());
        assertTrue(e.summary().balanced());
    }

    @Test
    void missingFileIsNamed() {
        Path in = tmp.resolve("nope.jsonl");
        ImportException e = assertThrows(ImportException.class, () -> PreferenceImport.run(options(in).build()));
        assertEquals(in + ": no such file", e.getMessage());
    }

    @Test
    void undetectableFormatSaysWhatItSaw() throws Exception {
        Path in = jsonl("odd.jsonl", "{\"question\": \"q\", \"answer\": \"a\"}");
        ImportException e = assertThrows(ImportException.class, () -> PreferenceImport.run(options(in).build()));
        assertTrue(e.getMessage().startsWith(in + ": cannot detect the format from the first 1 records (first record keys: question, answer); pass --format with one of: rlhf4j, label-studio,"),
                e.getMessage());
        assertTrue(e.summary().balanced());
    }

    @Test
    void unknownFormatAndOptionAreNamed() throws Exception {
        Path in = jsonl("in.jsonl", GOOD.formatted(1));
        IllegalArgumentException f = assertThrows(IllegalArgumentException.class,
                () -> PreferenceImport.run(options(in).optFormat("csv-magic").build()));
        assertTrue(f.getMessage().startsWith("import.format must be auto or one of rlhf4j, "), f.getMessage());
        assertTrue(f.getMessage().endsWith(", but is: csv-magic"));
        IllegalArgumentException o = assertThrows(IllegalArgumentException.class,
                () -> PreferenceImport.run(options(in).optFormatOptions(FormatOptions.parse(List.of("shp.min_score_ratio=abc"))).build()));
        assertEquals("shp.min_score_ratio must be a number, but is: abc", o.getMessage());
        IllegalArgumentException k = assertThrows(IllegalArgumentException.class,
                () -> PreferenceImport.run(options(in).optFormatOptions(FormatOptions.parse(List.of("shp.min_ratio=2"))).build()));
        assertTrue(k.getMessage().startsWith("unknown import option 'shp.min_ratio' (known: "), k.getMessage());
    }

    @Test
    void reimportIsIdempotentAndMergesWithDedupe() throws Exception {
        ImportSummary first = PreferenceImport.run(options(fixture("crowd.csv")).build());
        List<PreferenceRecord> once = PreferenceRecords.readAll(first.output());
        // import the same export again, twice, together with the existing dataset
        Path dataset = tmp.resolve("dataset.jsonl");
        Files.copy(first.output(), dataset);
        ImportSummary again = PreferenceImport.run(ImportOptions.builder()
                .setInputs(List.of(dataset, fixture("crowd.csv"), fixture("crowd.csv")))
                .setOutput(tmp.resolve("merged.jsonl")).optDedupe(true).build());
        List<PreferenceRecord> merged = PreferenceRecords.readAll(tmp.resolve("merged.jsonl"));
        assertEquals(2, merged.size(), "one record per pair");
        assertEquals(once.get(0).id(), merged.get(0).id(), "ids are derived from content");
        assertEquals(List.of("W1", "W2"), merged.get(0).annotators(), "re-imported labels are not counted twice");
        assertEquals(2, merged.get(0).labels().size());
        assertTrue(again.balanced(), again.report());
        assertEquals(3 + 5 + 5, again.read());
        assertEquals(7, again.duplicates());
        assertEquals(4, again.rejected());
    }

    @Test
    void byteOrderMarksAndCrLfAreHandled() throws Exception {
        Path csv = tmp.resolve("bom.csv");
        Files.write(csv, ("\uFEFFprompt,chosen,rejected\r\np,a,b\r\n").getBytes(StandardCharsets.UTF_8));
        Path jsonl = tmp.resolve("bom.jsonl");
        Files.write(jsonl, ("\uFEFF" + GOOD.formatted(1) + "\r\n" + GOOD.formatted(2) + "\r\n").getBytes(StandardCharsets.UTF_8));
        Path array = tmp.resolve("bom.json");
        Files.write(array, ("\uFEFF [" + GOOD.formatted(3) + "]").getBytes(StandardCharsets.UTF_8));
        ImportSummary s = PreferenceImport.run(options(csv, jsonl, array).build());
        assertEquals(4, s.written(), s.report());
        assertEquals(List.of("trl", "trl", "trl"), s.files().stream().map(ImportSummary.FileSummary::format).toList());
    }

    @Test
    void outputMayNotBeAnInput() throws Exception {
        Path in = jsonl("data.jsonl", GOOD.formatted(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImportOptions.builder().addInput(in).setOutput(in).build());
        assertEquals("import.output must not be one of the inputs (it is written while they are read), but is: " + in, e.getMessage());
        // spelled differently, through a symbolic link, or as the rejects file: the same file all the same
        Path link = Files.createSymbolicLink(tmp.resolve("link.jsonl"), in);
        IllegalArgumentException linked = assertThrows(IllegalArgumentException.class,
                () -> ImportOptions.builder().addInput(link).setOutput(tmp.resolve("./data.jsonl")).build());
        assertEquals("import.output must not be one of the inputs (it is written while they are read), but is: "
                + tmp.resolve("./data.jsonl") + " (the same file as " + link + ")", linked.getMessage());
        IllegalArgumentException rejects = assertThrows(IllegalArgumentException.class,
                () -> ImportOptions.builder().addInput(in).setOutput(tmp.resolve("out.jsonl")).optRejects(link).build());
        assertEquals("import.rejects must not be one of the inputs (it is written while they are read), but is: " + link
                + " (the same file as " + in + ")", rejects.getMessage());
    }

    @Test
    void severalFormatsInOneCall() throws Exception {
        List<String> log = new ArrayList<>();
        ImportSummary s = PreferenceImport.run(options(fixture("hh-rlhf.jsonl"), fixture("label-studio.json"), fixture("crowd.csv"))
                .optLog(log::add).build());
        assertEquals(List.of("hh-rlhf", "label-studio", "crowd-csv"), s.files().stream().map(ImportSummary.FileSummary::format).toList());
        assertEquals(3, log.size());
        assertTrue(s.balanced());
        assertEquals(List.of("JSONL", "JSON_ARRAY", "CSV"), s.files().stream().map(ImportSummary.FileSummary::container).toList());
        assertTrue(s.report().contains("read 16 = written 10 + rejected 6 + duplicates 0 (14 input records; rankings expanded into pairs)"), s.report());
    }

    @Test
    void sourceOverrideAndGzipOutput() throws Exception {
        Path in = jsonl("in.jsonl", GOOD.formatted(1));
        ImportSummary s = PreferenceImport.run(ImportOptions.builder().addInput(in).setOutput(tmp.resolve("o.jsonl.gz"))
                .optSource("team-a").build());
        PreferenceRecord r = PreferenceRecords.readAll(s.output()).get(0);
        assertEquals("team-a", r.source());
    }

    /** Writes the arena-55k CSV fixture as Parquet (plain and gzip) with DuckDB, then imports both. */
    @Test
    void parquetPlainAndGzipped() throws Exception {
        Path parquet = tmp.resolve("arena.parquet");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
            st.execute("COPY (SELECT * FROM read_csv('" + fixture("arena-55k.csv").toAbsolutePath()
                    + "', header = true, all_varchar = true)) TO '" + parquet + "' (FORMAT parquet)");
        }
        Path gz = tmp.resolve("arena.parquet.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            Files.copy(parquet, out);
        }
        List<String> log = new ArrayList<>();
        ImportSummary s = PreferenceImport.run(options(parquet, gz).optLog(log::add).build());
        assertEquals(parquet + ": detected format arena-55k (from the first 4 records)", log.get(0));
        assertEquals(6, s.written());
        assertEquals(2, s.rejected());
        List<String> rejects = Files.readAllLines(s.rejectsFile());
        assertEquals(parquet + ":4: field 'response_a' turn 1 is null", rejects.get(0));
        List<PreferenceRecord> fromCsv = Fixtures.run(tmp, fixture("arena-55k.csv")).records();
        assertEquals(fromCsv, PreferenceRecords.readAll(s.output()).subList(0, 3), "Parquet and CSV give the same records");
    }

    @Test
    void notParquetIsAnErrorNamingTheFile() throws Exception {
        Path p = tmp.resolve("fake.parquet");
        Files.writeString(p, "not parquet at all");
        ImportException e = assertThrows(ImportException.class, () -> PreferenceImport.run(options(p).build()));
        assertTrue(e.getMessage().startsWith(p + ": not a readable Parquet file ("), e.getMessage());
    }

    @Test
    void canonicalRoundTripKeepsEveryKey() throws Exception {
        ImportSummary s = PreferenceImport.run(options(fixture("helpsteer2.jsonl")).build());
        String line = Files.readAllLines(s.output()).get(0);
        assertTrue(line.startsWith("{\"id\":\""), line);
        List<String> keys = new ArrayList<>();
        dev.rlhf4j.data.record.RecordJson.MAPPER.readTree(line).fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("id", "prompt", "chosen", "rejected", "tie", "margin", "group_id", "source", "split",
                "annotators", "labels", "meta"), keys);
        Path again = tmp.resolve("again.jsonl");
        ImportSummary s2 = PreferenceImport.run(ImportOptions.builder().addInput(s.output()).setOutput(again).build());
        assertEquals("rlhf4j", s2.files().get(0).format());
        assertArrayEquals(Files.readAllBytes(s.output()), Files.readAllBytes(again), "canonical in, the same canonical out");
        assertNotNull(PreferenceRecords.readAll(again));
    }
}
