package dev.rlhf4j.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Reading and zeroing parameter gradients on DJL's PyTorch engine.
 *
 * <p>What DJL 0.36 does (PtGradientCollector, PtNDArray, JniUtils), which the training loop relies
 * on:
 *
 * <ul>
 *   <li>Gradients live in libtorch's {@code tensor.grad}; every {@code backward} <em>adds</em> to
 *       them, within one GradientCollector and across collectors. Opening or closing a collector
 *       does not zero them (the zeroing in the constructor is commented out upstream), so they
 *       accumulate until someone zeroes them: that is our job, see {@link #zero}.
 *   <li>{@code NDArray.getGradient()} wraps the same storage in a new Java handle attached to the
 *       parameter's manager (and to the current {@link ai.djl.ndarray.NDScope}); in-place ops on
 *       it change the real gradient. Before the first backward it returns a fresh zeros array
 *       instead, unrelated to the parameter; {@link #of} returns {@code null} then, like torch's
 *       {@code p.grad is None}.
 *   <li>{@code GradientCollector.zeroGradients()} walks every array of the system manager and
 *       subtracts the gradient from itself, which leaves NaN gradients NaN. {@link #zero} calls
 *       libtorch's {@code grad.zero_()} on the parameters we train instead.
 * </ul>
 */
final class Gradients {

    private Gradients() {}

    /**
     * The gradient of {@code param}, sharing its storage, or {@code null} if no backward has
     * reached it yet. The returned handle belongs to the caller: call inside an {@code NDScope}
     * or close it.
     */
    static NDArray of(NDArray param) {
        return JniUtils.getGradient(pt(param));
    }

    /** Sets the gradient of {@code param} to zero in place (NaN and Inf included); no-op if none. */
    static void zero(NDArray param) {
        JniUtils.zeroGrad(pt(param));
    }

    private static PtNDArray pt(NDArray param) {
        if (param instanceof PtNDArray pt) {
            return pt;
        }
        throw new IllegalArgumentException(
                "rlhf4j trains on DJL's PyTorch engine, but a parameter is a " + param.getClass().getName());
    }
}
