package dev.rlhf4j.core.train;

import java.util.function.LongConsumer;

/**
 * The one test hook of every trainer: stop after step {@code stopAfter} as if the process were
 * killed there (what was checkpointed stays, nothing more is written), and see each finished step.
 * Runs outside tests use {@link #NONE}.
 *
 * @param stopAfter the last step run
 * @param afterStep called with the step number at the end of every step
 */
public record RunHook(long stopAfter, LongConsumer afterStep) {

    /** No stop, nothing called. */
    public static final RunHook NONE = new RunHook(Long.MAX_VALUE, step -> { });

    /** Stops after {@code step}. */
    public static RunHook stopAfter(long step) {
        return new RunHook(step, s -> { });
    }

    /** Whether the run goes on to the step after {@code step}. */
    public boolean continuesAfter(long step) {
        return step < stopAfter;
    }
}
