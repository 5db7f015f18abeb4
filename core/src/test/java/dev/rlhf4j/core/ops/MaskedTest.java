package dev.rlhf4j.core.ops;

import static dev.rlhf4j.core.testing.JsonFixture.assertAllClose;
import static dev.rlhf4j.core.testing.JsonFixture.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.rlhf4j.core.testing.JsonFixture;
import dev.rlhf4j.core.testing.ScopeLeaks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Golden values from tools/make_ppo_fixtures.py (TRL's masked_mean / masked_var / masked_whiten). */
class MaskedTest {

    private static final double TOL = 1e-5;
    private static final JsonFixture FIXTURE = JsonFixture.load("/fixtures/ops_numerics.json");

    private NDManager manager;
    private NDArray x;
    private NDArray mask;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        x = FIXTURE.floats(manager, "x"); // (B, T), garbage at padded positions
        mask = FIXTURE.floats(manager, "mask"); // (B, T)
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void sumsAndMeansMatchTrl() {
        assertClose(FIXTURE.scalar("masked_sum"), Masked.maskedSum(x, mask).getFloat(), TOL, "masked_sum");
        assertAllClose(FIXTURE.floats(manager, "masked_sum_rows"), Masked.maskedSum(x, mask, 1), TOL, "masked_sum rows");
        assertClose(FIXTURE.scalar("masked_mean"), Masked.maskedMean(x, mask).getFloat(), TOL, "masked_mean");
        assertAllClose(FIXTURE.floats(manager, "masked_mean_rows"), Masked.maskedMean(x, mask, 1), TOL, "masked_mean rows");
    }

    @Test
    void varianceMatchesTrl() {
        assertClose(FIXTURE.scalar("masked_var_unbiased"), Masked.maskedVar(x, mask).getFloat(), TOL, "unbiased");
        assertClose(FIXTURE.scalar("masked_var_biased"), Masked.maskedVar(x, mask, false).getFloat(), TOL, "biased");
    }

    @Test
    void whitenMatchesPpoNotesAndTrl() {
        NDArray whitened = Masked.maskedWhiten(x, mask);
        assertAllClose(FIXTURE.floats(manager, "masked_whiten"), whitened, TOL, "whiten (std + eps)");
        assertAllClose(FIXTURE.floats(manager, "masked_whiten_trl"), whitened, TOL, "whiten vs TRL rsqrt(var + eps)");
        NDArray noShift = Masked.maskedWhiten(x, mask, false);
        assertAllClose(FIXTURE.floats(manager, "masked_whiten_no_shift"), noShift, TOL, "whiten, mean kept");
        assertAllClose(FIXTURE.floats(manager, "masked_whiten_no_shift_trl"), noShift, TOL, "whiten, mean kept, TRL");
    }

    @Test
    void handCheckedRow() {
        NDArray row = manager.create(new float[] {1, 2, 3, 100}, new Shape(1, 4));
        NDArray real = manager.create(new boolean[] {true, true, true, false}, new Shape(1, 4));
        assertEquals(6f, Masked.maskedSum(row, real).getFloat());
        assertEquals(2f, Masked.maskedMean(row, real).getFloat());
        assertEquals(1f, Masked.maskedVar(row, real).getFloat(), 1e-6);
        assertEquals(2f / 3f, Masked.maskedVar(row, real, false).getFloat(), 1e-6);
        assertArrayEquals(new float[] {-1, 0, 1, 0}, Masked.maskedWhiten(row, real).toFloatArray(), 1e-6f);
        assertArrayEquals(new float[] {1, 2, 3, 0}, Masked.maskedWhiten(row, real, false).toFloatArray(), 1e-6f);
    }

    @Test
    void unbiasedVarianceNeedsTwoTokens() {
        NDArray row = manager.create(new float[] {5, 7}, new Shape(1, 2));
        NDArray one = manager.create(new float[] {1, 0}, new Shape(1, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Masked.maskedVar(row, one));
        assertEquals("the unbiased masked variance needs at least 2 real tokens, but the mask has: 1.0", e.getMessage());
        assertEquals(0f, Masked.maskedVar(row, one, false).getFloat());
    }

    @Test
    void whitenLeavesNoArraysBehind() {
        ScopeLeaks.assertNoGrowth(manager, 1000, () -> Masked.maskedWhiten(x, mask, false), x, mask);
    }
}
