package dev.rlhf4j.core.util;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.file.Path;

/**
 * libtorch's own profiler: every aten operation run between {@link #start} and {@link #stop}, with
 * its input shapes and time, written as a Chrome trace (open it in Perfetto or chrome://tracing;
 * {@code tools/trace_ops.py} sums it per operation and sets it beside a PyTorch trace of the same
 * work). What it sees is what the engine runs, the backward included, so it answers where a step's
 * time goes in a way a JVM profiler, which stops at the JNI call, cannot.
 */
public final class TorchProfiler {

    private TorchProfiler() {}

    /** Starts recording (CPU operations, with input shapes). */
    public static void start() {
        Engine.getEngine("PyTorch"); // loads libtorch, whose profiler this is
        JniUtils.startProfile(false, true, false);
    }

    /** Stops recording and writes the trace. */
    public static void stop(Path trace) {
        JniUtils.stopProfile(trace.toAbsolutePath().toString());
    }
}
