package dev.rlhf4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;

/**
 * Rotary position embeddings as in transformers' Llama: {@code inv_freq_i = θ^(-2i/D)}, angle =
 * position · inv_freq, tables {@code cos/sin(cat(angle, angle))}, and {@code x·cos +
 * rotate_half(x)·sin} with {@code rotate_half(x) = cat(-x[D/2:], x[:D/2])}.
 */
final class Rope {
    private final float[] invFreq;

    Rope(int headDim, float theta) {
        invFreq = new float[headDim / 2];
        for (int i = 0; i < invFreq.length; i++) {
            invFreq[i] = (float) (1.0 / Math.pow(theta, (2.0 * i) / headDim));
        }
    }

    /** Tables for positions (B, T). */
    Tables tables(NDArray positions) {
        NDArray freq = positions.getManager().create(invFreq);
        NDArray angle = positions.toType(DataType.FLOAT32, false).expandDims(-1).mul(freq); // (B, T, D/2)
        NDArray emb = angle.concat(angle, -1).expandDims(1); // (B, 1, T, D)
        return new Tables(emb.cos(), emb.sin());
    }

    /** cos and sin, (B, 1, T, D) each. */
    record Tables(NDArray cos, NDArray sin) {

        /** (B, H, T, D) → (B, H, T, D). */
        NDArray apply(NDArray x) {
            // split, not NDIndex: DJL's indexing slices every axis, and autograd turns each slice
            // into a zero-filled copy of the whole array in the backward
            NDList halves = x.split(2, 3); // x1, x2: (B, H, T, D/2)
            NDArray rotated = halves.get(1).neg().concat(halves.get(0), -1);
            return x.mul(cos).add(rotated.mul(sin));
        }
    }
}
