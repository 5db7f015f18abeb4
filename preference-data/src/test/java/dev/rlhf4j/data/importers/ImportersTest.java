package dev.rlhf4j.data.importers;

import static dev.rlhf4j.data.Fixtures.fixture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.data.Fixtures;
import dev.rlhf4j.data.Fixtures.Result;
import dev.rlhf4j.data.record.Label;
import dev.rlhf4j.data.record.Message;
import dev.rlhf4j.data.record.Preference;
import dev.rlhf4j.data.record.PreferenceRecord;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One hand-written fixture per format (src/test/resources/fixtures), imported with auto-detection. */
class ImportersTest {

    @TempDir
    Path tmp;

    private Result run(String file) {
        return Fixtures.run(tmp, fixture(file));
    }

    private Result run(String file, String... options) {
        return Fixtures.run(tmp, "auto", FormatOptions.parse(List.of(options)), false, fixture(file));
    }

    private static void assertBalanced(Result r) {
        assertTrue(r.summary().balanced(), r.summary().report());
    }

    private static List<Message> msgs(String... roleContent) {
        List<Message> out = new java.util.ArrayList<>();
        for (int i = 0; i < roleContent.length; i += 2) {
            out.add(new Message(roleContent[i], roleContent[i + 1]));
        }
        return out;
    }

    @Test
    void hhRlhf() {
        Result r = run("hh-rlhf.jsonl");
        assertEquals("src/test/resources/fixtures/hh-rlhf.jsonl: detected format hh-rlhf (from the first 5 records)", r.log().get(0));
        assertEquals(2, r.records().size());
        assertEquals(List.of(
                "chosen and rejected differ before their final assistant turn (earlier turns differ)",
                "chosen and rejected final replies are identical",
                "chosen final reply is empty"), r.reasons());
        PreferenceRecord multi = r.records().get(1);
        assertEquals(msgs("user", "Hi", "assistant", "Hello! How can I help?", "user", "Translate “café” to German."), multi.prompt());
        assertEquals(msgs("assistant", "„Café“ — das Wort ist gleich. ☕"), multi.chosen());
        assertEquals(msgs("assistant", "Kaffee."), multi.rejected());
        assertBalanced(r);
    }

    @Test
    void trlAllFourShapes() {
        Result r = run("trl.jsonl");
        assertEquals(5, r.records().size());
        List<PreferenceRecord> rs = r.records();
        assertEquals(msgs("user", "The sky is"), rs.get(0).prompt());
        assertEquals(msgs("assistant", " blue."), rs.get(0).chosen(), "text kept exactly");
        assertEquals(msgs("user", "I like "), rs.get(1).prompt(), "implicit prompt cut back to a word boundary");
        assertEquals(msgs("assistant", "apples"), rs.get(1).chosen());
        assertEquals(msgs("assistant", "apricots"), rs.get(1).rejected());
        assertEquals(2.5, rs.get(2).margin());
        assertEquals(4, rs.get(3).prompt().size(), "implicit conversational: the common prefix is the history");
        assertEquals(msgs("assistant", "12"), rs.get(3).chosen());
        PreferenceRecord tie = rs.get(4);
        assertTrue(tie.tie(), "equal scores are a tie");
        assertEquals(0.0, tie.margin());
        assertEquals("p5", tie.meta().get("prompt_id"));
        assertBalanced(r);
    }

    @Test
    void trlTiesSkippedByOption() {
        Result r = run("trl.jsonl", "ties=skip");
        assertEquals(4, r.records().size());
        assertEquals(List.of("skipped: score_chosen equals score_rejected (8.0), a tie (ties=skip)"), r.reasons());
    }

    @Test
    void summarizeFromFeedback() {
        Result r = run("summarize-from-feedback.jsonl");
        assertEquals(3, r.records().size());
        PreferenceRecord first = r.records().get(0);
        assertEquals(msgs("user", "SUBREDDIT: r/cats\n\nTITLE: Cat problem\n\nPOST: My cat ignores me. What do I do?\n\nTL;DR:"), first.prompt());
        assertEquals(msgs("assistant", "Cat ignores me, help."), first.chosen());
        assertEquals(List.of(new Label("w1", Preference.CHOSEN, 3.0)), first.labels(), "confidence 2 -> strength |2-5| = 3");
        assertEquals("ref", first.meta().get("chosen_policy"));
        assertEquals(0, ((Number) first.meta().get("chosen_position")).intValue());
        PreferenceRecord second = r.records().get(1);
        assertEquals(msgs("assistant", "I have a cat."), second.chosen());
        assertEquals(1, ((Number) second.meta().get("chosen_position")).intValue());
        PreferenceRecord news = r.records().get(2);
        assertEquals(msgs("user", "Article:\nIt rained in Zürich all day.\n\nTL;DR:"), news.prompt());
        assertEquals("valid1", news.split());
        assertEquals("n1", news.groupId());
    }

    @Test
    void shpWithOptions() {
        Result all = run("shp.jsonl");
        assertEquals(3, all.records().size());
        PreferenceRecord first = all.records().get(0);
        assertEquals("p1", first.groupId());
        assertEquals(Math.log(5.0), first.margin(), 1e-12);
        assertEquals(msgs("assistant", "Rayleigh scattering."), first.chosen());
        assertEquals(msgs("assistant", "Light scatters more at short wavelengths."), all.records().get(1).chosen(), "labels 0: B preferred");

        Result ratio = run("shp.jsonl", "shp.min_score_ratio=2");
        assertEquals(2, ratio.records().size());
        assertEquals(List.of("skipped: score_ratio 1.5 is below shp.min_score_ratio 2.0"), ratio.reasons());

        Result capped = run("shp.jsonl", "shp.max_pairs_per_post=1");
        assertEquals(List.of("skipped: post p1 already has 1 pairs (shp.max_pairs_per_post=1)"), capped.reasons());
        assertBalanced(capped);
    }

    @Test
    void ultrafeedbackAllPairs() {
        Result r = run("ultrafeedback.jsonl");
        assertEquals(2, r.summary().inputRecords());
        assertEquals(7, r.summary().read(), "4 completions -> 6 pairs, 2 -> 1");
        assertEquals(7, r.records().size());
        List<PreferenceRecord> first = r.records().subList(0, 6);
        assertEquals(1, first.stream().map(PreferenceRecord::groupId).distinct().count(), "a ranking's pairs share a group");
        assertEquals(1, first.stream().filter(PreferenceRecord::tie).count(), "m1 and m3 both score 9.0");
        PreferenceRecord p = first.get(0);
        assertEquals("m1", p.meta().get("chosen_model"));
        assertEquals("m2", p.meta().get("rejected_model"));
        assertEquals(6.0, p.margin());
        assertBalanced(r);
    }

    @Test
    void ultrafeedbackAspectSpelledWithHyphenAndBinarized() {
        Result aspect = run("ultrafeedback.jsonl", "ultrafeedback.score=instruction_following");
        PreferenceRecord last = aspect.records().get(aspect.records().size() - 1);
        assertEquals(msgs("assistant", "ok"), last.chosen(), "instruction-following: 4 vs 2");
        assertEquals(2.0, last.margin());

        Result bin1 = run("ultrafeedback.jsonl", "ultrafeedback.pairs=binarized", "seed=7");
        Result bin2 = run("ultrafeedback.jsonl", "ultrafeedback.pairs=binarized", "seed=7");
        assertEquals(2, bin1.records().size());
        assertEquals(bin1.records(), bin2.records(), "seeded");
        assertEquals("m1", bin1.records().get(0).meta().get("chosen_model"), "the best completion (first of the 9.0s)");

        Result fg = run("ultrafeedback.jsonl", "ultrafeedback.score=fine_grained");
        assertEquals(7, fg.records().size());
        assertFalse(fg.records().get(6).tie(), "fine-grained mean of 4,4,4,4 vs 3,4,2,4");
    }

    @Test
    void helpSteer2() {
        Result r = run("helpsteer2.jsonl");
        assertEquals(3, r.records().size());
        PreferenceRecord first = r.records().get(0);
        assertEquals(3.0, first.margin());
        assertEquals(msgs("assistant", "4"), first.chosen());
        assertEquals(List.of(new Label(null, Preference.CHOSEN, 3.0), new Label(null, Preference.CHOSEN, 2.0),
                new Label(null, Preference.CHOSEN, 3.0)), first.labels());
        PreferenceRecord multi = r.records().get(1);
        assertEquals(msgs("user", "Hi there", "assistant", "Hello! How can I help?", "user", "Tell me a joke."), multi.prompt());
        assertEquals(1, ((Number) multi.meta().get("chosen_position")).intValue());
        assertEquals("validation", multi.split());
        assertEquals(new Label(null, Preference.REJECTED, 1.0), multi.labels().get(2), "rater -1 favoured response_1");
        assertTrue(r.records().get(2).tie());
    }

    @Test
    void arena55kCsv() {
        Result r = run("arena-55k.csv");
        assertEquals("src/test/resources/fixtures/arena-55k.csv: detected format arena-55k (from the first 4 records)", r.log().get(0));
        assertEquals(3, r.records().size());
        assertEquals(List.of("field 'response_a' turn 1 is null"), r.reasons());
        PreferenceRecord multi = r.records().get(1);
        assertEquals(msgs("user", "Hello"), multi.prompt());
        assertEquals(msgs("assistant", "Hey", "user", "Write a haiku, please", "assistant", "Leaves fall down"), multi.chosen());
        assertEquals("vicuna-13b", multi.meta().get("chosen_model"));
        assertTrue(r.records().get(2).tie());
        assertTrue(r.rejects().get(0).startsWith("src/test/resources/fixtures/arena-55k.csv:5: "), r.rejects().get(0));
    }

    @Test
    void arenaConversations() {
        Result r = run("arena-conversations.jsonl");
        assertEquals(3, r.records().size());
        PreferenceRecord second = r.records().get(1);
        assertEquals(msgs("user", "Hallo"), second.prompt());
        assertEquals("alpaca-13b", second.meta().get("chosen_model"));
        assertEquals(List.of("arena_user_2"), second.annotators());
        PreferenceRecord tie = r.records().get(2);
        assertTrue(tie.tie());
        assertEquals("bothbad", tie.meta().get("tie_kind"));
    }

    @Test
    void labelStudioPairwiseRankerAndCancelled() {
        Result r = run("label-studio.json");
        assertEquals(4, r.summary().inputRecords());
        assertEquals(6, r.summary().read());
        assertEquals(List.of("every annotation was cancelled (2 cancelled)"), r.reasons());
        List<PreferenceRecord> rs = r.records();
        assertEquals(5, rs.size());
        PreferenceRecord pairwise = rs.get(0);
        assertEquals(msgs("assistant", "Hello there, friend!"), pairwise.chosen());
        assertEquals(List.of(Label.of("1", Preference.CHOSEN), Label.of("2", Preference.CHOSEN)), pairwise.labels(),
                "the cancelled annotation is skipped");
        assertEquals(1, ((Number) pairwise.meta().get("cancelled_annotations")).intValue());
        assertEquals("ls-task-1", pairwise.groupId());
        // ranker: user 1 s1 > s3 > s2 (value.ranker.results), user 2 s3 > s1 > s2 (value.rank)
        List<PreferenceRecord> ranker = rs.subList(1, 4);
        assertEquals(1, ranker.stream().map(PreferenceRecord::groupId).distinct().count());
        assertEquals(msgs("assistant", "The weather is nice."), ranker.get(0).chosen());
        assertEquals("s2", ranker.get(0).meta().get("rejected_candidate"));
        assertTrue(ranker.get(1).tie(), "s1 vs s3: one vote each");
        assertEquals("s3", ranker.get(2).meta().get("chosen_candidate"));
        assertTrue(rs.get(4).tie(), "pairwise left vs right");
        assertBalanced(r);
    }

    @Test
    void argillaRanking() {
        Result r = run("argilla.jsonl");
        assertEquals(List.of("no submitted response for question 'ranking' (1 draft or discarded)"), r.reasons());
        List<PreferenceRecord> rs = r.records();
        assertEquals(3, rs.size());
        assertEquals(msgs("assistant", "Biscuit"), rs.get(0).chosen());
        assertFalse(rs.get(0).tie(), "u-1 prefers response-1, u-2 ranks them equal");
        assertEquals(List.of(Label.of("u-1", Preference.CHOSEN), Label.of("u-2", Preference.TIE)), rs.get(0).labels());
        assertTrue(rs.get(1).tie());
        assertEquals(msgs("assistant", "Sir Barksalot"), rs.get(2).chosen());
        assertEquals(List.of("u-1", "u-2"), rs.get(2).annotators(), "the discarded response of u-3 is skipped");
        assertEquals("ex-1", rs.get(2).groupId());
    }

    @Test
    void aRankingWithoutSourceIdStillSharesOneGroup() throws Exception {
        Path in = tmp.resolve("argilla.jsonl");
        java.nio.file.Files.writeString(in, "{\"prompt\": \"p\", \"a\": \"x\", \"b\": \"y\", \"c\": \"z\", \"ranking\": [{\"user_id\": \"u\", "
                + "\"status\": \"submitted\", \"value\": [{\"rank\": 1, \"value\": \"a\"}, {\"rank\": 2, \"value\": \"b\"}, {\"rank\": 3, \"value\": \"c\"}]}]}\n");
        Result r = Fixtures.run(tmp, in);
        assertEquals(3, r.records().size());
        assertEquals(1, r.records().stream().map(PreferenceRecord::groupId).distinct().count());
        assertTrue(r.records().get(0).groupId().startsWith("ranking-"));
    }

    @Test
    void crowdCsv() {
        Result r = run("crowd.csv");
        assertEquals(List.of("skipped: assignment rejected by the requester (AssignmentStatus is Rejected)",
                "field 'Answer.choice' must be one of a, b, tie, equal, same, both, but is: maybe"), r.reasons());
        List<PreferenceRecord> rs = r.records();
        assertEquals(3, rs.size());
        assertEquals(msgs("assistant", "Mass attracts mass."), rs.get(0).chosen());
        assertEquals(msgs("assistant", "Gravity is when\nthings fall, \"basically\"."), rs.get(1).chosen(), "answer B, any case");
        assertEquals("H1", rs.get(1).groupId());
        assertTrue(rs.get(2).tie());
        assertEquals(msgs("assistant", "धन्यवाद"), rs.get(2).chosen());

        Result deduped = Fixtures.run(tmp, "auto", FormatOptions.NONE, true, fixture("crowd.csv"));
        PreferenceRecord merged = deduped.records().get(0);
        assertTrue(merged.tie(), "W1 says a, W2 says b: majority of an even split is a tie");
        assertEquals(List.of("W1", "W2"), merged.annotators());
        assertEquals(Map.of("chosen", 1, "rejected", 1, "tie", 0), merged.meta().get("votes"));
    }

    @Test
    void crowdColumnMapping() {
        Result r = run("crowd.csv", "crowd.candidates=Input.response_b,Input.response_a", "crowd.answer_values=b,a");
        assertEquals(msgs("assistant", "Mass attracts mass."), r.records().get(0).chosen());
        assertEquals(1, ((Number) r.records().get(0).meta().get("chosen_position")).intValue());
    }
}
