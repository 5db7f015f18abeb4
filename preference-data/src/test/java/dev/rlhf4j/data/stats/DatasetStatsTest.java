package dev.rlhf4j.data.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.data.Fixtures;
import dev.rlhf4j.data.ImportOptions;
import dev.rlhf4j.data.PreferenceImport;
import dev.rlhf4j.data.PreferenceRecords;
import dev.rlhf4j.data.record.Label;
import dev.rlhf4j.data.record.Message;
import dev.rlhf4j.data.record.Preference;
import dev.rlhf4j.data.record.PreferenceRecord;
import dev.rlhf4j.data.record.RecordJson;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetStatsTest {

    @TempDir
    Path tmp;

    private static PreferenceRecord rec(String prompt, String chosen, String rejected, String worker, int position) {
        return PreferenceRecord.builder()
                .prompt(List.of(Message.user(prompt)))
                .chosen(List.of(Message.assistant(chosen)))
                .rejected(List.of(Message.assistant(rejected)))
                .source("hand")
                .split("train")
                .label(Label.of(worker, Preference.CHOSEN))
                .chosenPosition(position)
                .build();
    }

    /**
     * Two items. q1 ("long answer" vs "short"): w1 and w2 prefer the long answer, w3 the short
     * one. q2 ("ccc" vs "dddd"): w1 prefers ccc, w2 dddd. By hand:
     * raw agreement = (1 agreeing pair of 3 on q1 + 0 of 1 on q2) / 4 = 0.25;
     * Fleiss: P_1 = (2² + 1² − 3) / (3·2) = 1/3, P_2 = 0, P̄ = 1/6, p = (3/5, 2/5), P̄_e = 0.52,
     * κ = (1/6 − 0.52) / 0.48 = −0.736111; Cohen for w1–w2 (the only pair sharing two items):
     * p_o = 1/2, p_e = 1/2, κ = 0; position: first shown won 4 of 5; longer won 3 of 5.
     */
    @Test
    void handComputedDataset() throws Exception {
        Path file = tmp.resolve("d.jsonl");
        PreferenceRecords.write(file, List.of(
                rec("q1", "long answer", "short", "w1", 0),
                rec("q1", "long answer", "short", "w2", 0),
                rec("q1", "short", "long answer", "w3", 0),
                rec("q2", "ccc", "dddd", "w1", 0),
                rec("q2", "dddd", "ccc", "w2", 1)));
        StatsReport s = DatasetStats.compute(file);
        assertEquals(5, s.records());
        assertEquals(5, s.bySource().get("hand").get("train").records());
        StatsReport.AgreementStats a = s.agreement();
        assertEquals(2, a.items());
        assertEquals(5, a.labels());
        assertEquals(0.25, a.rawAgreement(), 1e-12);
        assertEquals((1.0 / 6 - 0.52) / 0.48, a.fleissKappa(), 1e-12);
        assertEquals(0.0, a.cohenKappa(), 1e-12);
        assertEquals(1, a.cohenPairs());
        assertEquals("three-point", a.ordinalScale());
        assertEquals(5, s.positionBias().n());
        assertEquals(4, s.positionBias().wins());
        assertEquals(0.8, s.positionBias().rate(), 1e-12);
        assertEquals(0.375, s.positionBias().pValue(), 1e-12, "two-sided binomial: 2 × (1 + 5) / 32");
        assertEquals(3, s.lengthBias().wins());
        assertEquals(1, s.duplicates().exact());
        assertEquals(2, s.duplicates().normalised(), "records 3 and 5 are their pairs flipped");
        assertEquals(2, s.duplicates().conflictingPairs());
        assertEquals(3, s.annotators());
        assertEquals(2L, s.labelsPerAnnotator().get("w1"));
        assertEquals(2, s.aggregation().items());
        assertEquals(1, s.aggregation().lowConfidence(), "q2 is split 1:1");
        assertEquals(10, s.responseChars().count(), "both sides of every record");
        JsonNode json = RecordJson.MAPPER.readTree(s.toJson());
        assertEquals(0.25, json.path("agreement").path("raw_agreement").asDouble(), 1e-12);
        assertTrue(json.path("position_bias").has("p_value"));
        assertTrue(s.render().contains("raw pairwise agreement  25.0 %"), s.render());
    }

    @Test
    void agreementIsTheSameBeforeAndAfterDedupe() throws Exception {
        Path raw = tmp.resolve("raw.jsonl");
        Path deduped = tmp.resolve("deduped.jsonl");
        Path sample = Path.of("src/test/resources/samples/summarize-from-feedback_comparisons_batch13.sample.jsonl");
        PreferenceImport.run(ImportOptions.builder().addInput(sample).setOutput(raw).build());
        PreferenceImport.run(ImportOptions.builder().addInput(sample).setOutput(deduped).optDedupe(true).build());
        StatsReport before = DatasetStats.compute(raw);
        StatsReport after = DatasetStats.compute(deduped);
        assertEquals(before.agreement(), after.agreement());
        assertEquals(2, before.agreement().items(), "t3_4vkrry has 5 workers on one pair, t3_1xkxji 2");
        assertEquals("graded", before.agreement().ordinalScale(), "confidence gives graded labels");
        assertTrue(after.records() < before.records());
    }

    @Test
    void emptyAgreementIsUndefinedNotZero() throws Exception {
        Fixtures.Result r = Fixtures.run(tmp, Fixtures.fixture("hh-rlhf.jsonl"));
        StatsReport s = DatasetStats.compute(r.summary().output());
        assertEquals(0, s.agreement().items());
        assertTrue(Double.isNaN(s.agreement().fleissKappa()));
        assertTrue(RecordJson.MAPPER.readTree(s.toJson()).path("agreement").path("fleiss_kappa").isNull(), "NaN is written as null");
        assertTrue(s.render().contains("agreement: no item has two or more labels"));
    }

    /**
     * 23 anonymous TRL triples "A > B" and 4 "B > A" for one prompt, and one single judgement of
     * another pair: imported with dedupe they become one record with 27 votes, and the statistics
     * see the same 27 votes (majority share 23/27; raw agreement (C(23,2) + C(4,2)) / C(27,2) =
     * 259/351) as on the file without dedupe.
     */
    @Test
    void repeatedJudgementsAreCountedAsVotesWithOrWithoutDedupe() throws Exception {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 27; i++) {
            boolean ab = i % 7 != 3; // 4 of 27 lines (i = 3, 10, 17, 24) say B > A
            lines.append(String.format("{\"prompt\": \"Q\", \"chosen\": \" %s\", \"rejected\": \" %s\"}%n",
                    ab ? "A" : "B", ab ? "B" : "A"));
        }
        lines.append("{\"prompt\": \"R\", \"chosen\": \" x\", \"rejected\": \" y\"}\n");
        Path in = tmp.resolve("trl.jsonl");
        java.nio.file.Files.writeString(in, lines);
        for (boolean dedupe : new boolean[] {true, false}) {
            Path out = tmp.resolve("out-" + dedupe + ".jsonl");
            PreferenceImport.run(ImportOptions.builder().addInput(in).addInput(in).setOutput(out).optDedupe(dedupe).build());
            StatsReport.VoteStats v = DatasetStats.compute(out).votes();
            String what = dedupe ? "deduplicated (the file given twice counts once)" : "as imported (the file given twice)";
            assertEquals(2, v.pairs(), what);
            assertEquals(dedupe ? 28 : 56, v.votes(), what);
            assertEquals(dedupe ? 1 : 2, v.repeatedPairs(), what);
            assertEquals(dedupe ? 23.0 / 27 : (46.0 / 54 + 1) / 2, v.majorityShare(), 1e-12, what);
            if (dedupe) {
                assertEquals(259.0 / 351, DatasetStats.compute(out).agreement().rawAgreement(), 1e-12);
            }
        }
    }
}
