package dev.rlhf4j.demo.task;

import java.util.List;
import java.util.Objects;

/**
 * One sampled response to a prompt.
 *
 * @param text the decoded response without special tokens, words separated by spaces
 * @param endedWithEos whether generation stopped at the end-of-sequence token (false when it ran
 *     out of new tokens)
 */
public record Response(String text, boolean endedWithEos) {
    public Response {
        Objects.requireNonNull(text, "text");
    }

    /** A response that ended with EOS. */
    public static Response complete(String text) {
        return new Response(text, true);
    }

    /** The response's words, split on whitespace. */
    public List<String> words() {
        return ReviewGrammar.words(text);
    }
}
