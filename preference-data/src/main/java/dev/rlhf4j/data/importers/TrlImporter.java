package dev.rlhf4j.data.importers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.data.record.InvalidRecordException;
import dev.rlhf4j.data.record.Message;
import dev.rlhf4j.data.record.PreferenceRecord;
import dev.rlhf4j.data.record.RecordJson;
import java.util.List;

/**
 * TRL-style preference data (also UltraFeedback-binarized and ColossalChat's DPO files):
 * <ul>
 *   <li>explicit prompt, text: {@code {"prompt": "The sky is", "chosen": " blue.", "rejected": " green."}}
 *       (texts kept exactly, leading spaces included);
 *   <li>implicit prompt, text: {@code {"chosen": "The sky is blue.", "rejected": "The sky is green."}}:
 *       prompt = longest common prefix, cut back to a whitespace boundary;
 *   <li>conversational: the same keys holding {@code {role, content}} lists. Whole conversations
 *       in chosen/rejected (implicit, or UltraFeedback-binarized whose lists repeat the prompt)
 *       are split at their longest common prefix, which becomes the prompt; otherwise the explicit
 *       {@code prompt} is used. {@code context} is read as the prompt and {@code from} as the role.
 * </ul>
 * Optional {@code margin}; optional {@code score_chosen}/{@code score_rejected}: equal scores make
 * a tie, a chosen score below the rejected one is rejected, and their difference is the margin
 * when no {@code margin} is given. Kept in meta: {@code prompt_id}, the scores, and the dataset's
 * own {@code source} as {@code origin}. Identical chosen and rejected (UltraFeedback-binarized has
 * some) are rejected. Text records (strings throughout) are marked {@code meta.text}: a reward
 * model reads them as {@code prompt + response}, TRL's convention.
 */
final class TrlImporter implements PreferenceImporter {

    static final String NAME = "trl";

    static boolean detect(JsonNode r) {
        JsonNode c = r.get("chosen");
        JsonNode rej = r.get("rejected");
        return c != null && rej != null && ((c.isTextual() && rej.isTextual())
                || (Fields.isMessageList(c) && Fields.isMessageList(rej)));
    }

    private final boolean keepTies;

    TrlImporter(FormatOptions options) {
        this.keepTies = options.keepTies();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<PreferenceRecord> convert(JsonNode record) {
        Fields.object(record);
        JsonNode c = Fields.required(record, "chosen");
        JsonNode r = Fields.required(record, "rejected");
        String promptKey = record.has("prompt") ? "prompt" : "context";
        JsonNode p = record.get(promptKey);
        if (p != null && p.isNull()) {
            p = null;
        }
        List<Message> prompt;
        List<Message> chosen;
        List<Message> rejected;
        if (c.isTextual() && r.isTextual()) {
            if (c.asText().equals(r.asText())) {
                throw new InvalidRecordException("chosen and rejected are identical");
            }
            if (p == null) {
                String[] split = Conversations.implicitTextPrompt(c.asText(), r.asText());
                prompt = split[0].isEmpty() ? List.of() : List.of(Message.user(split[0]));
                chosen = List.of(Message.assistant(split[1]));
                rejected = List.of(Message.assistant(split[2]));
            } else {
                prompt = promptMessages(p, promptKey);
                chosen = List.of(Message.assistant(c.asText()));
                rejected = List.of(Message.assistant(r.asText()));
            }
        } else if (c.isArray() && r.isArray()) {
            List<Message> cm = Fields.messages(c, "chosen");
            List<Message> rm = Fields.messages(r, "rejected");
            if (cm.equals(rm)) {
                throw new InvalidRecordException("chosen and rejected are identical");
            }
            Conversations.Split split = Conversations.implicitPrompt(cm, rm);
            prompt = !split.prompt().isEmpty() || p == null ? split.prompt() : promptMessages(p, promptKey);
            chosen = split.chosen();
            rejected = split.rejected();
        } else {
            throw new InvalidRecordException("fields 'chosen' and 'rejected' must both be strings or both be lists of messages, but chosen is "
                    + RecordJson.kind(c) + " and rejected is " + RecordJson.kind(r));
        }
        Double scoreChosen = Fields.optNumber(record, "score_chosen");
        Double scoreRejected = Fields.optNumber(record, "score_rejected");
        Double margin = Fields.optNumber(record, "margin");
        boolean text = c.isTextual() && (p == null || p.isTextual());
        boolean tie = false;
        if (scoreChosen != null && scoreRejected != null) {
            if (scoreChosen < scoreRejected) {
                throw new InvalidRecordException("score_chosen (" + scoreChosen + ") is lower than score_rejected (" + scoreRejected + ")");
            }
            tie = scoreChosen.equals(scoreRejected);
            if (tie && !keepTies) {
                throw new InvalidRecordException("skipped: score_chosen equals score_rejected (" + scoreChosen + "), a tie (ties=skip)");
            }
            if (margin == null) {
                margin = scoreChosen - scoreRejected;
            }
        }
        PreferenceRecord.Builder b = PreferenceRecord.builder();
        if (text) {
            b.plainText();
        }
        return List.of(b
                .prompt(prompt)
                .chosen(chosen)
                .rejected(rejected)
                .tie(tie)
                .margin(margin)
                .source(NAME)
                .meta("prompt_id", Fields.optText(record, "prompt_id"))
                .meta("score_chosen", scoreChosen)
                .meta("score_rejected", scoreRejected)
                .meta("origin", record.has("source") && record.get("source").isTextual() ? record.get("source").asText() : null)
                .build());
    }

    private static List<Message> promptMessages(JsonNode p, String key) {
        if (p.isTextual()) {
            return List.of(Message.user(p.asText()));
        }
        if (p.isArray()) {
            return Fields.messages(p, key);
        }
        throw new InvalidRecordException("field '" + key + "' must be a string or a list of messages, but is: " + RecordJson.kind(p));
    }
}
