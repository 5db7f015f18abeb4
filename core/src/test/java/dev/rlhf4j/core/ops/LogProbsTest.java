package dev.rlhf4j.core.ops;

import static dev.rlhf4j.core.testing.JsonFixture.assertAllClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.rlhf4j.core.testing.JsonFixture;
import dev.rlhf4j.core.testing.ScopeLeaks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Golden values from TRL's selective_log_softmax and entropy_from_logits (tools/make_ppo_fixtures.py). */
class LogProbsTest {

    private static final double TOL = 1e-5;
    private static final JsonFixture FIXTURE = JsonFixture.load("/fixtures/ops_numerics.json");

    private NDManager manager;
    private NDArray logits;
    private NDArray ids;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        logits = FIXTURE.floats(manager, "logits"); // (B, T, V)
        ids = FIXTURE.longs(manager, "ids"); // (B, T)
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void logProbsMatchTrl() {
        assertAllClose(FIXTURE.floats(manager, "logprobs"), LogProbs.logProbsOf(logits, ids), TOL, "logprobs");
        assertAllClose(
                FIXTURE.floats(manager, "logprobs_t07"), LogProbs.logProbsOf(logits, ids, 0.7f), TOL, "logprobs at 0.7");
        NDArray intIds = ids.toType(DataType.INT32, false);
        assertAllClose(FIXTURE.floats(manager, "logprobs"), LogProbs.logProbsOf(logits, intIds), TOL, "int32 ids");
    }

    @Test
    void entropyMatchesTrl() {
        assertAllClose(FIXTURE.floats(manager, "entropy"), LogProbs.entropy(logits), TOL, "entropy");
        assertAllClose(FIXTURE.floats(manager, "entropy_t07"), LogProbs.entropy(logits, 0.7f), TOL, "entropy at 0.7");
    }

    @Test
    void uniformLogitsGiveLogV() {
        NDArray flat = manager.zeros(new Shape(2, 3, 8)); // (B, T, V) all equal
        NDArray someIds = manager.create(new long[] {0, 7, 3, 1, 2, 5}, new Shape(2, 3));
        float logV = (float) Math.log(8);
        float[] expectedLogProbs = {-logV, -logV, -logV, -logV, -logV, -logV};
        assertArrayEquals(expectedLogProbs, LogProbs.logProbsOf(flat, someIds, 0.7f).toFloatArray(), 1e-6f);
        assertArrayEquals(new float[] {logV, logV, logV, logV, logV, logV}, LogProbs.entropy(flat).toFloatArray(), 1e-6f);
    }

    @Test
    void temperatureMustBePositive() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> LogProbs.logProbsOf(logits, ids, 0f));
        assertEquals("temperature must be positive, but is: 0.0", e.getMessage());
    }

    @Test
    void logProbsLeaveNoArraysBehind() {
        ScopeLeaks.assertNoGrowth(manager, 1000, () -> LogProbs.logProbsOf(logits, ids, 0.7f), logits, ids);
    }
}
