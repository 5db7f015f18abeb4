package dev.rlhf4j.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's minor page faults and CPU time so far (Linux {@code /proc/self/stat}). The
 * difference of two readings around a step says where its wall time went: equal user time but more
 * system time than PyTorch's, with tens of thousands of page faults, is the allocator handing
 * memory back to the kernel and faulting it in again (see the README's "Performance").
 *
 * @param minorFaults minor page faults
 * @param userS user CPU seconds, all threads
 * @param sysS system CPU seconds, all threads
 */
record ProcessTimes(long minorFaults, double userS, double sysS) {

    /** Clock ticks per second of /proc's times: USER_HZ, 100 on every Linux architecture in use. */
    private static final double TICKS = 100.0;

    /** Now, or null off Linux. */
    static ProcessTimes now() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            // fields after the ")" that ends the command name: state is field 3, so field n is at n - 3
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new ProcessTimes(Long.parseLong(f[10 - 3]), Long.parseLong(f[14 - 3]) / TICKS,
                    Long.parseLong(f[15 - 3]) / TICKS);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** What happened between {@code before} and this reading. */
    ProcessTimes since(ProcessTimes before) {
        return new ProcessTimes(minorFaults - before.minorFaults, userS - before.userS, sysS - before.sysS);
    }
}
