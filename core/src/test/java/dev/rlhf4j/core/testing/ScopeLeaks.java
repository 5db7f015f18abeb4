package dev.rlhf4j.core.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** Checks that a function's arrays all land in the caller's scope (the managers of its inputs). */
public final class ScopeLeaks {

    private ScopeLeaks() {}

    /**
     * Runs {@code step} {@code iterations} times, each inside a fresh sub-manager of {@code base}
     * to which the inputs are temporarily attached (so the inputs are the receivers in that scope),
     * and asserts that the number of live arrays under {@code base} is the same afterwards.
     */
    public static void assertNoGrowth(NDManager base, int iterations, Runnable step, NDArray... inputs) {
        int before = base.getManagedArrays().size();
        for (int i = 0; i < iterations; i++) {
            try (NDManager scope = base.newSubManager()) {
                scope.tempAttachAll(inputs);
                step.run();
                if (i == 0) {
                    int inScope = scope.getManagedArrays().size();
                    assertTrue(
                            inScope > inputs.length,
                            "the step's arrays should live in the scope, but it holds: " + inScope);
                }
            }
        }
        assertEquals(before, base.getManagedArrays().size(), "live arrays under the base manager");
    }
}
