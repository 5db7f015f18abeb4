package dev.rlhf4j.data.split;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.data.PreferenceRecords;
import dev.rlhf4j.data.record.Message;
import dev.rlhf4j.data.record.PreferenceRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroupSplitterTest {

    @TempDir
    Path tmp;

    /** 300 prompts, 1–5 records each; every tenth prompt's records share a group_id. */
    private Path dataset(String splitOfFirstTen) {
        List<PreferenceRecord> records = new ArrayList<>();
        for (int p = 0; p < 300; p++) {
            for (int k = 0; k <= p % 5; k++) {
                records.add(PreferenceRecord.builder()
                        .prompt(List.of(Message.user("prompt " + p + (k % 2 == 0 ? "" : "  "))))
                        .chosen(List.of(Message.assistant("good " + k)))
                        .rejected(List.of(Message.assistant("bad " + k)))
                        .groupId(p % 10 == 0 ? "g" + p : null)
                        .split(p < 10 ? splitOfFirstTen : null)
                        .build());
            }
        }
        Path file = tmp.resolve("all-" + System.nanoTime() + ".jsonl");
        PreferenceRecords.write(file, records);
        return file;
    }

    private static Map<String, String> splitByPrompt(Path dir) throws Exception {
        Map<String, String> seen = new HashMap<>();
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                for (PreferenceRecord r : PreferenceRecords.readAll(f)) {
                    String prompt = r.prompt().get(0).content().strip();
                    String before = seen.put(prompt, r.split());
                    assertTrue(before == null || before.equals(r.split()), prompt + " is in " + before + " and " + r.split());
                    assertEquals(f.getFileName().toString(), r.split() + ".jsonl");
                }
            }
        }
        return seen;
    }

    @Test
    void noPromptInTwoSplitsAndRatiosHold() throws Exception {
        Path in = dataset(null);
        SplitSummary s = GroupSplitter.run(in, tmp.resolve("out"), new SplitOptions(0.1, 0.05, 42, false));
        long total = s.records().values().stream().mapToLong(Long::longValue).sum();
        assertEquals(900, total);
        assertEquals(90, s.records().get("test"), 5, "within one group of 10 %");
        assertEquals(45, s.records().get("valid"), 5);
        Map<String, String> bySplit = splitByPrompt(tmp.resolve("out"));
        assertEquals(300, bySplit.size());
    }

    @Test
    void seededAndReproducible() throws Exception {
        Path in = dataset(null);
        GroupSplitter.run(in, tmp.resolve("a"), new SplitOptions(0.2, 0, 1, false));
        GroupSplitter.run(in, tmp.resolve("b"), new SplitOptions(0.2, 0, 1, false));
        GroupSplitter.run(in, tmp.resolve("c"), new SplitOptions(0.2, 0, 2, false));
        assertEquals(Files.readAllLines(tmp.resolve("a/test.jsonl")), Files.readAllLines(tmp.resolve("b/test.jsonl")));
        assertNotEquals(Files.readAllLines(tmp.resolve("a/test.jsonl")), Files.readAllLines(tmp.resolve("c/test.jsonl")));
    }

    @Test
    void keepExistingSplits() throws Exception {
        Path in = dataset("valid1");
        SplitSummary s = GroupSplitter.run(in, tmp.resolve("out"), new SplitOptions(0.1, 0, 42, true));
        assertEquals(1 + 2 + 3 + 4 + 5 + 1 + 2 + 3 + 4 + 5, s.records().get("valid1"));
        Map<String, String> bySplit = splitByPrompt(tmp.resolve("out"));
        assertEquals("valid1", bySplit.get("prompt 3"));
    }

    @Test
    void ratiosAreValidated() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SplitOptions(1.5, 0, 1, false));
        assertEquals("split.test must be between 0 (inclusive) and 1 (exclusive), but is: 1.5", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SplitOptions(0.6, 0.5, 1, false));
        assertEquals("split.test + split.valid must be below 1, but is: 1.1", e.getMessage());
    }
}
