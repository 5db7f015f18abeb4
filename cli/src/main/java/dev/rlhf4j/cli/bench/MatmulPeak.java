package dev.rlhf4j.cli.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** The FLOP/s libtorch reaches on a large float32 matmul in this process: the yardstick for model throughput. */
final class MatmulPeak {
    private MatmulPeak() {}

    /** Best of {@code reps} timings of an n×n by n×n matmul, in FLOP/s. */
    static double measure(NDManager parent, int n, int reps) {
        try (NDManager m = parent.newSubManager()) {
            NDArray a = m.randomNormal(new Shape(n, n));
            NDArray b = m.randomNormal(new Shape(n, n));
            double best = Double.MAX_VALUE;
            for (int i = 0; i < reps + 1; i++) {
                try (NDManager step = m.newSubManager()) {
                    NDArray x = a.duplicate();
                    x.attach(step);
                    long t0 = System.nanoTime();
                    x.matMul(b).toFloatArray(); // forces completion
                    long dt = System.nanoTime() - t0;
                    if (i > 0) { // first run warms up
                        best = Math.min(best, dt);
                    }
                }
            }
            return 2.0 * n * n * (double) n / (best / 1e9);
        }
    }
}
