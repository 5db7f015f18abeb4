package dev.rlhf4j.core.train;

import static dev.rlhf4j.core.train.TestParams.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GradClipTest {

    @Test
    void matchesTorchClipGradNorm() {
        JsonNode fixture = Fixtures.readJson(Fixtures.path("train/clip.json"));
        for (JsonNode c : fixture.get("cases")) {
            try (NDManager manager = NDManager.newBaseManager()) {
                List<NamedParameter> params = new ArrayList<>();
                List<float[]> grads = new ArrayList<>();
                for (int i = 0; i < fixture.get("shapes").size(); i++) {
                    long[] shape = Fixtures.longs(fixture.get("shapes").get(i));
                    float[] g = Fixtures.floats(fixture.get("grads").get(i));
                    params.add(TestParams.param(manager, "p" + i, new float[g.length], shape));
                    grads.add(g);
                }
                TestParams.setGradients(manager, params, grads);
                double maxNorm = c.get("max_norm").asDouble();
                double total = GradClip.clipGlobalNorm(params, maxNorm);
                assertEquals(c.get("total_norm").asDouble(), total, 1e-6 * total, "total norm, max_norm " + maxNorm);
                for (int i = 0; i < params.size(); i++) {
                    assertClose(Fixtures.floats(c.get("clipped").get(i)), TestParams.gradient(params.get(i)), 1e-6,
                            "clipped grad " + i + ", max_norm " + maxNorm);
                }
                double after = GradClip.globalNorm(params);
                assertTrue(after <= maxNorm * (1 + 1e-6), "norm after clipping " + after);
                if (total > maxNorm) {
                    assertEquals(maxNorm, after, 1e-5 * maxNorm, "clipping scales to the set norm");
                }
            }
        }
    }

    @Test
    void nonFiniteNormLeavesGradientsUntouched() {
        try (NDManager manager = NDManager.newBaseManager()) {
            List<NamedParameter> params = List.of(TestParams.param(manager, "a", new float[2], 2),
                    TestParams.param(manager, "b", new float[1], 1));
            TestParams.setGradients(manager, params, List.of(new float[] {3, Float.NaN}, new float[] {4}));
            assertTrue(Double.isNaN(GradClip.clipGlobalNorm(params, 1.0)));
            assertArrayEquals(new float[] {4}, TestParams.gradient(params.get(1)));
        }
    }

    @Test
    void parametersWithoutGradientsAreLeftOut() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NamedParameter a = TestParams.param(manager, "a", new float[2], 2);
            NamedParameter untouched = TestParams.param(manager, "u", new float[2], 2);
            TestParams.setGradients(manager, List.of(a), List.of(new float[] {3, 4}));
            assertEquals(5.0, GradClip.clipGlobalNorm(List.of(a, untouched), 1.0), 1e-6);
            assertClose(new float[] {0.6f, 0.8f}, TestParams.gradient(a), 1e-6, "clipped");
            assertEquals(null, TestParams.gradient(untouched));
        }
    }
}
