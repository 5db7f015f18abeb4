package dev.rlhf4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.data.record.Message;
import dev.rlhf4j.data.record.PreferenceRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Imports the real public samples under {@code src/test/resources/samples} (copied with their
 * SOURCES.md from shared/fixtures/preference-samples) and checks the edge cases SOURCES.md lists.
 */
class RealSamplesTest {

    @TempDir
    Path tmp;

    static Path sample(String name) {
        return Path.of("src/test/resources/samples", name);
    }

    private ImportSummary importAuto(List<String> log, String... names) {
        ImportOptions.Builder b = ImportOptions.builder().setOutput(tmp.resolve("out.jsonl")).optLog(log::add);
        for (String n : names) {
            b.addInput(sample(n));
        }
        return PreferenceImport.run(b.build());
    }

    @Test
    void hhRlhfRejectsTheFourEmptyFinalReplies() throws Exception {
        List<String> log = new ArrayList<>();
        ImportSummary s = importAuto(log, "hh-rlhf_harmless-base_test.sample.jsonl");
        assertEquals(List.of("src/test/resources/samples/hh-rlhf_harmless-base_test.sample.jsonl: detected format hh-rlhf (from the first 5 records)"), log);
        assertEquals(30, s.read());
        assertEquals(26, s.written());
        assertEquals(4, s.rejected());
        List<String> rejects = Files.readAllLines(s.rejectsFile());
        assertEquals("src/test/resources/samples/hh-rlhf_harmless-base_test.sample.jsonl:27: chosen final reply is empty", rejects.get(0));
        assertTrue(rejects.get(1).startsWith("{\"chosen\":"));
        assertEquals(8, rejects.size());
        PreferenceRecord first = PreferenceRecords.readAll(tmp.resolve("out.jsonl")).get(0);
        assertEquals(Message.USER, first.prompt().get(0).role());
        assertEquals("hh-rlhf", first.source());
    }

    @Test
    void gzipSampleGivesTheSameRecords() throws Exception {
        ImportSummary plain = importAuto(new ArrayList<>(), "hh-rlhf_harmless-base_test.sample.jsonl");
        List<String> plainLines = Files.readAllLines(tmp.resolve("out.jsonl"));
        ImportSummary gz = importAuto(new ArrayList<>(), "hh-rlhf_harmless-base_test.sample.jsonl.gz");
        assertEquals(plain.written(), gz.written());
        assertEquals(plainLines, Files.readAllLines(tmp.resolve("out.jsonl")));
        assertTrue(gz.files().get(0).gzip());
    }

    @Test
    void summarizeFromFeedbackAllFourFiles() {
        List<String> log = new ArrayList<>();
        ImportSummary s = importAuto(log,
                "summarize-from-feedback_comparisons_batch13.sample.jsonl",
                "summarize-from-feedback_comparisons_batch18.sample.jsonl",
                "summarize-from-feedback_comparisons_cnndm0.sample.jsonl",
                "summarize-from-feedback_comparisons_edit_b2_eval_test.jsonl");
        assertEquals(43, s.read());
        assertEquals(43, s.written());
        assertEquals(0, s.rejected());
        List<PreferenceRecord> out = PreferenceRecords.readAll(tmp.resolve("out.jsonl"));
        PreferenceRecord first = out.get(0);
        assertTrue(first.prompt().get(0).content().startsWith("SUBREDDIT: r/relationships\n\nTITLE: Unsure if new relationship"));
        assertTrue(first.chosen().get(0).content().startsWith("Started dating this girl"), "leading space stripped");
        assertEquals("t3_4ne9lx", first.groupId());
        assertEquals("valid2", first.split());
        assertEquals(List.of("M4bdOszgybjO2qg2Dth5I1GOYAvE7V"), first.annotators());
        assertEquals(3, ((Number) first.meta().get("confidence")).intValue());
        PreferenceRecord news = out.get(30);
        assertTrue(news.prompt().get(0).content().startsWith("Article:\nMax Clifford"));
        PreferenceRecord edited = out.get(38);
        assertEquals(null, edited.groupId(), "edit_b2_eval_test has no info.id");
        assertTrue(edited.prompt().get(0).content().startsWith("SUBREDDIT: r/relationships\n"), "no r/r/ doubling");
    }

    @Test
    void ultrafeedbackBinarizedRejectsIdenticalPairs() throws Exception {
        ImportSummary s = importAuto(new ArrayList<>(), "trl-implicit-conversational_ultrafeedback-binarized_tnlp_test_prefs.sample.jsonl");
        assertEquals(17, s.read());
        assertEquals(13, s.written());
        assertEquals(4, s.rejected());
        List<String> rejects = Files.readAllLines(s.rejectsFile());
        assertEquals(List.of(
                "src/test/resources/samples/trl-implicit-conversational_ultrafeedback-binarized_tnlp_test_prefs.sample.jsonl:14: chosen and rejected are identical",
                "src/test/resources/samples/trl-implicit-conversational_ultrafeedback-binarized_tnlp_test_prefs.sample.jsonl:15: chosen and rejected are identical",
                "src/test/resources/samples/trl-implicit-conversational_ultrafeedback-binarized_tnlp_test_prefs.sample.jsonl:16: chosen and rejected are identical",
                "src/test/resources/samples/trl-implicit-conversational_ultrafeedback-binarized_tnlp_test_prefs.sample.jsonl:17: chosen and rejected are identical"),
                List.of(rejects.get(0), rejects.get(2), rejects.get(4), rejects.get(6)));
        PreferenceRecord r = PreferenceRecords.readAll(tmp.resolve("out.jsonl")).get(0);
        assertEquals(1, r.prompt().size());
        assertEquals(Message.USER, r.prompt().get(0).role());
        assertEquals(Message.ASSISTANT, r.chosen().get(0).role());
    }

    @Test
    void trlExplicitTextWithScores() {
        ImportSummary s = importAuto(new ArrayList<>(), "trl-explicit-text-scores_ActiveUltraFeedback_ultrafeedback_binarized_custom.jsonl");
        assertEquals(10, s.written());
        PreferenceRecord r = PreferenceRecords.readAll(tmp.resolve("out.jsonl")).get(0);
        assertEquals("prompt_0", r.meta().get("prompt_id"));
        assertEquals("---", r.meta().get("origin"));
        assertTrue(r.margin() > 0);
    }

    @Test
    void colossalChatContextAndFrom() {
        ImportSummary s = importAuto(new ArrayList<>(), "colossalchat_test_dpo_data.jsonl");
        assertEquals(1, s.written());
        PreferenceRecord r = PreferenceRecords.readAll(tmp.resolve("out.jsonl")).get(0);
        assertEquals(Message.USER, r.prompt().get(0).role());
        assertTrue(r.prompt().get(0).content().startsWith("If I were to give you some coordinates"));
        assertEquals(Message.ASSISTANT, r.chosen().get(0).role());
    }
}
