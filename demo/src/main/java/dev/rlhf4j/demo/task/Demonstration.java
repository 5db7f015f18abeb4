package dev.rlhf4j.demo.task;

import java.util.Objects;

/**
 * One supervised fine-tuning example in the prompt-completion form: the completion begins with one
 * space, so {@code prompt + completion} is the whole text.
 *
 * @param prompt the instruction, e.g. {@code "write a review of the movie :"}
 * @param completion the review, e.g. {@code " the plot was clever ."}
 */
public record Demonstration(String prompt, String completion) {
    public Demonstration {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(completion, "completion");
    }
}
