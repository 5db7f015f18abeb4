package dev.rlhf4j.ppo;

import static dev.rlhf4j.core.testing.JsonFixture.assertAllClose;
import static dev.rlhf4j.ppo.PpoFixture.FIXTURE;
import static dev.rlhf4j.ppo.PpoFixture.TOL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RewardsTest {

    private NDManager manager;
    private NDArray logProbs;
    private NDArray refLogProbs;
    private NDArray mask;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        logProbs = FIXTURE.floats(manager, "logprobs"); // (B, T), garbage on padding
        refLogProbs = FIXTURE.floats(manager, "ref_logprobs");
        mask = FIXTURE.floats(manager, "mask");
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void k1RewardsMatchTrlComputeRewards() {
        NDArray scores = FIXTURE.floats(manager, "expected.scores"); // (B), row 0 missing EOS
        Rewards.TokenRewards r = Rewards.perToken(
                logProbs, refLogProbs, mask, scores, KlEstimator.K1, FIXTURE.scalar("params.kl_coef"));
        assertAllClose(FIXTURE.floats(manager, "expected.kl_k1_masked"), r.kl(), TOL, "kl");
        assertAllClose(FIXTURE.floats(manager, "expected.non_score_reward_k1"), r.nonScoreReward(), TOL, "non-score");
        assertAllClose(FIXTURE.floats(manager, "expected.rewards_k1"), r.rewards(), TOL, "rewards");
    }

    @Test
    void k3RewardsMatchTrlComputeRewards() {
        NDArray scores = FIXTURE.floats(manager, "expected.scores_clip_subtract");
        Rewards.TokenRewards r = Rewards.perToken(
                logProbs, refLogProbs, mask, scores, KlEstimator.K3, FIXTURE.scalar("params.case_k3.kl_coef"));
        assertAllClose(FIXTURE.floats(manager, "expected.kl_k3_masked"), r.kl(), TOL, "kl");
        assertAllClose(FIXTURE.floats(manager, "expected.non_score_reward_k3"), r.nonScoreReward(), TOL, "non-score");
        assertAllClose(FIXTURE.floats(manager, "expected.rewards_k3"), r.rewards(), TOL, "rewards");
    }

    @Test
    void scoreLandsOnTheLastRealToken() {
        NDArray m = manager.create(new float[] {1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0}, new Shape(3, 4));
        assertArrayEquals(
                new float[] {0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0}, Rewards.lastTokenMask(m).toFloatArray());
        NDArray same = manager.zeros(new Shape(3, 4));
        NDArray scores = manager.create(new float[] {2, -1, 7});
        Rewards.TokenRewards r = Rewards.perToken(same, same, m, scores, KlEstimator.K3, 0.1);
        assertArrayEquals(new float[] {0, 0, 2, 0, -1, 0, 0, 0, 0, 0, 0, 0}, r.rewards().toFloatArray(), 1e-7f);
    }
}
