package dev.rlhf4j.data.clean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.data.PreferenceRecords;
import dev.rlhf4j.data.io.RecordWriter;
import dev.rlhf4j.data.record.Label;
import dev.rlhf4j.data.record.Message;
import dev.rlhf4j.data.record.Preference;
import dev.rlhf4j.data.record.PreferenceRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeduplicatorTest {

    @TempDir
    Path tmp;

    private static PreferenceRecord rec(String prompt, String chosen, String rejected, String worker) {
        PreferenceRecord.Builder b = PreferenceRecord.builder()
                .prompt(List.of(Message.user(prompt)))
                .chosen(List.of(Message.assistant(chosen)))
                .rejected(List.of(Message.assistant(rejected)));
        if (worker != null) {
            b.label(Label.of(worker, Preference.CHOSEN));
        }
        return b.build();
    }

    private record Run(Deduplicator.Result result, List<PreferenceRecord> out, List<String> rejects) {}

    private Run dedupe(ConflictRule rule, PreferenceRecord... records) {
        Deduplicator d = new Deduplicator(tmp, rule);
        for (int i = 0; i < records.length; i++) {
            d.add(records[i], "in.jsonl:" + (i + 1));
        }
        Path out = tmp.resolve("out.jsonl");
        List<String> rejects = new ArrayList<>();
        Deduplicator.Result result;
        try (RecordWriter w = new RecordWriter(out)) {
            result = d.finish(w, (origin, reason, raw) -> rejects.add(origin + ": " + reason));
        }
        return new Run(result, PreferenceRecords.readAll(out), rejects);
    }

    @Test
    void exactAndNormalisedDuplicates() throws Exception {
        Run r = dedupe(ConflictRule.MAJORITY,
                rec("Q", "Yes, it is.", "No", null),
                rec("Q", "Yes, it is.", "No", null),
                rec("q ", "yes,   IT is.", "no", null),
                rec("Other", "a", "b", null));
        assertEquals(2, r.result().written());
        assertEquals(1, r.result().exactDuplicates());
        assertEquals(1, r.result().normalisedDuplicates());
        assertEquals(0, r.result().conflicts());
        assertEquals(List.of("Yes, it is.", "a"), r.out().stream().map(x -> x.chosen().get(0).content()).toList(),
                "the first record of each pair is kept, in input order");
        try (var files = Files.list(tmp)) {
            assertEquals(1, files.count(), "the temporary file is removed");
        }
    }

    @Test
    void majorityKeepsTheWinningDirectionWithAllLabels() {
        Run r = dedupe(ConflictRule.MAJORITY,
                rec("Q", "B", "A", "w1"),
                rec("Q", "A", "B", "w2"),
                rec("Q", "A", "B", "w3"));
        assertEquals(1, r.result().conflicts());
        PreferenceRecord kept = r.out().get(0);
        assertEquals("A", kept.chosen().get(0).content());
        assertFalse(kept.tie());
        assertEquals(List.of(Label.of("w1", Preference.REJECTED), Label.of("w2", Preference.CHOSEN), Label.of("w3", Preference.CHOSEN)),
                kept.labels(), "labels turned to the kept orientation");
        assertEquals(Map.of("chosen", 2, "rejected", 1, "tie", 0), kept.meta().get("votes"));
        assertEquals(1, r.result().exactDuplicates(), "w3's record has the same content as w2's");
        assertEquals(1, r.result().normalisedDuplicates(), "w1's record is the pair flipped");
        assertEquals(1, r.result().conflictExamples().size());
        assertEquals("in.jsonl:1 vs in.jsonl:2 vs in.jsonl:3", r.result().conflictExamples().get(0));
    }

    @Test
    void evenSplitBecomesATie() {
        Run r = dedupe(ConflictRule.MAJORITY, rec("Q", "A", "B", "w1"), rec("Q", "B", "A", "w2"));
        assertTrue(r.out().get(0).tie());
        assertEquals("A", r.out().get(0).chosen().get(0).content(), "the first record's orientation");
    }

    @Test
    void dropRejectsEveryRecordOfAConflictingPair() {
        Run r = dedupe(ConflictRule.DROP, rec("Q", "A", "B", "w1"), rec("Q", "B", "A", "w2"), rec("R", "x", "y", "w1"));
        assertEquals(1, r.result().written());
        assertEquals(2, r.result().conflictRecordsDropped());
        assertEquals("in.jsonl:1: conflicting duplicate: the same pair is labelled both ways (1 one way, 1 the other, 0 tie); every record of it dropped (conflicts=drop)",
                r.rejects().get(0));
    }

    @Test
    void anExactRepeatVotesOnce() {
        PreferenceRecord a = rec("Q", "A", "B", "w1");
        Run r = dedupe(ConflictRule.MAJORITY, a, a, a, rec("Q", "B", "A", "w2"));
        assertTrue(r.out().get(0).tie(), "one vote each way: the three copies of w1's record count once");
        assertEquals(2, r.out().get(0).labels().size());
    }

    @Test
    void anonymousRepeatsAreVotesAndTheMajorityKeepsThemAll() {
        List<PreferenceRecord> in = new ArrayList<>();
        in.add(rec("Q", "B", "A", null)); // the first record points the losing way
        for (int i = 0; i < 23; i++) {
            in.add(rec("Q", "A", "B", null));
        }
        for (int i = 0; i < 3; i++) {
            in.add(rec("Q", "B", "A", null));
        }
        Run r = dedupe(ConflictRule.MAJORITY, in.toArray(PreferenceRecord[]::new));
        assertEquals(1, r.result().written());
        assertEquals(26, r.result().duplicates(), "read = written + duplicates");
        PreferenceRecord kept = r.out().get(0);
        assertEquals("A", kept.chosen().get(0).content(), "23 votes to 4");
        assertFalse(kept.tie());
        assertEquals(Map.of("chosen", 23, "rejected", 4, "tie", 0), kept.meta().get("votes"));
        assertEquals(23, kept.labels().stream().filter(l -> l.preference() == Preference.CHOSEN && l.annotator() == null).count());
        assertEquals(4, kept.labels().stream().filter(l -> l.preference() == Preference.REJECTED).count());
        assertEquals(new dev.rlhf4j.data.record.Votes(23, 4, 0), dev.rlhf4j.data.record.Votes.of(kept));
    }

    @Test
    void theSameSourcePositionVotesOnce() {
        Deduplicator d = new Deduplicator(tmp, ConflictRule.MAJORITY);
        PreferenceRecord ab = rec("Q", "A", "B", null);
        d.add(ab, "a.jsonl:1", "/data/a.jsonl:1#0");
        d.add(ab, "a.jsonl:2", "/data/a.jsonl:2#0");
        d.add(ab, "./a.jsonl:1", "/data/a.jsonl:1#0"); // the same file given twice
        d.add(rec("Q", "B", "A", null), "a.jsonl:3", "/data/a.jsonl:3#0");
        Path out = tmp.resolve("out.jsonl");
        try (RecordWriter w = new RecordWriter(out)) {
            Deduplicator.Result result = d.finish(w, (origin, reason, raw) -> { });
            assertEquals(2, result.exactDuplicates(), "records 2 and 3 repeat the content of record 1");
        }
        PreferenceRecord kept = PreferenceRecords.readAll(out).get(0);
        assertEquals(Map.of("chosen", 2, "rejected", 1, "tie", 0), kept.meta().get("votes"));
    }

    @Test
    void tieVotesNeverDecideADirection() {
        PreferenceRecord tie = PreferenceRecord.builder().prompt(List.of(Message.user("Q")))
                .chosen(List.of(Message.assistant("A"))).rejected(List.of(Message.assistant("B"))).tie(true).build();
        Run r = dedupe(ConflictRule.MAJORITY, tie, tie, tie, rec("Q", "B", "A", null));
        PreferenceRecord kept = r.out().get(0);
        assertFalse(kept.tie(), "three tie votes and one for B: B is preferred, P = 5/8 by Bradley-Terry with half-ties");
        assertEquals("B", kept.chosen().get(0).content());
        assertEquals(Map.of("chosen", 1, "rejected", 0, "tie", 3), kept.meta().get("votes"));
        assertEquals(0.625, dev.rlhf4j.data.record.Votes.of(kept).chosenRate(), 1e-12);
    }
}
