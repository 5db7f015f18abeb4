package dev.rlhf4j.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Peak resident memory of this process (Linux {@code VmHWM}): the JVM heap and libtorch's native
 * allocations together, which is what a machine has to hold. Every bench row reports it; run one
 * case per process ({@code --only}) to read it per case, since it never goes down.
 */
final class PeakRss {
    private PeakRss() {}

    /** Peak RSS in MB; NaN off Linux. */
    static double mb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
