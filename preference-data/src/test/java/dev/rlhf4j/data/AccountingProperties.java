package dev.rlhf4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.data.clean.ConflictRule;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** read = written + rejected + duplicates, whatever the mix of good and bad lines. */
class AccountingProperties {

    private static final String[] BAD = {
        "not json at all",
        "{\"chosen\": \"a\", ",
        "{}",
        "[1, 2, 3]",
        "{\"prompt\": \"p\", \"chosen\": \"same\", \"rejected\": \"same\"}",
        "{\"prompt\": \"p\", \"chosen\": \"\", \"rejected\": \"b\"}",
        "{\"prompt\": \"p\", \"chosen\": 1, \"rejected\": \"b\"}",
        "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\", \"score_chosen\": 1, \"score_rejected\": 9}",
        "\"just a string\"",
        "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\"} trailing",
    };

    private static String good(Random random) {
        int prompt = random.nextInt(6);
        boolean flip = random.nextInt(4) == 0;
        String a = random.nextBoolean() ? "Answer A" : "answer   a";
        String b = "Answer B";
        return "{\"prompt\": \"Question " + prompt + "\", \"chosen\": \"" + (flip ? b : a) + "\", \"rejected\": \""
                + (flip ? a : b) + "\"}";
    }

    @Property(tries = 60)
    void booksBalanceForJsonLines(@ForAll long seed, @ForAll @IntRange(min = 0, max = 60) int lines,
            @ForAll boolean dedupe, @ForAll boolean drop) throws Exception {
        Random random = new Random(seed);
        List<String> content = new ArrayList<>();
        int records = 0;
        for (int i = 0; i < lines; i++) {
            int kind = random.nextInt(10);
            if (kind == 0) {
                content.add("   ");
            } else if (kind < 6) {
                content.add(good(random));
                records++;
            } else {
                content.add(BAD[random.nextInt(BAD.length)]);
                records++;
            }
        }
        Path dir = TempDirs.create("acct");
        Path in = dir.resolve("in.jsonl");
        Files.writeString(in, String.join("\n", content), StandardCharsets.UTF_8);
        ImportSummary s = PreferenceImport.run(ImportOptions.builder().addInput(in).setOutput(dir.resolve("out.jsonl"))
                .optFormat("trl").optDedupe(dedupe).optConflictRule(drop ? ConflictRule.DROP : ConflictRule.MAJORITY).build());
        assertEquals(records, s.read());
        assertEquals(s.read(), s.written() + s.rejected() + s.duplicates(), s.report());
        assertEquals(s.written(), Files.readAllLines(dir.resolve("out.jsonl")).size());
        long rejectLines = s.rejectsFile() == null ? 0 : Files.readAllLines(s.rejectsFile()).size();
        assertEquals(2 * s.rejected(), rejectLines, "a reason and the raw record per reject");
        if (!dedupe) {
            assertEquals(0, s.duplicates());
        }
    }

    /** Rankings expand into pairs: the books are kept in pairs, input records counted apart. */
    @Property(tries = 40)
    void booksBalanceWithRankings(@ForAll long seed, @ForAll @IntRange(min = 1, max = 20) int tasks,
            @ForAll boolean dedupe) throws Exception {
        Random random = new Random(seed);
        StringBuilder sb = new StringBuilder("[");
        for (int t = 0; t < tasks; t++) {
            int k = 2 + random.nextInt(3);
            StringBuilder items = new StringBuilder();
            for (int i = 0; i < k; i++) {
                items.append(i == 0 ? "" : ",").append("{\"id\": \"i").append(i).append("\", \"body\": \"")
                        .append(random.nextInt(3) == 0 ? "same" : "text " + i).append("\"}");
            }
            StringBuilder annotations = new StringBuilder();
            int n = random.nextInt(3);
            for (int a = 0; a < n; a++) {
                List<String> order = new ArrayList<>();
                for (int i = 0; i < k; i++) {
                    order.add("\"i" + i + "\"");
                }
                java.util.Collections.shuffle(order, random);
                annotations.append(a == 0 ? "" : ",").append("{\"completed_by\": ").append(a)
                        .append(", \"was_cancelled\": ").append(random.nextInt(4) == 0)
                        .append(", \"result\": [{\"type\": \"ranker\", \"to_name\": \"items\", \"value\": {\"ranker\": {\"items\": [")
                        .append(String.join(",", order)).append("]}}}]}");
            }
            sb.append(t == 0 ? "" : ",").append("{\"id\": ").append(t % 4).append(", \"data\": {\"prompt\": \"p")
                    .append(t % 3).append("\", \"items\": [").append(items).append("]}, \"annotations\": [")
                    .append(annotations).append("]}");
        }
        sb.append("]");
        Path dir = TempDirs.create("acct");
        Path in = dir.resolve("tasks.json");
        Files.writeString(in, sb.toString(), StandardCharsets.UTF_8);
        ImportSummary s = PreferenceImport.run(ImportOptions.builder().addInput(in).setOutput(dir.resolve("out.jsonl"))
                .optDedupe(dedupe).build());
        assertEquals(tasks, s.inputRecords());
        assertTrue(s.read() >= s.inputRecords());
        assertEquals(s.read(), s.written() + s.rejected() + s.duplicates(), s.report());
        assertEquals(s.written(), Files.readAllLines(dir.resolve("out.jsonl")).size());
    }
}
