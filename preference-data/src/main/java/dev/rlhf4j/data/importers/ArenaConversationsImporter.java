package dev.rlhf4j.data.importers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.data.record.InvalidRecordException;
import dev.rlhf4j.data.record.Label;
import dev.rlhf4j.data.record.Message;
import dev.rlhf4j.data.record.Preference;
import dev.rlhf4j.data.record.PreferenceRecord;
import java.util.List;

/**
 * Chatbot Arena, the conversations layout (also MT-bench human judgements): {@code question_id,
 * model_a, model_b, winner} in {{@code model_a, model_b, tie, tie (bothbad)}}, {@code judge},
 * {@code conversation_a/b[{role, content}]}, {@code turn}, {@code language}. The prompt is the
 * longest common prefix of the two conversations (the first user turn; later user turns stay in
 * each side, as the models' earlier replies differ). {@code judge} is the annotator. Ties are kept
 * (both kinds) or skipped with {@code ties=skip}; {@code meta.tie_kind} is {@code bothbad} for
 * "tie (bothbad)". Meta: {@code question_id}, {@code chosen_model}, {@code rejected_model},
 * {@code language}, {@code turn}; model A was shown first.
 */
final class ArenaConversationsImporter implements PreferenceImporter {

    static final String NAME = "arena-conversations";

    static boolean detect(JsonNode r) {
        return r.has("conversation_a") && r.has("conversation_b") && r.has("winner");
    }

    private final boolean keepTies;

    ArenaConversationsImporter(FormatOptions options) {
        this.keepTies = options.keepTies();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<PreferenceRecord> convert(JsonNode record) {
        Fields.object(record);
        List<Message> a = Fields.messages(Fields.required(record, "conversation_a"), "conversation_a");
        List<Message> b = Fields.messages(Fields.required(record, "conversation_b"), "conversation_b");
        String winner = Fields.text(record, "winner").trim();
        boolean tie;
        boolean aWins;
        switch (winner) {
            case "model_a" -> { tie = false; aWins = true; }
            case "model_b" -> { tie = false; aWins = false; }
            case "tie", "tie (bothbad)" -> { tie = true; aWins = true; }
            default -> throw new InvalidRecordException(
                    "field 'winner' must be one of model_a, model_b, tie, tie (bothbad), but is: " + winner);
        }
        if (tie && !keepTies) {
            throw new InvalidRecordException("skipped: winner is " + winner + " (ties=skip)");
        }
        if (a.equals(b)) {
            throw new InvalidRecordException("chosen and rejected are identical");
        }
        Conversations.Split split = Conversations.implicitPrompt(a, b);
        String modelA = Fields.optText(record, "model_a");
        String modelB = Fields.optText(record, "model_b");
        String judge = Fields.optText(record, "judge");
        return List.of(PreferenceRecord.builder()
                .prompt(split.prompt())
                .chosen(aWins ? split.chosen() : split.rejected())
                .rejected(aWins ? split.rejected() : split.chosen())
                .tie(tie)
                .source(NAME)
                .label(Label.of(judge, tie ? Preference.TIE : Preference.CHOSEN))
                .chosenPosition(aWins ? 0 : 1)
                .meta("question_id", Fields.optText(record, "question_id"))
                .meta("chosen_model", aWins ? modelA : modelB)
                .meta("rejected_model", aWins ? modelB : modelA)
                .meta("tie_kind", winner.equals("tie (bothbad)") ? "bothbad" : null)
                .meta("language", Fields.optText(record, "language"))
                .meta("turn", Fields.optNumber(record, "turn"))
                .build());
    }
}
