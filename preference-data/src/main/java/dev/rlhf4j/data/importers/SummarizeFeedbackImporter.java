package dev.rlhf4j.data.importers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.data.record.InvalidRecordException;
import dev.rlhf4j.data.record.Label;
import dev.rlhf4j.data.record.Message;
import dev.rlhf4j.data.record.Preference;
import dev.rlhf4j.data.record.PreferenceRecord;
import java.util.List;

/**
 * OpenAI summarize-from-feedback comparisons: {@code info{id, post, title, subreddit}} (Reddit) or
 * {@code info{id, site, title, article}} (CNN/DM), {@code summaries[2]{text, policy, note}},
 * {@code choice} (0 or 1), {@code worker}, {@code batch}, {@code split}, {@code extra{confidence}}.
 *
 * <p>Prompt: {@code "SUBREDDIT: r/{subreddit}\n\nTITLE: {title}\n\nPOST: {post}\n\nTL;DR:"}, where
 * a subreddit already written as {@code r/name} (as in {@code edit_b2_eval_test}) is not prefixed
 * twice; news: {@code "Article:\n{article}\n\nTL;DR:"}. Summary texts are trimmed (most start with
 * a space). {@code worker} is the annotator; {@code group_id} is {@code info.id} when present
 * (some files have no id). Meta: {@code batch}, {@code confidence}, {@code chosen_policy},
 * {@code rejected_policy}, {@code chosen_note}, {@code rejected_note}, {@code chosen_position}
 * (= choice: the summary's index, taken as the order shown).
 *
 * <p>{@code extra.confidence} is a 1..9 scale running from "summary 0 is much better" (1) to
 * "summary 1 is much better" (9), as the data shows (choice 0 goes with 1–4, choice 1 with 6–9).
 * It becomes the label's graded strength |confidence − 5| for ordinal agreement.
 */
final class SummarizeFeedbackImporter implements PreferenceImporter {

    static final String NAME = "summarize-from-feedback";

    static boolean detect(JsonNode r) {
        return r.has("info") && r.has("summaries") && r.has("choice");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<PreferenceRecord> convert(JsonNode record) {
        Fields.object(record);
        JsonNode info = Fields.obj(record, "info");
        JsonNode summaries = Fields.array(record, "summaries");
        if (summaries.size() != 2) {
            throw new InvalidRecordException("field 'summaries' must hold 2 summaries, but holds " + summaries.size());
        }
        long choice = Fields.integer(record, "choice");
        if (choice != 0 && choice != 1) {
            throw new InvalidRecordException("field 'choice' must be 0 or 1, but is: " + choice);
        }
        String[] texts = new String[2];
        for (int i = 0; i < 2; i++) {
            JsonNode s = summaries.get(i);
            if (!s.isObject()) {
                throw new InvalidRecordException("field 'summaries' entry " + i + " must be an object with 'text'");
            }
            texts[i] = textOf(s, "summaries[" + i + "].text").strip();
        }
        String prompt;
        if (Fields.has(info, "article")) {
            prompt = "Article:\n" + textOf(info, "info.article") + "\n\nTL;DR:";
        } else {
            String subreddit = textOf(info, "info.subreddit");
            if (subreddit.startsWith("r/")) {
                subreddit = subreddit.substring(2);
            }
            prompt = "SUBREDDIT: r/" + subreddit + "\n\nTITLE: " + textOf(info, "info.title")
                    + "\n\nPOST: " + textOf(info, "info.post") + "\n\nTL;DR:";
        }
        int c = (int) choice;
        int r = 1 - c;
        String worker = Fields.optText(record, "worker");
        Double confidence = null;
        if (record.has("extra") && record.get("extra").isObject()) {
            confidence = Fields.optNumber(record.get("extra"), "confidence");
        }
        Double strength = confidence != null && confidence >= 1 && confidence <= 9
                ? Math.abs(confidence - 5) : null;
        return List.of(PreferenceRecord.builder()
                .prompt(List.of(Message.user(prompt)))
                .chosen(List.of(Message.assistant(texts[c])))
                .rejected(List.of(Message.assistant(texts[r])))
                .groupId(Fields.optText(info, "id"))
                .plainText()
                .source(NAME)
                .split(Fields.optText(record, "split"))
                .label(new Label(worker, Preference.CHOSEN, strength))
                .chosenPosition(c)
                .meta("batch", Fields.optText(record, "batch"))
                .meta("confidence", confidence)
                .meta("chosen_policy", Fields.optText(summaries.get(c), "policy"))
                .meta("rejected_policy", Fields.optText(summaries.get(r), "policy"))
                .meta("chosen_note", Fields.optText(summaries.get(c), "note"))
                .meta("rejected_note", Fields.optText(summaries.get(r), "note"))
                .build());
    }

    private static String textOf(JsonNode obj, String path) {
        String key = path.substring(path.lastIndexOf('.') + 1);
        JsonNode v = obj.get(key);
        if (v == null || v.isNull()) {
            throw new InvalidRecordException("missing field '" + path + "'");
        }
        if (!v.isTextual()) {
            throw new InvalidRecordException("field '" + path + "' must be a string, but is: " + dev.rlhf4j.data.record.RecordJson.kind(v));
        }
        return v.asText();
    }
}
