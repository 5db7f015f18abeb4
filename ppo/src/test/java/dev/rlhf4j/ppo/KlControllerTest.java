package dev.rlhf4j.ppo;

import static dev.rlhf4j.core.testing.JsonFixture.assertClose;
import static dev.rlhf4j.ppo.PpoFixture.FIXTURE;
import static dev.rlhf4j.ppo.PpoFixture.TOL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class KlControllerTest {

    @Test
    void adaptiveMatchesTrlController() {
        for (JsonNode c : FIXTURE.node("expected.kl_controller")) {
            KlController after = KlController.adaptive(
                            c.get("init_beta").asDouble(), c.get("target").asDouble(), c.get("horizon").asDouble())
                    .update(c.get("mean_kl").asDouble(), c.get("n").asLong());
            assertClose(c.get("beta").asDouble(), after.beta(), 1e-12, "beta after " + c);
        }
    }

    @Test
    void meanKlIsThePerSequenceSumAveraged() {
        try (NDManager manager = NDManager.newBaseManager()) {
            double meanKl = KlController.meanKl(
                    FIXTURE.floats(manager, "expected.kl_k1_masked"), FIXTURE.floats(manager, "mask"));
            assertClose(FIXTURE.scalar("expected.mean_kl"), meanKl, TOL, "mean KL");
            double fromGarbage = KlController.meanKl(
                    FIXTURE.floats(manager, "expected.kl_k1"), FIXTURE.floats(manager, "mask"));
            assertClose(FIXTURE.scalar("expected.mean_kl"), fromGarbage, TOL, "mean KL ignores padding");
        }
    }

    @Test
    void handChecked() {
        KlController.Fixed fixed = KlController.fixed(0.05);
        assertSame(fixed, fixed.update(100, 64));
        KlController atTarget = KlController.adaptive(0.2, 6, 10000).update(6, 64);
        assertEquals(0.2, atTarget.beta(), 1e-15);
        // error 4 is clipped to 0.2: beta * (1 + 0.2 * 1000 / 10000) = 0.2 * 1.02
        assertEquals(0.204, KlController.adaptive(0.2, 6, 10000).update(30, 1000).beta(), 1e-12);
        // error -1 is clipped to -0.2
        assertEquals(0.196, KlController.adaptive(0.2, 6, 10000).update(0, 1000).beta(), 1e-12);
    }

    @Test
    void validation() {
        assertEquals(
                "ppo.kl_target must be positive, but is: 0.0",
                assertThrows(IllegalArgumentException.class, () -> KlController.adaptive(0.2, 0, 10000)).getMessage());
        assertEquals(
                "ppo.kl_coef must be non-negative, but is: -1.0",
                assertThrows(IllegalArgumentException.class, () -> KlController.fixed(-1)).getMessage());
        assertEquals(
                "the mean KL of the batch must be finite, but is: NaN",
                assertThrows(IllegalArgumentException.class, () -> KlController.adaptive(0.2, 6, 10)
                        .update(Double.NaN, 4)).getMessage());
    }
}
