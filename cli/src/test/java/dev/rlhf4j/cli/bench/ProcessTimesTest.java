package dev.rlhf4j.cli.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The fields read from /proc/self/stat are the page faults and CPU time, not their neighbours. */
class ProcessTimesTest {

    @Test
    void touchingFreshMemoryCountsFaultsAndSpinningCountsUserTime() {
        ProcessTimes before = ProcessTimes.now();
        assumeTrue(before != null, "Linux only");
        // 64 MB of fresh native memory, zeroed on allocation: 16,384 pages touched
        ByteBuffer buffer = ByteBuffer.allocateDirect(64 << 20);
        long spin = 0;
        long until = System.nanoTime() + 300_000_000L;
        while (System.nanoTime() < until) {
            spin += buffer.get((int) (spin & 0xFFFF)) + 1;
        }
        ProcessTimes d = ProcessTimes.now().since(before);
        assertTrue(d.minorFaults() >= 8_192, "minor faults " + d.minorFaults());
        assertTrue(d.userS() >= 0.1 && d.userS() < 10, "user s " + d.userS() + " (spin " + spin + ")");
        assertTrue(d.sysS() >= 0 && d.sysS() < 10, "sys s " + d.sysS());
    }
}
