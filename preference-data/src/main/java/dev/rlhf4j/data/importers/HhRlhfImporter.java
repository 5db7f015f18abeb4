package dev.rlhf4j.data.importers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.data.record.InvalidRecordException;
import dev.rlhf4j.data.record.Message;
import dev.rlhf4j.data.record.PreferenceRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Anthropic HH-RLHF: {@code {"chosen": "...", "rejected": "..."}}, each a whole transcript with
 * turns starting {@code "\n\nHuman: "} and {@code "\n\nAssistant: "}. The prompt is the longest
 * common prefix of the two strings cut back to its last {@code "\n\nAssistant:"}, split into
 * user/assistant messages; chosen/rejected are the remainders. Turn contents are trimmed.
 * Rejected: pairs whose earlier turns differ, whose final replies are identical, or with an empty
 * final reply (several in the public harmless-base test file).
 */
final class HhRlhfImporter implements PreferenceImporter {

    static final String NAME = "hh-rlhf";
    private static final String HUMAN = "\n\nHuman:";
    private static final String ASSISTANT = "\n\nAssistant:";
    private static final Pattern TURN = Pattern.compile("\n\n(Human|Assistant):");

    static boolean detect(JsonNode r) {
        JsonNode c = r.get("chosen");
        JsonNode rej = r.get("rejected");
        return c != null && rej != null && c.isTextual() && rej.isTextual() && !r.has("prompt")
                && (c.asText().contains(HUMAN) || c.asText().startsWith("Human:"))
                && c.asText().contains(ASSISTANT);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<PreferenceRecord> convert(JsonNode record) {
        Fields.object(record);
        String chosen = transcript(Fields.text(record, "chosen"));
        String rejected = transcript(Fields.text(record, "rejected"));
        if (chosen.equals(rejected)) {
            throw new InvalidRecordException("chosen and rejected are identical");
        }
        int lcp = 0;
        int max = Math.min(chosen.length(), rejected.length());
        while (lcp < max && chosen.charAt(lcp) == rejected.charAt(lcp)) {
            lcp++;
        }
        int cut = chosen.lastIndexOf(ASSISTANT, lcp - ASSISTANT.length());
        if (cut < 0) {
            throw new InvalidRecordException("chosen and rejected differ before the first assistant turn");
        }
        String chosenReply = chosen.substring(cut + ASSISTANT.length());
        String rejectedReply = rejected.substring(cut + ASSISTANT.length());
        if (chosenReply.contains(HUMAN) || rejectedReply.contains(HUMAN)) {
            throw new InvalidRecordException("chosen and rejected differ before their final assistant turn (earlier turns differ)");
        }
        chosenReply = chosenReply.strip();
        rejectedReply = rejectedReply.strip();
        if (chosenReply.isEmpty()) {
            throw new InvalidRecordException("chosen final reply is empty");
        }
        if (rejectedReply.isEmpty()) {
            throw new InvalidRecordException("rejected final reply is empty");
        }
        if (chosenReply.equals(rejectedReply)) {
            throw new InvalidRecordException("chosen and rejected final replies are identical");
        }
        List<Message> prompt = turns(chosen.substring(0, cut));
        return List.of(PreferenceRecord.builder()
                .prompt(prompt)
                .chosen(List.of(Message.assistant(chosenReply)))
                .rejected(List.of(Message.assistant(rejectedReply)))
                .source(NAME)
                .build());
    }

    private static String transcript(String s) {
        return s.startsWith("Human:") ? "\n\n" + s : s;
    }

    /** Splits "\n\nHuman: ...\n\nAssistant: ..." into messages. */
    static List<Message> turns(String transcript) {
        Matcher m = TURN.matcher(transcript);
        List<Message> out = new ArrayList<>();
        int start = -1;
        String role = null;
        while (m.find()) {
            if (role == null) {
                if (!transcript.substring(0, m.start()).isBlank()) {
                    throw new InvalidRecordException("transcript must start with '\\n\\nHuman:', but starts with: "
                            + dev.rlhf4j.data.record.RecordJson.abbreviate(transcript.strip()));
                }
            } else {
                out.add(new Message(role, transcript.substring(start, m.start()).strip()));
            }
            role = m.group(1).equals("Human") ? Message.USER : Message.ASSISTANT;
            start = m.end();
        }
        if (role == null) {
            throw new InvalidRecordException(transcript.isBlank()
                    ? "transcript has no '\\n\\nHuman:' turn before the final reply"
                    : "transcript must start with '\\n\\nHuman:', but starts with: "
                            + dev.rlhf4j.data.record.RecordJson.abbreviate(transcript.strip()));
        }
        out.add(new Message(role, transcript.substring(start).strip()));
        if (!out.get(0).role().equals(Message.USER)) {
            throw new InvalidRecordException("transcript must start with a '\\n\\nHuman:' turn");
        }
        return out;
    }
}
