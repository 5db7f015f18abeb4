package dev.rlhf4j.data.split;

/**
 * @param test share of records for the test split, in [0, 1)
 * @param valid share of records for the valid split, in [0, 1); test + valid &lt; 1
 * @param seed fixes the order in which groups are drawn (default 42)
 * @param keepExisting keep the {@code split} a record already has (its whole group follows the
 *     split most of the group's records have); only groups without one are drawn
 */
public record SplitOptions(double test, double valid, long seed, boolean keepExisting) {

    public SplitOptions {
        check("split.test", test);
        check("split.valid", valid);
        if (test + valid >= 1) {
            throw new IllegalArgumentException("split.test + split.valid must be below 1, but is: " + (test + valid));
        }
    }

    private static void check(String key, double v) {
        if (!(v >= 0 && v < 1)) {
            throw new IllegalArgumentException(key + " must be between 0 (inclusive) and 1 (exclusive), but is: " + v);
        }
    }
}
