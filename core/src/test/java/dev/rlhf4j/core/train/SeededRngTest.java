package dev.rlhf4j.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SeededRngTest {

    @Test
    void isSplitMix64AsInTheJdk() {
        SeededRng rng = new SeededRng(42);
        SplittableRandom reference = new SplittableRandom(42);
        for (int i = 0; i < 100; i++) {
            assertEquals(reference.nextLong(), rng.nextLong());
        }
    }

    @Test
    void seedAndCounterContinueTheSequence() {
        SeededRng straight = new SeededRng(7);
        SeededRng first = new SeededRng(7);
        for (int i = 0; i < 13; i++) {
            straight.nextInt(1000);
            first.nextDouble();
        }
        SeededRng resumed = new SeededRng(first.seed(), first.counter());
        for (int i = 0; i < 50; i++) {
            assertEquals(straight.nextLong(), resumed.nextLong());
        }
    }

    @Test
    void boundedAndShuffleStayInRange() {
        SeededRng rng = new SeededRng(3);
        for (int i = 0; i < 1000; i++) {
            int v = rng.nextInt(7);
            assertTrue(v >= 0 && v < 7);
            double d = rng.nextDouble();
            assertTrue(d >= 0 && d < 1);
        }
        List<Integer> list = new ArrayList<>(IntStream.range(0, 20).boxed().toList());
        rng.shuffle(list);
        assertEquals(IntStream.range(0, 20).boxed().toList(), list.stream().sorted().toList());
    }
}
