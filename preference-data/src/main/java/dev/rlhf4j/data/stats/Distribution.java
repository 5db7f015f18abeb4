package dev.rlhf4j.data.stats;

import java.util.Arrays;

/**
 * Summary of a length distribution (in characters).
 *
 * @param p10 10th percentile (nearest rank), likewise p50, p90, p99
 */
public record Distribution(long count, double mean, long min, long p10, long p50, long p90, long p99, long max) {

    /** Collects values; keeps them in a growable int array (4 bytes per value). */
    static final class Collector {
        private int[] values = new int[1024];
        private int size;
        private double sum;

        void add(long v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = (int) Math.min(v, Integer.MAX_VALUE);
            sum += v;
        }

        Distribution summary() {
            if (size == 0) {
                return new Distribution(0, 0, 0, 0, 0, 0, 0, 0);
            }
            int[] sorted = Arrays.copyOf(values, size);
            Arrays.sort(sorted);
            return new Distribution(size, sum / size, sorted[0], rank(sorted, 0.10), rank(sorted, 0.50),
                    rank(sorted, 0.90), rank(sorted, 0.99), sorted[size - 1]);
        }

        private static long rank(int[] sorted, double q) {
            int i = (int) Math.ceil(q * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
        }
    }
}
