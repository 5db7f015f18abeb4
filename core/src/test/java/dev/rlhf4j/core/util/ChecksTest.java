package dev.rlhf4j.core.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChecksTest {

    private static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void betweenNamesKeyBoundsAndValue() {
        assertEquals("ppo.clip_range must be between 0 and 1, but is: 1.5",
                message(() -> Checks.between("ppo.clip_range", 1.5, 0, 1)));
        assertEquals("ppo.clip_range must be between 0 and 1, but is: NaN",
                message(() -> Checks.between("ppo.clip_range", Double.NaN, 0, 1)));
        assertEquals(0.2, Checks.between("ppo.clip_range", 0.2, 0, 1));
        assertEquals("train.keep_last must be between 1 and 10, but is: 11",
                message(() -> Checks.between("train.keep_last", 11L, 1, 10)));
    }

    @Test
    void positiveAndNonNegative() {
        assertEquals("sft.lr must be > 0, but is: -1", message(() -> Checks.positive("sft.lr", -1.0)));
        assertEquals("sft.lr must be > 0, but is: 0", message(() -> Checks.positive("sft.lr", 0.0)));
        assertEquals("sft.batch_size must be > 0, but is: 0", message(() -> Checks.positive("sft.batch_size", 0)));
        assertEquals("weight_decay must be >= 0, but is: -0.01",
                message(() -> Checks.nonNegative("weight_decay", -0.01)));
        assertEquals("warmup_steps must be >= 0, but is: -3", message(() -> Checks.nonNegative("warmup_steps", -3L)));
        assertEquals(3e-4, Checks.positive("sft.lr", 3e-4));
    }

    @Test
    void halfOpenRangeAndFinite() {
        assertEquals("adam_beta2 must be >= 0 and < 1, but is: 1",
                message(() -> Checks.inHalfOpenRange("adam_beta2", 1.0, 0, 1)));
        assertEquals("loss must be finite, but is: Infinity",
                message(() -> Checks.finite("loss", Double.POSITIVE_INFINITY)));
    }

    @Test
    void nullsBlanksAndEmpties() {
        assertEquals("sft.output must not be null", message(() -> Checks.notNull("sft.output", null)));
        assertEquals("run.name must not be blank, but is: \" \"", message(() -> Checks.notBlank("run.name", " ")));
        assertEquals("params must not be empty", message(() -> Checks.notEmpty("params", List.of())));
        assertEquals("x must be even, but is: 3", message(() -> Checks.check(false, "x must be even, but is: %s", 3)));
    }
}
