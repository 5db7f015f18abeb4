package dev.rlhf4j.data.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.data.ImportException;
import dev.rlhf4j.data.ImportOptions;
import dev.rlhf4j.data.PreferenceImport;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A full disk never leaves a partial file at an output path: the old file stays, or there is none. */
class RecordWriterTest {

    @TempDir
    Path tmp;

    private static final String GOOD = "{\"prompt\": \"p%d\", \"chosen\": \"a%d\", \"rejected\": \"b\"}";

    /** A disk that fills after {@code capacity} bytes. */
    private static final class FullDisk extends FilterOutputStream {
        private long left;

        FullDisk(OutputStream out, long capacity) {
            super(out);
            this.left = capacity;
        }

        @Override
        public void write(int b) throws IOException {
            if (--left < 0) {
                throw new IOException("No space left on device");
            }
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            for (int i = 0; i < len; i++) {
                write(b[off + i]);
            }
        }
    }

    private static void diskOfBytes(long capacity) {
        RecordWriter.opener = file -> new FullDisk(Files.newOutputStream(file), capacity);
    }

    @AfterEach
    void realDisk() {
        RecordWriter.opener = Files::newOutputStream;
    }

    private List<String> filesIn(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private Path input(int records) throws IOException {
        Path in = tmp.resolve("in").resolve("in.jsonl");
        Files.createDirectories(in.getParent());
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < records; i++) {
            sb.append(GOOD.formatted(i, i)).append('\n');
        }
        sb.append("{\"prompt\": \"p\"}\n"); // one reject, so a rejects file is written too
        Files.writeString(in, sb);
        return in;
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aFullDiskLeavesTheOldOutputAndRejectsUntouched(boolean dedupe) throws IOException {
        Path in = input(2000); // more than the writer's 64 KiB buffer, so writes reach the disk mid-import
        Path dir = tmp.resolve("out");
        Files.createDirectories(dir);
        Path out = dir.resolve("prefs.jsonl");
        Path rejects = dir.resolve("prefs.jsonl.rejects.txt");
        Files.writeString(out, "the old output\n");
        Files.writeString(rejects, "the old rejects\n");
        diskOfBytes(100_000);
        ImportOptions options = ImportOptions.builder().addInput(in).setOutput(out).optDedupe(dedupe).build();
        ImportException e = assertThrows(ImportException.class, () -> PreferenceImport.run(options));
        assertEquals(out + ": cannot write (No space left on device); nothing was written to it, the file there is"
                + " unchanged", e.getMessage());
        assertNull(e.summary());
        assertEquals("the old output\n", Files.readString(out));
        assertEquals("the old rejects\n", Files.readString(rejects));
        assertEquals(List.of("prefs.jsonl", "prefs.jsonl.rejects.txt"), filesIn(dir), "no temporary file is left");
    }

    @Test
    void aFullDiskLeavesNoOutputWhereThereWasNone() throws IOException {
        Path in = input(2000);
        Path out = tmp.resolve("out").resolve("prefs.jsonl.gz");
        diskOfBytes(1000);
        ImportException e = assertThrows(ImportException.class,
                () -> PreferenceImport.run(ImportOptions.builder().addInput(in).setOutput(out).build()));
        assertEquals(out + ": cannot write (No space left on device); nothing was written to it", e.getMessage());
        assertEquals(List.of(), filesIn(out.getParent()));
    }

    @Test
    void theOutputAppearsWholeOnlyWhenClosed() throws IOException {
        Path out = tmp.resolve("prefs.jsonl");
        Files.writeString(out, "old\n");
        try (RecordWriter w = new RecordWriter(out)) {
            w.writeLine("{\"a\": 1}");
            assertEquals("old\n", Files.readString(out), "nothing reaches the path before close");
        }
        assertEquals("{\"a\": 1}\n", Files.readString(out));
        RecordWriter w = new RecordWriter(out);
        w.writeLine("{\"b\": 2}");
        w.abort();
        w.close();
        assertEquals("{\"a\": 1}\n", Files.readString(out), "an aborted writer leaves the old file");
        assertEquals(List.of("prefs.jsonl"), filesIn(tmp));
        assertFalse(filesIn(tmp).stream().anyMatch(n -> n.contains(".tmp-")));
        assertTrue(Files.isRegularFile(out));
    }

    @Test
    void theOldFileStaysWholeUntilTheNewOneIsComplete() throws Exception {
        Path file = Files.writeString(tmp.resolve("train.jsonl"), "{\"old\": 1}\n");
        try (RecordWriter w = new RecordWriter(file)) {
            w.writeLine("{\"new\": 1}");
            assertEquals(List.of("{\"old\": 1}"), Files.readAllLines(file), "still readable while the new file is written");
        }
        assertEquals(List.of("{\"new\": 1}"), Files.readAllLines(file));

        RecordWriter aborted = new RecordWriter(file);
        aborted.writeLine("{\"half\": 1}");
        aborted.abort();
        aborted.close(); // a no-op after abort
        assertEquals(List.of("{\"new\": 1}"), Files.readAllLines(file));
        try (java.util.stream.Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of("train.jsonl"), s.map(p -> p.getFileName().toString()).toList(), "no temporary file left");
        }
    }
}
