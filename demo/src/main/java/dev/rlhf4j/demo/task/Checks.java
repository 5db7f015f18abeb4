package dev.rlhf4j.demo.task;

/**
 * Argument checks whose messages name the key and the value, e.g. {@code "annotation.cancel_rate
 * must be between 0 and 1, but is: 1.5"}.
 */
final class Checks {

    private Checks() {}

    static void finite(String key, double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(key + " must be a finite number, but is: " + value);
        }
    }

    static void atLeast(String key, double value, double min) {
        if (!(value >= min)) {
            throw new IllegalArgumentException(key + " must be at least " + format(min) + ", but is: " + format(value));
        }
    }

    static void positive(String key, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(key + " must be a positive number, but is: " + format(value));
        }
    }

    static void between(String key, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new IllegalArgumentException(
                    key + " must be between " + format(min) + " and " + format(max) + ", but is: " + format(value));
        }
    }

    /** Integers print without a decimal point, so messages read "at least 1, but is: 0". */
    private static String format(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
    }
}
