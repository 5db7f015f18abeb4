package dev.rlhf4j.core.train;

import dev.rlhf4j.core.util.Checks;
import java.util.List;

/**
 * The trainers' random number generator, whose whole state is {@code (seed, counter)}: SplitMix64
 * (Steele, Lea and Flood, "Fast Splittable Pseudorandom Number Generators", 2014), where draw
 * {@code k} is {@code mix64(seed + k * 0x9E3779B97F4A7C15)}. Saving {@link #seed()} and {@link
 * #counter()} in {@link TrainerState} and constructing {@code new SeededRng(seed, counter)} on resume
 * continues the exact sequence.
 *
 * <p>Data order, sampling and any other randomness of a stage draws from this generator (or from
 * generators seeded by it), never from {@code Math.random} or an unseeded engine generator.
 */
public final class SeededRng {

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private final long seed;
    private long counter;

    /** A generator at the start of the sequence for {@code seed}. */
    public SeededRng(long seed) {
        this(seed, 0);
    }

    /** A generator that has already made {@code counter} draws from {@code seed}'s sequence. */
    public SeededRng(long seed, long counter) {
        this.seed = seed;
        this.counter = Checks.nonNegative("rng counter", counter);
    }

    /** The seed. */
    public long seed() {
        return seed;
    }

    /** Draws made so far; with the seed, the generator's whole state. */
    public long counter() {
        return counter;
    }

    /** The next 64 random bits. */
    public long nextLong() {
        counter++;
        long z = seed + counter * GOLDEN_GAMMA;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in {@code [0, 1)}, 53 bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in {@code [0, bound)}, without modulo bias. */
    public int nextInt(int bound) {
        Checks.positive("bound", bound);
        int r = (int) (nextLong() >>> 33);
        int m = bound - 1;
        if ((bound & m) == 0) {
            return (int) ((bound * (long) r) >> 31);
        }
        for (int u = r; u - (r = u % bound) + m < 0; u = (int) (nextLong() >>> 33)) {
            // reject the top, incomplete range of u
        }
        return r;
    }

    /** Shuffles {@code list} in place (Fisher-Yates, from the back). */
    public <T> void shuffle(List<T> list) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            list.set(i, list.set(j, list.get(i)));
        }
    }

    /** 0 … n−1 in shuffled order ({@link #shuffle} of the identity): an epoch's example order. */
    public int[] permutation(int n) {
        List<Integer> indices = new java.util.ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            indices.add(i);
        }
        shuffle(indices);
        return indices.stream().mapToInt(Integer::intValue).toArray();
    }

    /** A seed for a derived generator (e.g. the engine's, {@code Engine.setRandomSeed}). */
    public long nextSeed() {
        return nextLong();
    }
}
