package dev.rlhf4j.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Sequences packed into one row with segment ids get the logits they get alone. */
class PackingTest {

    static Stream<ModelConfig> configs() {
        return Stream.of(
                ModelConfig.gpt2(50, 32, 2, 4, 32),
                ModelConfig.llama(50, 32, 2, 4, 2, 64, 32));
    }

    @ParameterizedTest
    @MethodSource("configs")
    void packedSequencesNeverSeeEachOther(ModelConfig config) {
        long[][] sequences = {{5, 9, 13, 2, 44}, {7, 7, 30}, {1, 48, 22, 3}};
        try (NDManager m = NDManager.newBaseManager();
                CausalLM model = new CausalLM(config, m, WeightSource.random(7, 0.2f, config.numLayers()), true)) {
            // one row: the three sequences, then two pads; positions restart at 0 in each segment
            long[][] ids = {{5, 9, 13, 2, 44, 7, 7, 30, 1, 48, 22, 3, 0, 0}};
            long[][] mask = {{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}};
            long[][] positions = {{0, 1, 2, 3, 4, 0, 1, 2, 0, 1, 2, 3, 0, 0}};
            long[][] segments = {{1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 0, 0}};
            int start = 0;
            for (long[] sequence : sequences) {
                float[] alone = logits(model, m, new long[][] {sequence}, null, null, null, 0, sequence.length);
                float[] packed = logits(model, m, ids, mask, positions, segments, start, start + sequence.length);
                assertClose(alone, packed);
                start += sequence.length;
            }
        }
    }

    @ParameterizedTest
    @MethodSource("configs")
    void withoutSegmentIdsARowIsOneSequence(ModelConfig config) {
        try (NDManager m = NDManager.newBaseManager();
                CausalLM model = new CausalLM(config, m, WeightSource.random(7, 0.2f, config.numLayers()), true)) {
            long[][] ids = {{5, 9, 13, 2, 44}};
            float[] plain = logits(model, m, ids, null, null, null, 0, 5);
            float[] oneSegment = logits(model, m, ids, null, null, new long[][] {{4, 4, 4, 4, 4}}, 0, 5);
            assertEquals(plain.length, oneSegment.length);
            for (int i = 0; i < plain.length; i++) {
                assertEquals(plain[i], oneSegment[i], "logit " + i);
            }
        }
    }

    private static float[] logits(CausalLM model, NDManager parent, long[][] ids, long[][] mask, long[][] positions,
            long[][] segments, int from, int to) {
        try (NDManager m = parent.newSubManager()) {
            NDArray out = model.forward(m.create(ids), mask == null ? null : m.create(mask),
                    positions == null ? null : m.create(positions), segments == null ? null : m.create(segments),
                    null, false).logits(); // (B, T, V)
            return out.get(new NDIndex("0, {}:{}", from, to)).toFloatArray();
        }
    }

    private static void assertClose(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, "length");
        float maxDiff = 0;
        for (int i = 0; i < expected.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(maxDiff < 1e-4f, "max abs difference " + maxDiff);
    }
}
