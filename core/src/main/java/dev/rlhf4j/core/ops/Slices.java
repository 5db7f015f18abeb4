package dev.rlhf4j.core.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * A range along one axis, as one libtorch {@code slice} (a view).
 *
 * <p>Why not {@code x.get(":, a:b")}: DJL's indexing slices <em>every</em> axis, the full ones
 * too, and autograd records each slice; the backward of each allocates a zero-filled array of the
 * input's full size and copies the gradient into it. On (B, T, V) logits that is two passes of
 * hundreds of MB per slice, for a view that costs nothing in the forward.
 */
public final class Slices {

    private Slices() {}

    /** {@code x[..., from:to, ...]} on {@code axis} (a view, in the manager of {@code x}). */
    public static NDArray along(NDArray x, int axis, long from, long to) {
        if (x instanceof PtNDArray pt) {
            return JniUtils.slice(pt, axis, from, to, 1);
        }
        throw new IllegalArgumentException("rlhf4j runs on DJL's PyTorch engine, but an array is a " + x.getClass().getName());
    }
}
