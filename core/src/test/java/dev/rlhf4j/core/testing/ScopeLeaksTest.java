package dev.rlhf4j.core.testing;

import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

class ScopeLeaksTest {

    @Test
    void passesWhenResultsFollowTheInputs() {
        try (NDManager base = NDManager.newBaseManager()) {
            NDArray x = base.ones(new Shape(3));
            ScopeLeaks.assertNoGrowth(base, 10, () -> x.add(1).mul(x), x);
        }
    }

    @Test
    void failsWhenAStepKeepsAnArrayInTheBaseManager() {
        try (NDManager base = NDManager.newBaseManager()) {
            NDArray x = base.ones(new Shape(3));
            assertThrows(AssertionFailedError.class, () -> ScopeLeaks.assertNoGrowth(base, 3, () -> {
                x.add(1);
                base.zeros(new Shape(2));
            }, x));
        }
    }
}
