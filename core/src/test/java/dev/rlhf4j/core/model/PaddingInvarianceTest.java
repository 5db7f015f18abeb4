package dev.rlhf4j.core.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Padding, on either side, never changes the logits of real tokens. */
class PaddingInvarianceTest {

    static Stream<ModelConfig> configs() {
        return Stream.of(
                ModelConfig.gpt2(50, 32, 2, 4, 32),
                ModelConfig.llama(50, 32, 2, 4, 2, 64, 32));
    }

    @ParameterizedTest
    @MethodSource("configs")
    void paddingNeverChangesRealTokenLogits(ModelConfig config) {
        try (NDManager m = NDManager.newBaseManager();
                CausalLM model = new CausalLM(config, m, WeightSource.random(7, 0.2f, config.numLayers()), true)) {
            long[] tokens = {5, 9, 13, 2, 44};
            float[] alone = logits(model, m, new long[][] {tokens}, new long[][] {{1, 1, 1, 1, 1}}, 0, 5);
            // right padding: real tokens first
            float[] right = logits(model, m, new long[][] {{5, 9, 13, 2, 44, 0, 0}},
                    new long[][] {{1, 1, 1, 1, 1, 0, 0}}, 0, 5);
            // left padding: positions count real tokens only
            float[] left = logits(model, m, new long[][] {{0, 0, 0, 5, 9, 13, 2, 44}},
                    new long[][] {{0, 0, 0, 1, 1, 1, 1, 1}}, 3, 8);
            assertClose(alone, right);
            assertClose(alone, left);
        }
    }

    private static float[] logits(CausalLM model, NDManager parent, long[][] ids, long[][] mask, int from, int to) {
        try (NDManager m = parent.newSubManager()) {
            NDArray idArr = m.create(ids);
            NDArray maskArr = m.create(mask);
            NDArray out = model.forward(idArr, maskArr, CausalLM.positionsFromMask(maskArr), null, false).logits();
            return out.get(new NDIndex("0, {}:{}", from, to)).toFloatArray();
        }
    }

    static void assertClose(float[] expected, float[] actual) {
        assertTrue(expected.length == actual.length, "length");
        float maxDiff = 0;
        for (int i = 0; i < expected.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(maxDiff < 1e-4f, "max abs difference " + maxDiff);
    }
}
