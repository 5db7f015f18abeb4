package dev.rlhf4j.data.importers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.data.record.InvalidRecordException;
import dev.rlhf4j.data.record.Message;
import dev.rlhf4j.data.record.PreferenceRecord;
import java.util.ArrayList;
import java.util.List;

/**
 * Chatbot Arena, the 55k CSV/Parquet layout: {@code id, model_a, model_b, prompt, response_a,
 * response_b, winner_model_a, winner_model_b, winner_tie}; {@code prompt} and {@code response_*}
 * are JSON-encoded lists of strings, one per turn (real lists are accepted too).
 *
 * <p>The two models answered every turn differently, so only the first user turn is a shared
 * prompt: {@code prompt} = [user turn 1], and each side = [assistant reply 1, user turn 2,
 * assistant reply 2, ...]. A {@code null} turn (a model error in the public data) is rejected.
 * Exactly one winner flag must be 1; a tie is kept as a tie record with model A first (or skipped
 * with {@code ties=skip}). Model A was shown first ({@code chosen_position}). Meta:
 * {@code arena_id}, {@code chosen_model}, {@code rejected_model}.
 */
final class ArenaCsvImporter implements PreferenceImporter {

    static final String NAME = "arena-55k";

    static boolean detect(JsonNode r) {
        return r.has("model_a") && r.has("response_a") && r.has("winner_model_a");
    }

    private final boolean keepTies;

    ArenaCsvImporter(FormatOptions options) {
        this.keepTies = options.keepTies();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<PreferenceRecord> convert(JsonNode record) {
        Fields.object(record);
        List<String> prompts = turns(record, "prompt");
        List<String> a = turns(record, "response_a");
        List<String> b = turns(record, "response_b");
        if (a.size() != prompts.size() || b.size() != prompts.size()) {
            throw new InvalidRecordException("fields 'prompt', 'response_a', 'response_b' must have the same number of turns, but have "
                    + prompts.size() + ", " + a.size() + ", " + b.size());
        }
        boolean winA = Fields.flag(record, "winner_model_a");
        boolean winB = Fields.flag(record, "winner_model_b");
        boolean tie = Fields.flag(record, "winner_tie");
        if ((winA ? 1 : 0) + (winB ? 1 : 0) + (tie ? 1 : 0) != 1) {
            throw new InvalidRecordException("exactly one of winner_model_a, winner_model_b, winner_tie must be 1, but they are "
                    + (winA ? 1 : 0) + ", " + (winB ? 1 : 0) + ", " + (tie ? 1 : 0));
        }
        if (tie && !keepTies) {
            throw new InvalidRecordException("skipped: winner_tie is 1 (ties=skip)");
        }
        List<Message> sideA = side(prompts, a);
        List<Message> sideB = side(prompts, b);
        boolean aFirst = !winB;
        String modelA = Fields.optText(record, "model_a");
        String modelB = Fields.optText(record, "model_b");
        return List.of(PreferenceRecord.builder()
                .prompt(List.of(Message.user(prompts.get(0))))
                .chosen(aFirst ? sideA : sideB)
                .rejected(aFirst ? sideB : sideA)
                .tie(tie)
                .source(NAME)
                .chosenPosition(aFirst ? 0 : 1)
                .meta("arena_id", Fields.optText(record, "id"))
                .meta("chosen_model", aFirst ? modelA : modelB)
                .meta("rejected_model", aFirst ? modelB : modelA)
                .build());
    }

    private static List<Message> side(List<String> prompts, List<String> replies) {
        List<Message> out = new ArrayList<>();
        for (int t = 0; t < replies.size(); t++) {
            if (t > 0) {
                out.add(Message.user(prompts.get(t)));
            }
            out.add(Message.assistant(replies.get(t)));
        }
        return out;
    }

    private static List<String> turns(JsonNode record, String key) {
        JsonNode list = Fields.array(record, key);
        if (list.isEmpty()) {
            throw new InvalidRecordException("field '" + key + "' has no turns");
        }
        List<String> out = new ArrayList<>();
        int t = 0;
        for (JsonNode v : list) {
            t++;
            if (v.isNull()) {
                throw new InvalidRecordException("field '" + key + "' turn " + t + " is null");
            }
            if (!v.isTextual()) {
                throw new InvalidRecordException("field '" + key + "' turn " + t + " must be a string, but is: "
                        + dev.rlhf4j.data.record.RecordJson.kind(v));
            }
            out.add(v.asText());
        }
        return out;
    }
}
