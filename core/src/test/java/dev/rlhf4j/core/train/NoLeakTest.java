package dev.rlhf4j.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loop parts close what they create: live NDArrays do not grow with the number of steps. */
class NoLeakTest {

    @TempDir
    Path tmp;

    @Test
    void liveArraysStayConstantOverManySteps() throws IOException {
        try (TinyTrainer t = new TinyTrainer(tmp, 100, 1, null)) {
            t.trainUntil(3, 2, null); // warm up: the optimizer and the first checkpoint
            int before = live();
            t.trainUntil(23, 2, null); // accumulation, clipping, AdamW, checkpoints
            assertEquals(before, live());
        }
    }

    private static int live() {
        try (NDManager probe = NDManager.newBaseManager()) { // its parent is the engine's system manager
            return probe.getParentManager().getManagedArrays().size();
        }
    }
}
