package dev.rlhf4j.core.testing;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Provokes what a long training run does now and then: a garbage collection that frees unreachable
 * direct buffers, whose memory is then reused. Call it between forward and backward to prove that
 * the backward reads no array whose Java handle was already closed (see {@code
 * dev.rlhf4j.core.ops.Scalars}).
 */
public final class GcChurn {

    private GcChurn() {}

    /** Collects garbage, waits for the cleaner, and refills small direct buffers with junk. */
    public static void churn() {
        System.gc();
        try {
            Thread.sleep(20); // the cleaner thread frees unreachable direct buffers
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<ByteBuffer> junk = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(4);
            b.putFloat(0, 1e30f);
            junk.add(b);
        }
    }
}
