package dev.rlhf4j.core.util;

import java.util.Collection;

/**
 * Argument and config validation with uniform messages that name the key and the value.
 *
 * <p>Keys are written as the user writes them: config keys ({@code ppo.clip_range}) in config
 * records, the documented parameter name ({@code weight_decay}) in library code. Each check returns
 * its value so it can be used inline in a compact constructor. All checks throw {@link
 * IllegalArgumentException}; numeric checks reject NaN.
 *
 * <pre>{@code
 * Checks.between("ppo.clip_range", 1.5, 0, 1) // ppo.clip_range must be between 0 and 1, but is: 1.5
 * Checks.positive("sft.lr", -1)                // sft.lr must be > 0, but is: -1
 * }</pre>
 */
public final class Checks {

    private Checks() {}

    /** Requires {@code value > 0}. */
    public static double positive(String key, double value) {
        if (!(value > 0)) {
            throw fail("%s must be > 0, but is: %s", key, format(value));
        }
        return value;
    }

    /** Requires {@code value > 0}. */
    public static long positive(String key, long value) {
        if (value <= 0) {
            throw fail("%s must be > 0, but is: %s", key, value);
        }
        return value;
    }

    /** Requires {@code value > 0}. */
    public static int positive(String key, int value) {
        return Math.toIntExact(positive(key, (long) value));
    }

    /** Requires {@code value >= 0}. */
    public static double nonNegative(String key, double value) {
        if (!(value >= 0)) {
            throw fail("%s must be >= 0, but is: %s", key, format(value));
        }
        return value;
    }

    /** Requires {@code value >= 0}. */
    public static long nonNegative(String key, long value) {
        if (value < 0) {
            throw fail("%s must be >= 0, but is: %s", key, value);
        }
        return value;
    }

    /** Requires {@code value >= 0}. */
    public static int nonNegative(String key, int value) {
        return Math.toIntExact(nonNegative(key, (long) value));
    }

    /** Requires {@code min <= value <= max} (both ends inclusive). */
    public static double between(String key, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw fail("%s must be between %s and %s, but is: %s",
                    key, format(min), format(max), format(value));
        }
        return value;
    }

    /** Requires {@code min <= value <= max} (both ends inclusive). */
    public static long between(String key, long value, long min, long max) {
        if (value < min || value > max) {
            throw fail("%s must be between %s and %s, but is: %s", key, min, max, value);
        }
        return value;
    }

    /** Requires {@code min <= value < max}, for values such as Adam's betas that must stay below 1. */
    public static double inHalfOpenRange(String key, double value, double min, double max) {
        if (!(value >= min && value < max)) {
            throw fail("%s must be >= %s and < %s, but is: %s",
                    key, format(min), format(max), format(value));
        }
        return value;
    }

    /** Requires a finite value (not NaN, not infinite). */
    public static double finite(String key, double value) {
        if (!Double.isFinite(value)) {
            throw fail("%s must be finite, but is: %s", key, format(value));
        }
        return value;
    }

    /** Requires a non-null value. */
    public static <T> T notNull(String key, T value) {
        if (value == null) {
            throw fail("%s must not be null", key);
        }
        return value;
    }

    /** Requires a string with at least one non-whitespace character. */
    public static String notBlank(String key, String value) {
        if (value == null || value.isBlank()) {
            throw fail("%s must not be blank, but is: %s", key, value == null ? "null" : '"' + value + '"');
        }
        return value;
    }

    /** Requires a non-null, non-empty collection. */
    public static <C extends Collection<?>> C notEmpty(String key, C value) {
        if (value == null || value.isEmpty()) {
            throw fail("%s must not be empty", key);
        }
        return value;
    }

    /**
     * A general condition, for rules the checks above do not cover.
     *
     * @param condition what must hold
     * @param format a {@link String#format} message naming the key and value
     * @param args the message arguments
     */
    public static void check(boolean condition, String format, Object... args) {
        if (!condition) {
            throw fail(format, args);
        }
    }

    /**
     * Formats a number the way a user wrote it in a config: integral values without a fraction
     * ({@code -1}, not {@code -1.0}), others in Java's shortest round-trip form.
     */
    public static String format(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return Double.toString(value);
    }

    private static IllegalArgumentException fail(String format, Object... args) {
        return new IllegalArgumentException(String.format(format, args));
    }
}
