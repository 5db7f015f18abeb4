package dev.rlhf4j.ppo;

import static dev.rlhf4j.core.testing.JsonFixture.assertAllClose;
import static dev.rlhf4j.ppo.PpoFixture.FIXTURE;
import static dev.rlhf4j.ppo.PpoFixture.TOL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.rlhf4j.ppo.ScoreProcessing.MissingEos;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ScoreProcessingTest {

    private NDManager manager;
    private NDArray raw;
    private NDArray hasEos;
    private ScoreProcessing defaults;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        raw = FIXTURE.floats(manager, "raw_scores"); // (B)
        hasEos = FIXTURE.floats(manager, "has_eos"); // (B)
        defaults = ScoreProcessing.of((float) FIXTURE.scalar("params.rm_mean"), (float) FIXTURE.scalar("params.rm_std"));
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void defaultsNormaliseAndReplaceMissingEos() {
        assertAllClose(FIXTURE.floats(manager, "expected.scores"), defaults.apply(raw, hasEos), TOL, "scores");
    }

    @Test
    void clipThenSubtractLikeTrl() {
        ScoreProcessing p = defaults.withRewardClip(0.5f).withMissingEos(MissingEos.SUBTRACT, 1f);
        assertAllClose(
                FIXTURE.floats(manager, "expected.scores_clip_subtract"), p.apply(raw, hasEos), TOL, "clip, subtract");
    }

    @Test
    void handChecked() {
        NDArray scores = manager.create(new float[] {3, -5, 1});
        NDArray eos = manager.create(new boolean[] {true, true, false});
        ScoreProcessing p = ScoreProcessing.of(1, 2);
        assertArrayEquals(new float[] {1, -3, -1}, p.apply(scores, eos).toFloatArray());
        assertArrayEquals(
                new float[] {1, -3, 0}, p.withMissingEos(MissingEos.IGNORE, 0).apply(scores, eos).toFloatArray());
        assertArrayEquals(
                new float[] {1, -2, -2},
                p.withRewardClip(2).withMissingEos(MissingEos.SUBTRACT, 2).apply(scores, eos).toFloatArray());
    }

    @Test
    void validation() {
        assertEquals(
                "reward model score std must be positive, but is: 0.0",
                assertThrows(IllegalArgumentException.class, () -> ScoreProcessing.of(0, 0)).getMessage());
        assertEquals(
                "ppo.reward_clip must be positive, but is: -1.0",
                assertThrows(IllegalArgumentException.class, () -> defaults.withRewardClip(-1)).getMessage());
    }
}
