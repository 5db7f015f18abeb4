package dev.rlhf4j.rm.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rlhf4j.core.tokenizer.ChatMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PairFilesTest {

    @TempDir
    Path tmp;

    @Test
    void readsCanonicalRecordsAndRewardBenchRows() throws IOException {
        Path f = tmp.resolve("mixed.jsonl");
        Files.write(f, List.of(
                "{\"prompt\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"chosen\": [{\"role\": \"assistant\", \"content\": \"Hello.\"}],"
                        + " \"rejected\": [{\"role\": \"assistant\", \"content\": \"Go away.\"}], \"margin\": 2.0, \"group_id\": \"p1\","
                        + " \"source\": \"hh-rlhf\", \"meta\": {\"confidence\": 8, \"score_chosen\": 9, \"score_rejected\": 3}}",
                "",
                "{\"prompt\": \"2+2?\", \"chosen\": \"4\", \"rejected\": \"5\", \"subset\": \"math-prm\", \"id\": 17}"));
        List<PreferencePair> pairs = PairFiles.read(f);
        assertEquals(2, pairs.size());
        PreferencePair canonical = pairs.get(0);
        assertEquals(List.of(ChatMessage.user("Hi")), canonical.prompt());
        assertEquals("Hello.", canonical.chosenText());
        assertEquals(2.0, canonical.margin());
        assertEquals("p1", canonical.groupId());
        assertEquals("hh-rlhf", canonical.source());
        assertEquals(8.0, canonical.confidence());
        assertEquals(3.0, canonical.scoreRatio());
        assertEquals(f + ":1", canonical.where());
        PreferencePair bench = pairs.get(1);
        assertEquals("17", bench.id());
        assertEquals(List.of(ChatMessage.user("2+2?")), bench.prompt());
        assertEquals(List.of(ChatMessage.assistant("4")), bench.chosen());
        assertEquals("math-prm", bench.subset());
        assertNull(bench.source());
        assertEquals(f + ":3", bench.where());
    }

    @Test
    void aLineInNeitherLayoutNamesFileAndLine() throws IOException {
        Path f = tmp.resolve("bad.jsonl");
        Files.write(f, List.of("{\"prompt\": \"q\", \"chosen\": \"a\"}"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PairFiles.read(f));
        assertEquals(f + ":1: not a canonical preference record nor a RewardBench row (prompt, chosen, rejected as strings):"
                + " key 'prompt' must be a list of {role, content} messages, but is: a string", e.getMessage());
    }
}
