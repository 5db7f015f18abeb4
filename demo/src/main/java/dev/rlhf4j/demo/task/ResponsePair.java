package dev.rlhf4j.demo.task;

import java.util.Objects;

/**
 * Two responses to one prompt, to be compared by annotators.
 *
 * @param prompt the prompt text
 * @param first one response
 * @param second the other response
 */
public record ResponsePair(String prompt, Response first, Response second) {
    public ResponsePair {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(second, "second");
    }
}
