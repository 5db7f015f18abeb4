package dev.rlhf4j.core.tokenizer;

import java.io.Serializable;
import java.util.Objects;

/** One turn of a conversation: {@code {"role": "user", "content": "..."}}. */
public record ChatMessage(String role, String content) implements Serializable {

    private static final long serialVersionUID = 1L;

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }
}
