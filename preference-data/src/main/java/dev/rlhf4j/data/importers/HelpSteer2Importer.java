package dev.rlhf4j.data.importers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.data.record.InvalidRecordException;
import dev.rlhf4j.data.record.Label;
import dev.rlhf4j.data.record.Message;
import dev.rlhf4j.data.record.Preference;
import dev.rlhf4j.data.record.PreferenceRecord;
import java.util.ArrayList;
import java.util.List;

/**
 * HelpSteer2 preference: {@code prompt, response_1, response_2, preference_strength} in −3..3
 * (negative: response_1 better, 0: tie), {@code split}, {@code preference_statement},
 * {@code all_preferences_unprocessed[{strength, justification}]}. Margin = |strength|.
 *
 * <p>A multi-turn prompt is one string whose later turns start with {@code <extra_id_1>User} or
 * {@code <extra_id_1>Assistant} followed by a newline; the text before the first marker is the
 * first user turn. The prompt must end with a user turn.
 *
 * <p>Each entry of {@code all_preferences_unprocessed} becomes a {@link Label} without an
 * annotator id (the dataset has none) and with strength |strength|, for the agreement statistics.
 * Ties follow the global {@code ties} option. {@code chosen_position} is 0 when response_1 won.
 */
final class HelpSteer2Importer implements PreferenceImporter {

    static final String NAME = "helpsteer2";
    static final String MARKER = "<extra_id_1>";

    static boolean detect(JsonNode r) {
        return r.has("response_1") && r.has("response_2") && r.has("preference_strength");
    }

    private final boolean keepTies;

    HelpSteer2Importer(FormatOptions options) {
        this.keepTies = options.keepTies();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<PreferenceRecord> convert(JsonNode record) {
        Fields.object(record);
        List<Message> prompt = turns(Fields.text(record, "prompt"));
        String r1 = Fields.text(record, "response_1");
        String r2 = Fields.text(record, "response_2");
        double s = Fields.number(record, "preference_strength");
        if (s != Math.rint(s) || s < -3 || s > 3) {
            throw new InvalidRecordException("field 'preference_strength' must be an integer from -3 to 3, but is: "
                    + record.get("preference_strength").asText());
        }
        boolean tie = s == 0;
        if (tie && !keepTies) {
            throw new InvalidRecordException("skipped: preference_strength 0 is a tie (ties=skip)");
        }
        boolean firstWins = s <= 0;
        PreferenceRecord.Builder b = PreferenceRecord.builder()
                .prompt(prompt)
                .chosen(List.of(Message.assistant(firstWins ? r1 : r2)))
                .rejected(List.of(Message.assistant(firstWins ? r2 : r1)))
                .tie(tie)
                .margin(Math.abs(s))
                .source(NAME)
                .split(Fields.optText(record, "split"))
                .chosenPosition(firstWins ? 0 : 1);
        if (Fields.has(record, "all_preferences_unprocessed")) {
            for (JsonNode p : Fields.array(record, "all_preferences_unprocessed")) {
                JsonNode v = p.isObject() ? p.get("strength") : p;
                if (v == null || v.isNull()) {
                    throw new InvalidRecordException("field 'all_preferences_unprocessed' entry has no 'strength'");
                }
                double rs = Fields.numberValue(v, "field 'all_preferences_unprocessed' strength");
                // rater's view of response_1 vs response_2, turned into this record's orientation
                Preference forFirst = rs < 0 ? Preference.CHOSEN : rs > 0 ? Preference.REJECTED : Preference.TIE;
                Preference pref = firstWins ? forFirst : forFirst.flipped();
                b.label(new Label(null, pref, pref == Preference.TIE ? null : Math.abs(rs)));
            }
        }
        return List.of(b.build());
    }

    /** Splits a prompt with {@code <extra_id_1>User} / {@code <extra_id_1>Assistant} markers. */
    static List<Message> turns(String prompt) {
        List<Message> out = new ArrayList<>();
        String[] parts = prompt.split(MARKER, -1);
        out.add(Message.user(parts[0].strip()));
        for (int i = 1; i < parts.length; i++) {
            String part = parts[i];
            String role;
            if (part.startsWith("User")) {
                role = Message.USER;
                part = part.substring(4);
            } else if (part.startsWith("Assistant")) {
                role = Message.ASSISTANT;
                part = part.substring(9);
            } else {
                throw new InvalidRecordException("prompt turn " + (i + 1) + " must start with '" + MARKER
                        + "User' or '" + MARKER + "Assistant', but starts with: '" + MARKER
                        + dev.rlhf4j.data.record.RecordJson.abbreviate(part.replace("\n", "\\n")) + "'");
            }
            out.add(new Message(role, part.strip()));
        }
        if (!out.get(out.size() - 1).role().equals(Message.USER)) {
            throw new InvalidRecordException("prompt must end with a user turn, but ends with an assistant turn");
        }
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i).content().isEmpty()) {
                throw new InvalidRecordException("prompt turn " + (i + 1) + " is empty");
            }
        }
        return out;
    }
}
