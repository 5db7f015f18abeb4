package dev.rlhf4j.core.model.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.rlhf4j.core.testing.GcChurn;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The encoders' backward reads only arrays the forward kept alive: gradients of every parameter
 * are the same whether or not a garbage collection runs between forward and backward (a scalar
 * operand made from a Java number would be freed, see {@code core.ops.Scalars}), and every
 * parameter gets one (padding included, so the masked paths are exercised).
 */
class EncoderGradientTest {

    @ParameterizedTest
    @ValueSource(strings = {"bert", "roberta", "deberta-v3", "deberta-v2"})
    void gradientsSurviveAGarbageCollection(String family) {
        Map<String, float[]> plain = gradients(family, false);
        Map<String, float[]> churned = gradients(family, true);
        for (Map.Entry<String, float[]> e : plain.entrySet()) {
            assertArrayEquals(e.getValue(), churned.get(e.getKey()), family + ": " + e.getKey());
            boolean nonZero = false;
            for (float g : e.getValue()) {
                nonZero |= g != 0;
            }
            assertTrue(nonZero || e.getKey().contains("token_type"), family + ": no gradient reaches " + e.getKey());
        }
    }

    /** Without gradients each layer's temporaries are freed once its output exists; with them the graph keeps them. */
    @ParameterizedTest
    @ValueSource(strings = {"bert", "deberta-v3"})
    void aForwardWithoutGradientsFreesEachLayersTemporaries(String family) {
        try (NDManager m = NDManager.newBaseManager();
                EncoderClassifier model = EncoderClassifier.load(EncoderParityTest.fixture(family), m)) {
            int[] live = new int[2];
            for (int withGradients = 0; withGradients < 2; withGradients++) {
                try (NDManager step = m.newSubManager()) {
                    NDArray ids = step.create(new long[][] {{2, 10, 11, 12, 13, 3}, {2, 14, 15, 3, 0, 0}});
                    NDArray mask = step.create(new long[][] {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 0, 0}});
                    if (withGradients == 1) {
                        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            model.logits(ids, mask, null, false);
                            live[1] = step.getManagedArrays().size();
                        }
                    } else {
                        float[] first = model.logits(ids, mask, null, false).toFloatArray();
                        live[0] = step.getManagedArrays().size();
                        assertTrue(Float.isFinite(first[0]));
                    }
                }
            }
            int perLayer = (live[1] - live[0]) / model.config().numLayers();
            assertTrue(perLayer >= 15, family + ": live arrays without gradients " + live[0] + ", with " + live[1]);
        }
    }

    private static Map<String, float[]> gradients(String family, boolean churn) {
        try (NDManager m = NDManager.newBaseManager();
                EncoderClassifier model = EncoderClassifier.load(EncoderParityTest.fixture(family), m)) {
            model.setTrainable(true);
            NDArray ids = m.create(new long[][] {{2, 10, 11, 12, 13, 3}, {2, 14, 15, 3, 0, 0}});
            NDArray mask = m.create(new long[][] {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 0, 0}});
            if (family.equals("roberta")) { // <s> 0, pad 1, </s> 2
                ids = m.create(new long[][] {{0, 10, 11, 12, 13, 2}, {0, 14, 15, 2, 1, 1}});
            }
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray logits = model.logits(ids, mask, null, false); // (2, 1)
                NDArray loss = logits.mul(m.create(new float[][] {{1f}, {-2f}})).sum();
                if (churn) {
                    GcChurn.churn();
                }
                gc.backward(loss);
            }
            Map<String, float[]> out = new LinkedHashMap<>();
            for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
                out.put(e.getKey(), e.getValue().getArray().getGradient().toFloatArray());
            }
            return out;
        }
    }
}
