package dev.rlhf4j.rm.data;

import dev.rlhf4j.core.tokenizer.ChatMessage;
import dev.rlhf4j.data.record.Message;
import dev.rlhf4j.data.record.PreferenceRecord;
import dev.rlhf4j.data.record.Votes;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One labelled comparison as the reward-model stage reads it: a canonical preference record
 * (DESIGN.md) or a RewardBench row, with the prompt and both responses as chat messages.
 *
 * @param id the record's id (canonical: content-derived; RewardBench: its {@code id})
 * @param prompt the conversation before the responses (may be empty)
 * @param chosen the preferred response's turn(s)
 * @param rejected the other response's turn(s)
 * @param tie the two responses are equally good (no preference: left out of the loss and of
 *     accuracy)
 * @param margin the record's label margin, or null
 * @param groupId records sharing it come from one ranking of one prompt, or null
 * @param source the record's source (canonical {@code source}), or null
 * @param subset RewardBench's {@code subset} (canonical records: {@code meta.subset}), or null
 * @param meta the record's meta (confidence, human scores, ...)
 * @param where {@code file:line}, for messages
 * @param text the source held plain strings: the reward model reads {@code prompt + response} as
 *     text rather than a conversation through the chat template ({@link dev.rlhf4j.rm.RewardInputs})
 * @param votes how often the pair was judged each way (one vote for a single judgement)
 */
public record PreferencePair(String id, List<ChatMessage> prompt, List<ChatMessage> chosen,
        List<ChatMessage> rejected, boolean tie, Double margin, String groupId, String source, String subset,
        Map<String, Object> meta, String where, boolean text, Votes votes) {

    public PreferencePair {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(votes, "votes");
        prompt = List.copyOf(prompt);
        chosen = List.copyOf(chosen);
        rejected = List.copyOf(rejected);
        meta = meta == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(meta));
    }

    /** A canonical record, read at {@code where}. */
    public static PreferencePair of(PreferenceRecord r, String where) {
        Object subset = r.meta().get("subset");
        return new PreferencePair(r.id(), messages(r.prompt()), messages(r.chosen()), messages(r.rejected()),
                r.tie(), r.margin(), r.groupId(), r.source(), subset instanceof String s ? s : null, r.meta(), where,
                r.plainText(), Votes.of(r));
    }

    /** The prompt's text (its turns joined by newlines; empty when there is none). */
    public String promptText() {
        return text(prompt);
    }

    private static List<ChatMessage> messages(List<Message> messages) {
        return messages.stream().map(m -> new ChatMessage(m.role(), m.content())).toList();
    }

    /** The chosen response's text (its turns joined by newlines). */
    public String chosenText() {
        return text(chosen);
    }

    /** The rejected response's text (its turns joined by newlines). */
    public String rejectedText() {
        return text(rejected);
    }

    private static String text(List<ChatMessage> turns) {
        return String.join("\n", turns.stream().map(ChatMessage::content).toList());
    }

    /** {@code meta.confidence} (summarize-from-feedback's 1..9 rating), or null. */
    public Double confidence() {
        return number("confidence");
    }

    /**
     * The human scalar scores of the two responses, or null: {@code meta.chosen_score /
     * rejected_score} (SHP, UltraFeedback) or {@code meta.score_chosen / score_rejected} (TRL).
     */
    public double[] humanScores() {
        Double c = number("chosen_score");
        Double r = number("rejected_score");
        if (c == null || r == null) {
            c = number("score_chosen");
            r = number("score_rejected");
        }
        return c == null || r == null ? null : new double[] {c, r};
    }

    /**
     * The ratio of the human scores, chosen over rejected ({@code meta.score_ratio} when given, as
     * SHP), or null when absent or not both positive.
     */
    public Double scoreRatio() {
        Double ratio = number("score_ratio");
        if (ratio != null) {
            return ratio;
        }
        double[] s = humanScores();
        return s != null && s[0] > 0 && s[1] > 0 ? s[0] / s[1] : null;
    }

    private Double number(String key) {
        Object v = meta.get(key);
        return v instanceof Number n && Double.isFinite(n.doubleValue()) ? n.doubleValue() : null;
    }
}
