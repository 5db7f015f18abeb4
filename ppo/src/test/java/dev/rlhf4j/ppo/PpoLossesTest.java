package dev.rlhf4j.ppo;

import static dev.rlhf4j.core.testing.JsonFixture.assertAllClose;
import static dev.rlhf4j.core.testing.JsonFixture.assertClose;
import static dev.rlhf4j.ppo.PpoFixture.FIXTURE;
import static dev.rlhf4j.ppo.PpoFixture.TOL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.rlhf4j.core.ops.Masked;
import dev.rlhf4j.core.testing.ScopeLeaks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PpoLossesTest {

    private NDManager manager;
    private NDArray mask;
    private NDArray advantages;
    private NDArray returns;
    private float clipRange;
    private float clipRangeValue;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        mask = FIXTURE.floats(manager, "mask");
        advantages = FIXTURE.floats(manager, "expected.whitened_advantages");
        returns = FIXTURE.floats(manager, "expected.returns");
        clipRange = (float) FIXTURE.scalar("params.clip_range");
        clipRangeValue = (float) FIXTURE.scalar("params.clip_range_value");
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void policyLossMatchesTrl() {
        PpoLosses.PolicyLoss p = PpoLosses.policyLoss(
                FIXTURE.floats(manager, "new_logprobs"), FIXTURE.floats(manager, "old_logprobs"), advantages, mask, clipRange);
        assertClose(FIXTURE.scalar("expected.pg_loss"), p.pgLoss().getFloat(), TOL, "pg_loss");
        assertAllClose(FIXTURE.floats(manager, "expected.ratio"), p.ratio().mul(mask), TOL, "ratio");
        assertClose(FIXTURE.scalar("expected.pg_clipfrac"), p.clipfrac(), TOL, "clipfrac");
        assertClose(FIXTURE.scalar("expected.approx_kl"), p.approxKl(), TOL, "approx_kl (masked)");
        assertClose(FIXTURE.scalar("expected.ratio_mean"), p.ratioMean(), TOL, "ratio mean");
        assertClose(FIXTURE.scalar("expected.ratio_var"), p.ratioVar(), TOL, "ratio var");
        assertTrue(p.clipfrac() > 0 && p.clipfrac() < 1, "the fixture clips some tokens, not all");
    }

    @Test
    void valueLossMatchesTrl() {
        PpoLosses.ValueLoss v = PpoLosses.valueLoss(
                FIXTURE.floats(manager, "new_values"), FIXTURE.floats(manager, "values"), returns, mask, clipRangeValue);
        assertClose(FIXTURE.scalar("expected.vf_loss"), v.vfLoss().getFloat(), TOL, "vf_loss");
        assertClose(FIXTURE.scalar("expected.vf_clipfrac"), v.vfClipfrac(), TOL, "vf_clipfrac");
    }

    @Test
    void explainedVarianceAndEntropyMatchReference() {
        float ev = PpoLosses.explainedVariance(FIXTURE.floats(manager, "values"), returns, mask);
        assertClose(FIXTURE.scalar("expected.explained_variance"), ev, TOL, "explained variance");
        NDArray entropy = PpoLosses.entropyMean(FIXTURE.floats(manager, "logits"), mask, 1f);
        assertClose(FIXTURE.scalar("expected.entropy_mean"), entropy.getFloat(), TOL, "entropy mean");
    }

    @Test
    void ratioOneGivesMinusMeanAdvantageAndNoClipping() {
        NDArray logProbs = FIXTURE.floats(manager, "old_logprobs");
        PpoLosses.PolicyLoss p = PpoLosses.policyLoss(logProbs, logProbs, advantages, mask, clipRange);
        assertEquals(-Masked.maskedMean(advantages, mask).getFloat(), p.pgLoss().getFloat(), 1e-7);
        assertEquals(0f, p.clipfrac());
        assertEquals(0f, p.approxKl());
        assertEquals(1f, p.ratioMean());
        assertEquals(0f, p.ratioVar());
    }

    @Test
    void unchangedValuesGiveThePlainSquaredError() {
        NDArray values = manager.create(new float[] {1, 2, 3, 50}, new Shape(1, 4));
        NDArray target = manager.create(new float[] {2, 2, 0, 0}, new Shape(1, 4));
        NDArray m = manager.create(new float[] {1, 1, 1, 0}, new Shape(1, 4));
        PpoLosses.ValueLoss v = PpoLosses.valueLoss(values, values, target, m, 0.2f);
        assertEquals(0.5f * (1 + 0 + 9) / 3, v.vfLoss().getFloat(), 1e-6);
        assertEquals(0f, v.vfClipfrac());
        // values moved by 1 towards the target are clipped back to 0.2 on the way: the clipped loss counts
        NDArray moved = manager.create(new float[] {2, 2, 2, 50}, new Shape(1, 4));
        PpoLosses.ValueLoss c = PpoLosses.valueLoss(moved, values, target, m, 0.2f);
        assertEquals(0.5f * (0.8f * 0.8f + 0 + 2.8f * 2.8f) / 3, c.vfLoss().getFloat(), 1e-5);
        assertEquals(2f / 3f, c.vfClipfrac(), 1e-6);
    }

    @Test
    void explainedVarianceHandChecked() {
        NDArray r = manager.create(new float[] {1, 2, 3, 9}, new Shape(1, 4));
        NDArray m = manager.create(new float[] {1, 1, 1, 0}, new Shape(1, 4));
        assertEquals(1f, PpoLosses.explainedVariance(r, r, m));
        assertEquals(0f, PpoLosses.explainedVariance(manager.zeros(new Shape(1, 4)), r, m));
        assertTrue(Float.isNaN(PpoLosses.explainedVariance(r, manager.ones(new Shape(1, 4)), m)));
    }

    @Test
    void policyGradientAtRatioOneIsMinusAdvantageOverTokens() {
        NDArray logProbs = manager.create(new float[] {-1, -2, -3, -4}, new Shape(1, 4));
        NDArray old = logProbs.duplicate();
        NDArray adv = manager.create(new float[] {1, -2, 4, 100}, new Shape(1, 4));
        NDArray m = manager.create(new float[] {1, 1, 1, 0}, new Shape(1, 4));
        logProbs.setRequiresGradient(true);
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            collector.backward(PpoLosses.policyLoss(logProbs, old, adv, m, 0.2f).pgLoss());
        }
        assertArrayEquals(new float[] {-1f / 3, 2f / 3, -4f / 3, 0}, logProbs.getGradient().toFloatArray(), 1e-6f);
    }

    @Test
    void validation() {
        assertEquals(
                "ppo.clip_range must be between 0 and 1, but is: 1.5",
                assertThrows(IllegalArgumentException.class, () -> PpoLosses.policyLoss(mask, mask, mask, mask, 1.5f))
                        .getMessage());
        assertEquals(
                "ppo.clip_range_value must be positive, but is: 0.0",
                assertThrows(IllegalArgumentException.class, () -> PpoLosses.valueLoss(mask, mask, mask, mask, 0f))
                        .getMessage());
    }

    @Test
    void policyLossLeavesNoArraysBehind() {
        NDArray newLogProbs = FIXTURE.floats(manager, "new_logprobs");
        NDArray oldLogProbs = FIXTURE.floats(manager, "old_logprobs");
        ScopeLeaks.assertNoGrowth(
                manager,
                1000,
                () -> PpoLosses.policyLoss(newLogProbs, oldLogProbs, advantages, mask, clipRange),
                newLogProbs, oldLogProbs, advantages, mask);
    }

    /** The policy, value and entropy terms keep every operand their backward reads alive through a garbage collection. */
    @org.junit.jupiter.api.Test
    void gradientsSurviveAGarbageCollection() {
        float[] old = {-1.0f, -0.5f, -2.0f, -0.1f};
        float[] adv = {1.0f, -0.5f, 0.3f, -2.0f};
        float[] mask = {1f, 1f, 1f, 0f};
        dev.rlhf4j.core.testing.GcSafeGradients.assertGradientsSurviveAGarbageCollection(
                new float[][] {{-0.7f, -0.9f, -1.2f, -0.3f}, {0.5f, 0.1f, -0.4f, 0.9f}, {0.3f, -1f, 2f, 0.5f, 0f, 1f}},
                (m, x) -> {
                    NDArray shape = m.create(mask).reshape(1, 4);
                    NDArray pg = PpoLosses.policyLoss(x[0].reshape(1, 4), m.create(old).reshape(1, 4),
                            m.create(adv).reshape(1, 4), shape, 0.2f).pgLoss();
                    NDArray vf = PpoLosses.valueLoss(x[1].reshape(1, 4), m.create(new float[] {0.4f, 0.4f, 0f, 1f})
                            .reshape(1, 4), m.create(new float[] {1f, -1f, 0.2f, 0f}).reshape(1, 4), shape, 0.2f).vfLoss();
                    NDArray entropy = PpoLosses.entropyMean(x[2].reshape(1, 2, 3), m.create(new float[] {1f, 1f})
                            .reshape(1, 2), 0.7f);
                    return pg.add(vf).sub(entropy.mul(dev.rlhf4j.core.ops.Scalars.of(entropy, 0.01f)));
                });
    }
}
