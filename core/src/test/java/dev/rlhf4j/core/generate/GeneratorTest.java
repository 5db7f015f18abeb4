package dev.rlhf4j.core.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.model.ModelConfig;
import dev.rlhf4j.core.model.WeightSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GeneratorTest {
    private static NDManager manager;
    private static CausalLM model;

    @BeforeAll
    static void build() {
        manager = NDManager.newBaseManager();
        ModelConfig config = ModelConfig.llama(40, 32, 2, 4, 2, 64, 64);
        model = new CausalLM(config, manager, WeightSource.random(3, 0.3f, 2), true);
    }

    @AfterAll
    static void close() {
        model.close();
        manager.close();
    }

    private static final List<long[]> PROMPTS = List.of(new long[] {3, 7, 11, 2}, new long[] {5}, new long[] {9, 9, 1});

    /** Greedy decoding with the cache equals recomputing the whole sequence every step. */
    @Test
    void cachedGreedyEqualsUncachedRecomputation() {
        Generation g = new Generator(model, 0, List.of()).generate(PROMPTS, SamplingConfig.greedy(10), manager);
        for (int i = 0; i < PROMPTS.size(); i++) {
            List<Long> seq = new ArrayList<>();
            for (long t : PROMPTS.get(i)) {
                seq.add(t);
            }
            for (int step = 0; step < 10; step++) {
                try (NDManager m = manager.newSubManager()) {
                    NDArray ids = m.create(seq.stream().mapToLong(Long::longValue).toArray()).expandDims(0);
                    NDArray logits = model.forward(ids, null, null, null, false).logits();
                    NDArray last = logits.get(new NDIndex("0, -1"));
                    long next = last.argMax().getLong();
                    assertEquals(next, g.tokens()[i][step], "row " + i + " step " + step);
                    float expectedLogp = last.logSoftmax(0).getFloat(next);
                    assertEquals(expectedLogp, g.logProbs()[i][step], 1e-4f);
                    seq.add(next);
                }
            }
        }
    }

    @Test
    void cachedAndUncachedGeneratorsAgree() {
        Generator gen = new Generator(model, 0, List.of(7));
        Generation cached = gen.generate(PROMPTS, SamplingConfig.greedy(9), manager);
        Generation uncached = gen.withoutCache().generate(PROMPTS, SamplingConfig.greedy(9), manager);
        assertTrue(Arrays.deepEquals(cached.tokens(), uncached.tokens()));
        for (int i = 0; i < PROMPTS.size(); i++) {
            assertArrayEquals(uncached.logProbs()[i], cached.logProbs()[i], 1e-4f);
        }
    }

    @Test
    void sameSeedSameSamplesAndOtherSeedDiffers() {
        Generator gen = new Generator(model, 0, List.of());
        SamplingConfig cfg = new SamplingConfig(12, 1.0f, 0, 1f, false, List.of(), 42);
        Generation a = gen.generate(PROMPTS, cfg, manager);
        Generation b = gen.generate(PROMPTS, cfg, manager);
        Generation c = gen.generate(PROMPTS, new SamplingConfig(12, 1.0f, 0, 1f, false, List.of(), 43), manager);
        assertTrue(Arrays.deepEquals(a.tokens(), b.tokens()));
        assertFalse(Arrays.deepEquals(a.tokens(), c.tokens()));
    }

    @Test
    void stopsPerSequenceAtStopTokenAndMasksTheRest() {
        Generator gen = new Generator(model, 0, List.of());
        Generation free = gen.generate(PROMPTS, SamplingConfig.greedy(8), manager);
        long stop = free.tokens()[0][2]; // row 0's third token becomes a stop token
        Generation g = gen.generate(PROMPTS, new SamplingConfig(8, 1f, 0, 1f, true, List.of((int) stop), 0), manager);
        int firstStop = -1;
        for (int j = 0; j < 8; j++) {
            if (free.tokens()[0][j] == stop) {
                firstStop = j;
                break;
            }
        }
        assertTrue(g.endedWithStop()[0]);
        assertEquals(firstStop + 1, g.lengths()[0]);
        for (int j = g.lengths()[0]; j < g.tokens()[0].length; j++) {
            assertEquals(0, g.mask()[0][j]);
            assertEquals(0, g.tokens()[0][j]);
        }
        // other rows are unaffected up to their own stop
        for (int i = 1; i < PROMPTS.size(); i++) {
            for (int j = 0; j < g.lengths()[i]; j++) {
                assertEquals(free.tokens()[i][j], g.tokens()[i][j]);
            }
        }
    }

    /** Hand-computed filtering: probabilities 0.5, 0.25, 0.15, 0.1. */
    @Test
    void topKAndTopPKeepTheExpectedTokens() {
        try (NDManager m = manager.newSubManager()) {
            NDArray logits = m.create(new float[] {0.15f, 0.5f, 0.1f, 0.25f}).log().expandDims(0);
            float[] k2 = Generator.filteredLogProbs(logits, new SamplingConfig(1, 1f, 2, 1f, false, List.of(), 0))
                    .exp().toFloatArray();
            assertArrayEquals(new float[] {0f, 2f / 3, 0f, 1f / 3}, k2, 1e-6f);
            // top-p 0.7: 0.5 + 0.25 reaches it; 0.15 and 0.1 go
            float[] p7 = Generator.filteredLogProbs(logits, new SamplingConfig(1, 1f, 0, 0.7f, false, List.of(), 0))
                    .exp().toFloatArray();
            assertArrayEquals(new float[] {0f, 2f / 3, 0f, 1f / 3}, p7, 1e-6f);
            // top-p tiny keeps the most likely token only
            float[] p0 = Generator.filteredLogProbs(logits, new SamplingConfig(1, 1f, 0, 1e-9f, false, List.of(), 0))
                    .exp().toFloatArray();
            assertArrayEquals(new float[] {0f, 1f, 0f, 0f}, p0, 1e-6f);
        }
    }

    /** Sampled frequencies follow the filtered distribution. */
    @Test
    void samplingFollowsTheDistribution() {
        try (NDManager m = manager.newSubManager()) {
            // 4000 rows of the same distribution, one draw each
            NDArray logits = m.create(new float[] {0.15f, 0.5f, 0.1f, 0.25f}).log().expandDims(0).repeat(0, 4000);
            NDArray logp = Generator.filteredLogProbs(logits, new SamplingConfig(1, 1f, 0, 1f, false, List.of(), 0));
            long[] picks = Generator.inverseCdf(logp, new java.util.SplittableRandom(1), 4000).toLongArray();
            int[] counts = new int[4];
            for (long p : picks) {
                counts[(int) p]++;
            }
            assertEquals(0.15, counts[0] / 4000.0, 0.03);
            assertEquals(0.5, counts[1] / 4000.0, 0.03);
            assertEquals(0.1, counts[2] / 4000.0, 0.03);
            assertEquals(0.25, counts[3] / 4000.0, 0.03);
        }
    }
}
