package dev.rlhf4j.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Forwards without gradients free their temporaries as they go, and the KV cache, written in place
 * into buffers allocated once, gives the logits of a full forward.
 */
class NoGradForwardTest {

    static Stream<ModelConfig> configs() {
        return Stream.of(
                ModelConfig.gpt2(50, 32, 3, 4, 32),
                ModelConfig.llama(50, 32, 3, 4, 2, 64, 32));
    }

    @ParameterizedTest
    @MethodSource("configs")
    void noGradForwardKeepsOnlyItsResultAndEqualsTheRecordedOne(ModelConfig config) {
        try (NDManager base = NDManager.newBaseManager();
                CausalLM model = new CausalLM(config, base, WeightSource.random(5, 0.2f, config.numLayers()), true)) {
            float[] recorded;
            int recordedArrays;
            try (NDManager m = base.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray ids = m.create(new long[][] {{4, 8, 15, 16, 23, 42 % 50}, {1, 2, 3, 0, 0, 0}});
                NDArray mask = m.create(new long[][] {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 0, 0, 0}});
                recorded = model.hidden(ids, mask, CausalLM.positionsFromMask(mask), null, false).toFloatArray();
                recordedArrays = m.getManagedArrays().size();
            }
            try (NDManager m = base.newSubManager()) {
                NDArray ids = m.create(new long[][] {{4, 8, 15, 16, 23, 42 % 50}, {1, 2, 3, 0, 0, 0}});
                NDArray mask = m.create(new long[][] {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 0, 0, 0}});
                NDArray positions = CausalLM.positionsFromMask(mask);
                int inputs = m.getManagedArrays().size();
                NDArray hidden = model.hidden(ids, mask, positions, null, false);
                // the caller's scope gains the result only: every layer's temporaries are gone
                assertEquals(inputs + 1, m.getManagedArrays().size(), "arrays left in the caller's scope");
                assertTrue(recordedArrays > inputs + 10 * config.numLayers(),
                        "a recorded forward keeps its temporaries for the backward: " + recordedArrays);
                assertArrayEquals(recorded, hidden.toFloatArray(), "the same operations, the same bits");
            }
        }
    }

    /** A batch run in chunks of one row gives the hidden states of the whole batch at once. */
    @ParameterizedTest
    @MethodSource("configs")
    void chunkedRowsEqualTheWholeBatch(ModelConfig config) {
        long saved = CausalLM.chunkBytes;
        try (NDManager base = NDManager.newBaseManager();
                CausalLM model = new CausalLM(config, base, WeightSource.random(6, 0.2f, config.numLayers()), true);
                NDManager m = base.newSubManager()) {
            NDArray ids = m.create(new long[][] {{4, 8, 15, 16, 23}, {0, 0, 1, 2, 3}, {9, 9, 9, 0, 0}});
            NDArray mask = m.create(new long[][] {{1, 1, 1, 1, 1}, {0, 0, 1, 1, 1}, {1, 1, 1, 0, 0}});
            NDArray positions = CausalLM.positionsFromMask(mask);
            float[] whole = model.hidden(ids, mask, positions, null, false).toFloatArray();
            CausalLM.chunkBytes = 1; // one row per chunk
            int inputs = m.getManagedArrays().size();
            NDArray chunked = model.hidden(ids, mask, positions, null, false);
            assertEquals(inputs + 1, m.getManagedArrays().size(), "arrays left in the caller's scope");
            assertArrayEquals(whole, chunked.toFloatArray(), 1e-5f);
        } finally {
            CausalLM.chunkBytes = saved;
        }
    }

    /**
     * Left-padded prompt, then one token at a time against a cache whose buffers start too small
     * (two positions), so it grows twice; every step's logits equal a full forward's, and neither
     * the cache nor the caller's scope keeps arrays from a finished step.
     */
    @ParameterizedTest
    @MethodSource("configs")
    void cacheWrittenInPlaceGivesFullForwardLogits(ModelConfig config) {
        long[][] ids = {{0, 0, 7, 3, 9, 12, 5, 30, 2}, {11, 4, 6, 8, 1, 19, 21, 22, 40}};
        long[][] mask = {{0, 0, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1, 1, 1}};
        int prompt = 4;
        try (NDManager base = NDManager.newBaseManager();
                CausalLM model = new CausalLM(config, base, WeightSource.random(9, 0.2f, config.numLayers()), true)) {
            float[] full;
            try (NDManager m = base.newSubManager()) {
                NDArray maskArr = m.create(mask);
                full = model.forward(m.create(ids), maskArr, CausalLM.positionsFromMask(maskArr), null, false).logits()
                        .get(new NDIndex(":, {}:", prompt - 1)).toFloatArray(); // (B, 9 - prompt + 1, V)
            }
            try (NDManager gen = base.newSubManager(); KvCache cache = new KvCache(gen, config.numLayers(), 2)) {
                int arraysAfterFirstStep = -1;
                long v = config.vocabSize();
                int steps = ids[0].length - prompt + 1;
                for (int s = 0; s < steps; s++) {
                    int from = s == 0 ? 0 : prompt + s - 1;
                    int to = prompt + s;
                    try (NDManager m = gen.newSubManager()) {
                        NDArray maskArr = m.create(slice(mask, 0, to));
                        NDArray positions = CausalLM.positionsFromMask(maskArr).get(new NDIndex(":, {}:", from));
                        NDArray logits = model.forward(m.create(slice(ids, from, to)), maskArr, positions, cache, false)
                                .logits().get(new NDIndex(":, -1"));
                        float[] step = logits.toFloatArray(); // (B, V)
                        for (int b = 0; b < 2; b++) {
                            for (int k = 0; k < v; k++) {
                                float expected = full[(int) ((b * steps + s) * v + k)];
                                assertEquals(expected, step[(int) (b * v + k)], 1e-4f, "row " + b + " step " + s);
                            }
                        }
                    }
                    assertEquals(to, cache.length());
                    if (s == 2) { // the buffers have grown to their final size by now
                        arraysAfterFirstStep = gen.getManagedArrays().size();
                    } else if (s > 2) {
                        assertEquals(arraysAfterFirstStep, gen.getManagedArrays().size(), "cache arrays at step " + s);
                    }
                }
            }
        }
    }

    private static long[][] slice(long[][] rows, int from, int to) {
        long[][] out = new long[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            out[i] = java.util.Arrays.copyOfRange(rows[i], from, to);
        }
        return out;
    }
}
