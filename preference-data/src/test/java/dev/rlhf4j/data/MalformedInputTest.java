package dev.rlhf4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.data.importers.FormatOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One malformed record per rejection reason, through the whole import; the message is asserted. */
class MalformedInputTest {

    @TempDir
    Path tmp;

    static Stream<Arguments> cases() {
        return Stream.of(
                // any format: the container and the record shape
                Arguments.of("trl", "", "{\"chosen\": \"a\", ", "malformed JSON: Unexpected end-of-input within/between Object entries (column 17)"),
                Arguments.of("trl", "", "{\"chosen\": \"a\"} x", "malformed JSON: Unrecognized token 'x': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false') (column 17)"),
                Arguments.of("trl", "", "[1, 2]", "record must be a JSON object, but is: a list"),
                // checks every record passes (RecordValidator)
                Arguments.of("trl", "", "{\"prompt\": \"p\", \"chosen\": \"  \", \"rejected\": \"b\"}", "chosen text is empty"),
                Arguments.of("trl", "", "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"\"}", "rejected text is empty"),
                Arguments.of("trl", "", "{\"prompt\": \"p\", \"chosen\": \"same\", \"rejected\": \"same\"}", "chosen and rejected are identical"),
                Arguments.of("trl", "", "{\"chosen\": [{\"role\": \"user\", \"content\": \"q\"}], \"rejected\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"assistant\", \"content\": \"a\"}]}", "chosen is empty"),
                Arguments.of("trl", "", "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\", \"margin\": \"big\"}", "field 'margin' must be a number, but is: \"big\""),
                // trl
                Arguments.of("trl", "", "{\"prompt\": \"p\", \"chosen\": \"a\"}", "missing field 'rejected'"),
                Arguments.of("trl", "", "{\"chosen\": \"a\", \"rejected\": [{\"role\": \"assistant\", \"content\": \"b\"}]}", "fields 'chosen' and 'rejected' must both be strings or both be lists of messages, but chosen is a string and rejected is a list"),
                Arguments.of("trl", "", "{\"chosen\": [{\"content\": \"a\"}], \"rejected\": [{\"role\": \"assistant\", \"content\": \"b\"}]}", "field 'chosen' message 1 has no string 'role'"),
                Arguments.of("trl", "", "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\", \"score_chosen\": 1, \"score_rejected\": 2}", "score_chosen (1.0) is lower than score_rejected (2.0)"),
                // canonical
                Arguments.of("rlhf4j", "", "{\"id\": \"x\", \"prompt\": [], \"chosen\": [{\"role\": \"assistant\", \"content\": \"a\"}], \"rejected\": [{\"role\": \"assistant\", \"content\": \"b\"}], \"tie\": false, \"colour\": 1}", "unknown key 'colour' (expected id, prompt, chosen, rejected, tie, margin, group_id, source, split, annotators, labels, meta)"),
                Arguments.of("rlhf4j", "", "{\"id\": \"x\", \"prompt\": [], \"rejected\": [{\"role\": \"assistant\", \"content\": \"b\"}], \"tie\": false}", "missing key 'chosen'"),
                Arguments.of("rlhf4j", "", "{\"id\": \"x\", \"prompt\": [], \"chosen\": [{\"role\": \"assistant\", \"content\": \"a\"}], \"rejected\": [{\"role\": \"assistant\", \"content\": \"b\"}], \"tie\": \"no\"}", "key 'tie' must be true or false, but is: \"no\""),
                Arguments.of("rlhf4j", "", "{\"id\": \"x\", \"prompt\": \"hi\", \"chosen\": [], \"rejected\": [], \"tie\": false}", "key 'prompt' must be a list of {role, content} messages, but is: a string"),
                Arguments.of("rlhf4j", "", "{\"id\": \"x\", \"prompt\": [], \"chosen\": [{\"role\": \"assistant\", \"content\": \"a\"}], \"rejected\": [{\"role\": \"assistant\", \"content\": \"b\"}], \"tie\": false, \"labels\": [{\"preference\": \"left\"}]}", "label preference must be one of chosen, rejected, tie, but is: left"),
                // hh-rlhf
                Arguments.of("hh-rlhf", "", "{\"chosen\": \"\\n\\nHuman: A\\n\\nAssistant: x\", \"rejected\": \"\\n\\nHuman: B\\n\\nAssistant: x\"}", "chosen and rejected differ before the first assistant turn"),
                Arguments.of("hh-rlhf", "", "{\"chosen\": \"Hello\\n\\nAssistant: x\", \"rejected\": \"Hello\\n\\nAssistant: y\"}", "transcript must start with '\\n\\nHuman:', but starts with: Hello"),
                Arguments.of("hh-rlhf", "", "{\"chosen\": \"\\n\\nHuman: A\\n\\nAssistant: x\", \"rejected\": \"\\n\\nHuman: A\\n\\nAssistant: \"}", "rejected final reply is empty"),
                Arguments.of("hh-rlhf", "", "{\"chosen\": 5, \"rejected\": \"\\n\\nHuman: A\\n\\nAssistant: x\"}", "field 'chosen' must be a string, but is: a number (5)"),
                // summarize-from-feedback
                Arguments.of("summarize-from-feedback", "", "{\"info\": {\"post\": \"p\", \"title\": \"t\", \"subreddit\": \"s\"}, \"summaries\": [{\"text\": \"a\"}], \"choice\": 0}", "field 'summaries' must hold 2 summaries, but holds 1"),
                Arguments.of("summarize-from-feedback", "", "{\"info\": {\"post\": \"p\", \"title\": \"t\", \"subreddit\": \"s\"}, \"summaries\": [{\"text\": \"a\"}, {\"text\": \"b\"}], \"choice\": 2}", "field 'choice' must be 0 or 1, but is: 2"),
                Arguments.of("summarize-from-feedback", "", "{\"info\": {\"title\": \"t\", \"subreddit\": \"s\"}, \"summaries\": [{\"text\": \"a\"}, {\"text\": \"b\"}], \"choice\": 1}", "missing field 'info.post'"),
                // shp
                Arguments.of("shp", "", "{\"post_id\": \"p\", \"history\": \"h\", \"human_ref_A\": \"a\", \"human_ref_B\": \"b\", \"labels\": 3}", "field 'labels' must be 0 or 1, but is: 3"),
                Arguments.of("shp", "", "{\"post_id\": \"p\", \"history\": \"h\", \"human_ref_A\": \"a\", \"human_ref_B\": \"b\", \"labels\": 1, \"score_ratio\": 0.5}", "field 'score_ratio' must be at least 1, but is: 0.5"),
                // ultrafeedback
                Arguments.of("ultrafeedback", "", "{\"instruction\": \"i\", \"completions\": [{\"response\": \"a\", \"overall_score\": 5}, {\"response\": \"b\"}]}", "fewer than 2 completions have a response and a score (ultrafeedback.score=overall): 1 of 2"),
                Arguments.of("ultrafeedback", "ultrafeedback.score=helpfulness", "{\"instruction\": \"i\", \"completions\": [{\"response\": \"a\", \"annotations\": {\"helpfulness\": {\"Rating\": \"great\"}}}]}", "completion 1 helpfulness Rating must be 1-5 or N/A, but is: great"),
                Arguments.of("ultrafeedback", "", "{\"instruction\": \"i\", \"completions\": \"none\"}", "field 'completions' holds malformed JSON: Unrecognized token 'none': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"),
                // helpsteer2
                Arguments.of("helpsteer2", "", "{\"prompt\": \"p\", \"response_1\": \"a\", \"response_2\": \"b\", \"preference_strength\": 5}", "field 'preference_strength' must be an integer from -3 to 3, but is: 5"),
                Arguments.of("helpsteer2", "", "{\"prompt\": \"p<extra_id_1>Bot\\nhi\", \"response_1\": \"a\", \"response_2\": \"b\", \"preference_strength\": 1}", "prompt turn 2 must start with '<extra_id_1>User' or '<extra_id_1>Assistant', but starts with: '<extra_id_1>Bot\\nhi'"),
                Arguments.of("helpsteer2", "", "{\"prompt\": \"p<extra_id_1>Assistant\\nhi\", \"response_1\": \"a\", \"response_2\": \"b\", \"preference_strength\": 1}", "prompt must end with a user turn, but ends with an assistant turn"),
                // arena
                Arguments.of("arena-55k", "", "{\"prompt\": \"[\\\"q\\\"]\", \"response_a\": \"[\\\"a\\\"]\", \"response_b\": \"[\\\"b\\\"]\", \"winner_model_a\": 1, \"winner_model_b\": 1, \"winner_tie\": 0}", "exactly one of winner_model_a, winner_model_b, winner_tie must be 1, but they are 1, 1, 0"),
                Arguments.of("arena-55k", "", "{\"prompt\": \"[\\\"q\\\", \\\"r\\\"]\", \"response_a\": \"[\\\"a\\\"]\", \"response_b\": \"[\\\"b\\\", \\\"c\\\"]\", \"winner_model_a\": 1, \"winner_model_b\": 0, \"winner_tie\": 0}", "fields 'prompt', 'response_a', 'response_b' must have the same number of turns, but have 2, 1, 2"),
                Arguments.of("arena-55k", "", "{\"prompt\": \"[\\\"q\\\"]\", \"response_a\": \"[\\\"a\\\"]\", \"response_b\": \"[\\\"b\\\"]\", \"winner_model_a\": \"yes\", \"winner_model_b\": 0, \"winner_tie\": 0}", "field 'winner_model_a' must be 0 or 1, but is: \"yes\""),
                Arguments.of("arena-conversations", "", "{\"conversation_a\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"assistant\", \"content\": \"a\"}], \"conversation_b\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"assistant\", \"content\": \"b\"}], \"winner\": \"model_c\"}", "field 'winner' must be one of model_a, model_b, tie, tie (bothbad), but is: model_c"),
                // label-studio
                Arguments.of("label-studio", "", "{\"id\": 1, \"data\": {\"prompt\": \"p\", \"answer1\": \"a\", \"answer2\": \"b\"}, \"annotations\": []}", "task has no annotations"),
                Arguments.of("label-studio", "", "{\"id\": 1, \"data\": {\"prompt\": \"p\", \"answer1\": \"a\", \"answer2\": \"b\"}, \"annotations\": [{\"result\": [{\"type\": \"choices\", \"value\": {}}]}]}", "no pairwise or ranker result in any completed annotation"),
                Arguments.of("label-studio", "", "{\"id\": 1, \"data\": {\"prompt\": \"p\", \"answer1\": \"a\", \"answer2\": \"b\"}, \"annotations\": [{\"result\": [{\"type\": \"pairwise\", \"value\": {\"selected\": \"middle\"}}]}]}", "pairwise value.selected must be \"left\" or \"right\", but is: \"middle\""),
                Arguments.of("label-studio", "", "{\"id\": 1, \"data\": {\"prompt\": \"p\", \"answer1\": \"a\"}, \"annotations\": [{\"result\": [{\"type\": \"pairwise\", \"value\": {\"selected\": \"left\"}}]}]}", "task data has no field 'answer2' (fields: prompt, answer1); set label_studio.candidates"),
                Arguments.of("label-studio", "", "{\"id\": 1, \"data\": {\"prompt\": \"p\", \"items\": [{\"id\": \"a\", \"body\": \"x\"}, {\"id\": \"b\", \"body\": \"y\"}]}, \"annotations\": [{\"result\": [{\"type\": \"ranker\", \"to_name\": \"items\", \"value\": {\"ranker\": {\"items\": [\"a\", \"zz\"]}}}]}]}", "ranker result names item 'zz', which is not in data.items"),
                Arguments.of("label-studio", "", "{\"id\": 1, \"data\": {\"prompt\": \"p\", \"items\": [{\"id\": \"a\", \"body\": \"x\"}, {\"id\": \"b\", \"body\": \"y\"}]}, \"annotations\": [{\"result\": [{\"type\": \"ranker\", \"value\": {\"ranker\": {\"good\": [\"a\"], \"bad\": [\"b\"]}}}]}]}", "ranker result has several buckets (good, bad); set label_studio.ranker_bucket"),
                // argilla
                Arguments.of("argilla", "", "{\"prompt\": \"p\", \"r1\": \"a\"}", "no ranking question column (a list of {user_id, value, status} with list values); set argilla.question"),
                Arguments.of("argilla", "", "{\"prompt\": \"p\", \"r1\": \"a\", \"ranking\": [{\"user_id\": \"u\", \"status\": \"submitted\", \"value\": [{\"rank\": 1, \"value\": \"r1\"}, {\"rank\": 2, \"value\": \"r9\"}]}]}", "ranking option 'r9' has no text field 'r9' in the record; map it with argilla.candidates=r9:FIELD"),
                // crowd
                Arguments.of("crowd-csv", "", "{\"HITId\": \"h\", \"AssignmentId\": \"a\", \"WorkerId\": \"w\", \"Input.response_a\": \"x\", \"Input.response_b\": \"y\", \"Answer.choice\": \"a\"}", "missing column 'Input.prompt' (columns: HITId, AssignmentId, WorkerId, Input.response_a, Input.response_b, Answer.choice); set crowd.prompt"));
    }

    @ParameterizedTest(name = "{0}: {3}")
    @MethodSource("cases")
    void rejectedWithReason(String format, String option, String line, String reason) throws Exception {
        Path in = tmp.resolve("in.jsonl");
        Files.writeString(in, "\n" + line + "\n", StandardCharsets.UTF_8);
        FormatOptions options = option.isEmpty() ? FormatOptions.NONE : FormatOptions.parse(List.of(option));
        Fixtures.Result r = Fixtures.run(tmp, format, options, false, in);
        assertEquals(0, r.records().size());
        assertEquals(1, r.summary().rejected());
        assertEquals(in + ":2: " + reason, r.rejects().get(0), "the blank first line still counts for line numbers");
        assertEquals(line, r.rejects().get(1), "the raw record follows its reason");
    }

    @Test
    void csvRowWithTooManyCells() throws Exception {
        Path in = tmp.resolve("in.csv");
        Files.writeString(in, "prompt,chosen,rejected\n\"p\",\"a\",\"b\"\n\"multi\nline\",a,b,extra\n", StandardCharsets.UTF_8);
        Fixtures.Result r = Fixtures.run(tmp, "trl", FormatOptions.NONE, false, in);
        assertEquals(1, r.records().size());
        assertEquals(List.of(in + ":3: expected 3 CSV columns, found 4"), List.of(r.rejects().get(0)));
        assertTrue(r.rejects().get(1).contains("\"_extra1\":\"extra\""));
    }
}
