package dev.rlhf4j.ppo;

import static dev.rlhf4j.core.testing.JsonFixture.assertAllClose;
import static dev.rlhf4j.core.testing.JsonFixture.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.rlhf4j.core.testing.GcSafeGradients;
import dev.rlhf4j.core.testing.JsonFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The critic-free advantages and GRPO's loss against tools/make_advantage_fixture.py (TRL's RLOO and
 * GRPO trainers, OpenRLHF's REINFORCE++): advantages within 1e-6, losses within 1e-5.
 */
class AdvantagesTest {

    private static final JsonFixture FIXTURE = JsonFixture.load("/fixtures/advantage_numerics.json");
    private static final double ADVANTAGE_TOL = 1e-6;
    private static final double LOSS_TOL = 1e-5;

    private NDManager manager;
    private NDArray mask;
    private NDArray scores;
    private NDArray logprobs;
    private NDArray refLogprobs;
    private NDArray newLogprobs;
    private int k;
    private float beta;
    private float clip;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        mask = FIXTURE.floats(manager, "mask");
        scores = FIXTURE.floats(manager, "scores");
        logprobs = FIXTURE.floats(manager, "logprobs");
        refLogprobs = FIXTURE.floats(manager, "ref_logprobs");
        newLogprobs = FIXTURE.floats(manager, "new_logprobs");
        k = (int) FIXTURE.scalar("params.k");
        beta = (float) FIXTURE.scalar("params.beta");
        clip = (float) FIXTURE.scalar("params.clip_range");
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private Advantages.Inputs inputs() {
        Rewards.TokenRewards tr = Rewards.perToken(logprobs, refLogprobs, mask, scores, KlEstimator.K1, beta);
        return new Advantages.Inputs(tr, scores, null, mask);
    }

    @Test
    void rlooMatchesTrl() {
        Advantages.Inputs in = inputs();
        float[] rewards = Advantages.sequenceRewards(in.rewards(), scores, mask);
        assertAllClose(FIXTURE.floats(manager, "rloo.rewards"), manager.create(rewards), ADVANTAGE_TOL, "score − β·Σ kl");
        Advantages.Estimate e = new Advantages.Rloo(k).estimate(in);
        assertAllClose(FIXTURE.floats(manager, "rloo.advantages"), e.advantages(), ADVANTAGE_TOL, "RLOO advantages");
        assertNull(e.returns());
        PpoLosses.PolicyLoss loss = PpoLosses.policyLoss(newLogprobs, logprobs, e.advantages(), mask, clip);
        assertClose(FIXTURE.scalar("rloo.loss"), loss.pgLoss().getFloat(), LOSS_TOL, "RLOO token-level loss");
    }

    @Test
    void grpoMatchesTrlForEveryScalingAndLossType() {
        Advantages.Inputs in = inputs();
        int maxLength = (int) FIXTURE.scalar("params.max_completion_length");
        for (Advantages.ScaleRewards scale : Advantages.ScaleRewards.values()) {
            NDArray adv = new Advantages.Grpo(k, scale).estimate(in).advantages();
            assertAllClose(FIXTURE.floats(manager, "grpo.advantages_" + scale.key()), adv, ADVANTAGE_TOL,
                    "GRPO advantages, scale_rewards " + scale.key());
            for (PpoLosses.LossType type : PpoLosses.LossType.values()) {
                PpoLosses.GroupPolicyLoss l = PpoLosses.groupPolicyLoss(newLogprobs, logprobs, refLogprobs, adv, mask,
                        clip, beta, type, maxLength);
                assertClose(FIXTURE.scalar("grpo.loss_" + scale.key() + "_" + type.key()), l.loss().getFloat(), LOSS_TOL,
                        "GRPO loss, scale_rewards " + scale.key() + ", loss_type " + type.key());
                assertClose(FIXTURE.scalar("grpo.kl"), l.kl(), LOSS_TOL, "mean k3 KL");
            }
        }
    }

    @Test
    void reinforcePlusPlusMatchesOpenRlhf() {
        Advantages.Inputs in = inputs();
        assertAllClose(FIXTURE.floats(manager, "reinforce_pp.rewards"), in.rewards().rewards(), ADVANTAGE_TOL,
                "per-token rewards");
        Advantages.Estimate e = new Advantages.ReinforcePlusPlus((float) FIXTURE.scalar("params.gamma")).estimate(in);
        assertAllClose(FIXTURE.floats(manager, "reinforce_pp.returns"), e.returns(), ADVANTAGE_TOL, "returns");
        assertAllClose(FIXTURE.floats(manager, "reinforce_pp.advantages"), e.advantages(), ADVANTAGE_TOL, "advantages");
        PpoLosses.PolicyLoss loss = PpoLosses.policyLoss(newLogprobs, logprobs, e.advantages(), mask, clip);
        assertClose(FIXTURE.scalar("reinforce_pp.loss"), loss.pgLoss().getFloat(), LOSS_TOL, "REINFORCE++ loss");
    }

    @Test
    void handChecked() {
        // leave-one-out: 1 − (2 + 6) / 2 = −3, 2 − 7 / 2 = −1.5, 6 − 3 / 2 = 4.5
        assertArrayEquals(new float[] {-3f, -1.5f, 4.5f}, Advantages.leaveOneOut(new float[] {1, 2, 6}, 3), 1e-6f);
        assertArrayEquals(new float[] {-1f, 1f, 0f, 0f}, Advantages.leaveOneOut(new float[] {1, 2, 5, 5}, 2), 1e-6f);
        // a group of equal scores has no signal: advantage 0, not NaN; the other group is scaled by its own std √2
        float[] scores = {3, 3, 1, 3};
        float byGroup = 1f / (float) (Math.sqrt(2) + 1e-4);
        assertArrayEquals(new float[] {0f, 0f, -byGroup, byGroup},
                Advantages.groupNormalised(scores, 2, Advantages.ScaleRewards.GROUP), 1e-6f);
        float byBatch = 1f / (1f + 1e-4f); // unbiased std of {3, 3, 1, 3} is 1
        assertArrayEquals(new float[] {0f, 0f, -byBatch, byBatch},
                Advantages.groupNormalised(scores, 2, Advantages.ScaleRewards.BATCH), 1e-6f);
        assertArrayEquals(new float[] {0f, 0f, -1f, 1f},
                Advantages.groupNormalised(scores, 2, Advantages.ScaleRewards.NONE), 1e-6f);
        assertEquals(0.5, Advantages.flatGroupFraction(scores, 2));
        // γ-discounted reward-to-go, 0 past the end of each row
        NDArray r = manager.create(new float[] {1, 2, 3, 9, 4, 9}, new Shape(2, 3));
        NDArray m = manager.create(new float[] {1, 1, 1, 1, 0, 0}, new Shape(2, 3));
        assertArrayEquals(new float[] {1 + 0.5f * (2 + 0.5f * 3), 2 + 0.5f * 3, 3, 9, 0, 0},
                Advantages.discountedReturns(r, m, 0.5f).toFloatArray(), 1e-6f);
        // normalised over every real token of the batch (mean 0, biased variance 1), 0 on padding
        float[] n = Advantages.batchNormalised(r, m).toFloatArray();
        float sd = (float) Math.sqrt(9.6875); // real tokens 1, 2, 3, 9: mean 3.75, biased variance 9.6875
        assertArrayEquals(new float[] {-2.75f / sd, -1.75f / sd, -0.75f / sd, 5.25f / sd, 0f, 0f}, n, 1e-6f);
    }

    @Test
    void validation() {
        assertEquals("ppo.num_generations must be >= 2, but is: 1",
                assertThrows(IllegalArgumentException.class, () -> new Advantages.Rloo(1)).getMessage());
        assertEquals("the batch (5 rollouts) must hold whole groups of num_generations = 2 responses",
                assertThrows(IllegalArgumentException.class, () -> Advantages.leaveOneOut(new float[5], 2)).getMessage());
        assertEquals("ppo.gamma must be between 0 and 1, but is: 1.5",
                assertThrows(IllegalArgumentException.class, () -> new Advantages.ReinforcePlusPlus(1.5f)).getMessage());
    }

    /** At ratio 1 and β = 0 GRPO's loss is −mean over sequences of each sequence's mean advantage; β adds k3's gradient. */
    @Test
    void grpoGradientHandChecked() {
        NDArray lp = manager.create(new float[] {-1, -2, -3, -4}, new Shape(1, 4));
        NDArray adv = manager.create(new float[] {2, 2, 2, 0}, new Shape(1, 4));
        NDArray m = manager.create(new float[] {1, 1, 1, 0}, new Shape(1, 4));
        NDArray x = lp.duplicate();
        x.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(PpoLosses.groupPolicyLoss(x, lp, lp, adv, m, 0.2f, 0f, PpoLosses.LossType.GRPO, 8).loss());
        }
        assertArrayEquals(new float[] {-2f / 3, -2f / 3, -2f / 3, 0f}, x.getGradient().toFloatArray(), 1e-6f);
        // d k3 / d logp at logp = ref is 0 (k3 has its minimum there); Dr. GRPO divides by 1 × 8, not by 3 tokens
        NDArray y = lp.duplicate();
        y.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(PpoLosses.groupPolicyLoss(y, lp, lp, adv, m, 0.2f, 1f, PpoLosses.LossType.DR_GRPO, 8).loss());
        }
        assertArrayEquals(new float[] {-2f / 8, -2f / 8, -2f / 8, 0f}, y.getGradient().toFloatArray(), 1e-6f);
    }

    /** GRPO's loss, its k3 KL term included, keeps every operand its backward reads alive through a garbage collection. */
    @Test
    void grpoLossGradientsSurviveAGarbageCollection() {
        float[] old = {-1.0f, -0.5f, -2.0f, -0.1f, -0.3f, -1.1f};
        float[] ref = {-1.3f, -0.2f, -2.4f, -0.5f, -0.2f, -0.9f};
        float[] adv = {1.0f, 1.0f, 1.0f, -0.5f, -0.5f, 0f};
        float[] mask = {1f, 1f, 1f, 1f, 1f, 0f};
        for (PpoLosses.LossType type : PpoLosses.LossType.values()) {
            GcSafeGradients.assertGradientsSurviveAGarbageCollection(
                    new float[][] {{-0.7f, -0.9f, -1.2f, -0.3f, 0.1f, -1f}},
                    (m, x) -> PpoLosses.groupPolicyLoss(x[0].reshape(2, 3), m.create(old).reshape(2, 3),
                            m.create(ref).reshape(2, 3), m.create(adv).reshape(2, 3), m.create(mask).reshape(2, 3), 0.2f,
                            0.04f, type, 5).loss());
        }
    }
}
