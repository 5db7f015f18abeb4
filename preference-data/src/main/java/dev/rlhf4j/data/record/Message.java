package dev.rlhf4j.data.record;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/**
 * One chat turn, written as {@code {"role": ..., "content": ...}}.
 *
 * @param role {@code system}, {@code user} or {@code assistant} (other roles are kept as given)
 * @param content the text of the turn, kept exactly as imported
 */
@JsonPropertyOrder({"role", "content"})
public record Message(String role, String content) {

    public static final String SYSTEM = "system";
    public static final String USER = "user";
    public static final String ASSISTANT = "assistant";

    public Message {
        Objects.requireNonNull(role, "message role");
        Objects.requireNonNull(content, "message content");
    }

    public static Message user(String content) {
        return new Message(USER, content);
    }

    public static Message assistant(String content) {
        return new Message(ASSISTANT, content);
    }
}
