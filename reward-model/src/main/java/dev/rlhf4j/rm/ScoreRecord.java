package dev.rlhf4j.rm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.io.JsonLines;
import dev.rlhf4j.core.tokenizer.ChatMessage;
import dev.rlhf4j.rm.data.PairFiles;
import dev.rlhf4j.rm.data.PreferencePair;
import java.util.ArrayList;
import java.util.List;

/**
 * One line of a file to score ({@code rlhf4j rm score}) as the reward model reads it ({@link
 * RewardInputs}). What a line may hold:
 *
 * <ul>
 *   <li>a pair (canonical record or RewardBench row): two sequences, chosen then rejected;
 *   <li>{@code prompt} (a string or messages, optional) and {@code response} (a string or
 *       messages): strings are plain text {@code prompt + response}, messages the chat template;
 *   <li>{@code messages}: a whole conversation whose last turn is the response;
 *   <li>{@code text}: the text as it is (plus EOS).
 * </ul>
 *
 * @param pair whether the line is a pair
 * @param sequences the input ids: chosen and rejected for a pair, else the one sequence
 */
public record ScoreRecord(boolean pair, List<long[]> sequences) {

    public ScoreRecord {
        sequences = List.copyOf(sequences);
    }

    /**
     * The sequences of one line.
     *
     * @throws IllegalArgumentException naming the line when it holds nothing to score or a malformed field
     */
    public static ScoreRecord of(JsonLines.Line line, RewardInputs inputs) {
        JsonNode n = line.value();
        if (n.has("chosen") && n.has("rejected")) {
            PreferencePair p = PairFiles.parse(n, line.where());
            return new ScoreRecord(true, List.of(inputs.side(p, true), inputs.side(p, false)));
        }
        if (n.has("response")) {
            JsonNode prompt = n.get("prompt");
            JsonNode response = n.get("response");
            if (response.isTextual() && (prompt == null || prompt.isNull() || prompt.isTextual())) {
                return single(inputs.text(prompt == null || prompt.isNull() ? "" : prompt.asText(), response.asText()));
            }
            return single(inputs.conversation(messages(prompt, line, "prompt", "user"),
                    messages(response, line, "response", "assistant")));
        }
        if (n.has("messages")) {
            List<ChatMessage> all = messages(n.get("messages"), line, "messages", "user");
            if (all.isEmpty()) {
                throw new IllegalArgumentException(line.where() + ": field \"messages\" is empty");
            }
            return single(inputs.conversation(all.subList(0, all.size() - 1), all.subList(all.size() - 1, all.size())));
        }
        if (n.has("text")) {
            return single(inputs.finish(inputs.tokenizer().encode(line.text("text"))));
        }
        throw new IllegalArgumentException(line.where() + ": nothing to score: expected chosen/rejected (a pair),"
                + " response (with an optional prompt), messages, or text");
    }

    private static ScoreRecord single(long[] ids) {
        return new ScoreRecord(false, List.of(ids));
    }

    private static List<ChatMessage> messages(JsonNode v, JsonLines.Line line, String key, String roleOfString) {
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (v.isTextual()) {
            return List.of(new ChatMessage(roleOfString, v.asText()));
        }
        if (!v.isArray()) {
            throw new IllegalArgumentException(line.where() + ": field \"" + key
                    + "\" must be a string or a list of {role, content} messages");
        }
        List<ChatMessage> out = new ArrayList<>();
        for (JsonNode m : v) {
            if (!m.path("role").isTextual() || !m.path("content").isTextual()) {
                throw new IllegalArgumentException(line.where() + ": field \"" + key
                        + "\" must hold {role, content} messages with string values");
            }
            out.add(new ChatMessage(m.get("role").asText(), m.get("content").asText()));
        }
        return out;
    }
}
