package dev.rlhf4j.data.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file being written keeps its old contents, readable, until the writer closes; abort keeps them for good. */
class RecordWriterTest {

    @TempDir
    Path tmp;

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
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of("train.jsonl"), s.map(p -> p.getFileName().toString()).toList(), "no temporary file left");
        }
    }
}
