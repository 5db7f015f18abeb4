package dev.rlhf4j.ppo;

import static dev.rlhf4j.core.testing.JsonFixture.assertAllClose;
import static dev.rlhf4j.ppo.PpoFixture.FIXTURE;
import static dev.rlhf4j.ppo.PpoFixture.TOL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.rlhf4j.core.ops.Masked;
import dev.rlhf4j.core.testing.ScopeLeaks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GaeTest {

    private NDManager manager;
    private NDArray rewards;
    private NDArray values;
    private NDArray mask;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        rewards = FIXTURE.floats(manager, "expected.rewards_k1"); // (B, T)
        values = FIXTURE.floats(manager, "values"); // (B, T), garbage on padding
        mask = FIXTURE.floats(manager, "mask");
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void matchesTrlAdvantageLoop() {
        Gae.Result result = Gae.DEFAULT.compute(rewards, values, mask);
        assertAllClose(FIXTURE.floats(manager, "expected.advantages"), result.advantages(), TOL, "advantages");
        assertAllClose(FIXTURE.floats(manager, "expected.returns"), result.returns(), TOL, "returns");
        Gae other = new Gae(
                (float) FIXTURE.scalar("params.case_gae_099.gamma"), (float) FIXTURE.scalar("params.case_gae_099.lam"));
        Gae.Result result2 = other.compute(rewards, values, mask);
        assertAllClose(FIXTURE.floats(manager, "expected.advantages_gae_099"), result2.advantages(), TOL, "A, 0.99/0.9");
        assertAllClose(FIXTURE.floats(manager, "expected.returns_gae_099"), result2.returns(), TOL, "R, 0.99/0.9");
    }

    @Test
    void whitenedAdvantagesMatchPpoNotesAndTrl() {
        NDArray whitened = Masked.maskedWhiten(Gae.DEFAULT.compute(rewards, values, mask).advantages(), mask);
        assertAllClose(FIXTURE.floats(manager, "expected.whitened_advantages"), whitened, TOL, "whitened");
        assertAllClose(FIXTURE.floats(manager, "expected.whitened_advantages_trl"), whitened, TOL, "whitened, TRL");
    }

    @Test
    void handChecked() {
        // gamma = lambda = 1, V = 0: the advantage is the reward-to-go
        NDArray r = manager.create(new float[] {1, 2, 3, 99}, new Shape(1, 4));
        NDArray m = manager.create(new float[] {1, 1, 1, 0}, new Shape(1, 4));
        NDArray v0 = manager.create(new float[] {0, 0, 0, 42}, new Shape(1, 4));
        Gae.Result toGo = new Gae(1, 1).compute(r, v0, m);
        assertArrayEquals(new float[] {6, 5, 3, 0}, toGo.advantages().toFloatArray());
        assertArrayEquals(new float[] {6, 5, 3, 0}, toGo.returns().toFloatArray());
        // lambda = 0: one-step TD errors, with V = 0 after the last real token
        NDArray v = manager.create(new float[] {1, 2, 4, 42}, new Shape(1, 4));
        Gae.Result td = new Gae(1, 0).compute(r, v, m);
        assertArrayEquals(new float[] {1 + 2 - 1, 2 + 4 - 2, 3 - 4, 0}, td.advantages().toFloatArray());
        assertArrayEquals(new float[] {3, 6, 3, 0}, td.returns().toFloatArray());
    }

    @Test
    void validation() {
        assertEquals(
                "ppo.gamma must be between 0 and 1, but is: 1.5",
                assertThrows(IllegalArgumentException.class, () -> new Gae(1.5f, 0.95f)).getMessage());
        assertEquals(
                "ppo.lam must be between 0 and 1, but is: -0.1",
                assertThrows(IllegalArgumentException.class, () -> new Gae(1f, -0.1f)).getMessage());
        NDArray row = manager.zeros(new Shape(1, 3));
        assertEquals(
                "rewards, values and mask must have the same (B, T) shape, but are: (4, 7), (1, 3), (4, 7)",
                assertThrows(IllegalArgumentException.class, () -> Gae.DEFAULT.compute(rewards, row, mask))
                        .getMessage());
    }

    @Test
    void leavesNoArraysBehind() {
        ScopeLeaks.assertNoGrowth(manager, 1000, () -> Gae.DEFAULT.compute(rewards, values, mask), rewards, values, mask);
    }
}
