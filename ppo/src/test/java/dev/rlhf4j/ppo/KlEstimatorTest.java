package dev.rlhf4j.ppo;

import static dev.rlhf4j.core.testing.JsonFixture.assertAllClose;
import static dev.rlhf4j.ppo.PpoFixture.FIXTURE;
import static dev.rlhf4j.ppo.PpoFixture.TOL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class KlEstimatorTest {

    private NDManager manager;
    private NDArray logRatio;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        logRatio = FIXTURE.floats(manager, "logprobs").sub(FIXTURE.floats(manager, "ref_logprobs")); // (B, T)
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void estimatorsMatchTrl() {
        assertAllClose(FIXTURE.floats(manager, "expected.kl_k1"), KlEstimator.K1.apply(logRatio), TOL, "k1");
        assertAllClose(FIXTURE.floats(manager, "expected.kl_k3"), KlEstimator.K3.apply(logRatio), TOL, "k3");
        assertAllClose(FIXTURE.floats(manager, "expected.kl_abs"), KlEstimator.ABS.apply(logRatio), TOL, "abs");
    }

    @Test
    void k3AndAbsAreNonNegativeAndZeroAtZero() {
        for (float value : KlEstimator.K3.apply(logRatio).toFloatArray()) {
            assertTrue(value >= 0, "k3 = " + value);
        }
        NDArray zeros = manager.zeros(logRatio.getShape());
        for (KlEstimator estimator : KlEstimator.values()) {
            assertArrayEquals(zeros.toFloatArray(), estimator.apply(zeros).toFloatArray(), estimator.name());
        }
        assertNotSame(logRatio, KlEstimator.K1.apply(logRatio));
    }

    @Test
    void configNames() {
        assertEquals(KlEstimator.K3, KlEstimator.fromConfigName("k3"));
        assertEquals(KlEstimator.ABS, KlEstimator.fromConfigName("ABS"));
        assertEquals("k1", KlEstimator.K1.configName());
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> KlEstimator.fromConfigName("k2"));
        assertEquals("ppo.kl_estimator must be one of k1, k3, abs, but is: k2", e.getMessage());
    }
}
