package dev.rlhf4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import dev.rlhf4j.core.ops.Scalars;

/**
 * The feed-forward half of a decoder layer.
 *
 * <ul>
 *   <li>GPT-2: {@code c_proj(gelu_tanh(c_fc(x)))}, weights stored [in, out] (Conv1D layout).
 *   <li>Llama: {@code down_proj(silu(gate_proj(x)) · up_proj(x))}, weights stored [out, in].
 * </ul>
 */
final class Mlp {
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);

    private final boolean gpt2;
    private final Parameter in; // c_fc or gate_proj
    private final Parameter inBias;
    private final Parameter up; // Llama only
    private final Parameter out; // c_proj or down_proj
    private final Parameter outBias;

    Mlp(ParamFactory params, String prefix, ModelConfig config) {
        int d = config.hiddenSize();
        int inner = config.intermediateSize();
        this.gpt2 = config.family() == ModelConfig.Family.GPT2;
        if (gpt2) {
            in = params.create(prefix + ".c_fc.weight", new Shape(d, inner));
            inBias = params.create(prefix + ".c_fc.bias", new Shape(inner));
            up = null;
            out = params.create(prefix + ".c_proj.weight", new Shape(inner, d));
            outBias = params.create(prefix + ".c_proj.bias", new Shape(d));
        } else {
            in = params.create(prefix + ".gate_proj.weight", new Shape(inner, d));
            up = params.create(prefix + ".up_proj.weight", new Shape(inner, d));
            out = params.create(prefix + ".down_proj.weight", new Shape(d, inner));
            inBias = null;
            outBias = null;
        }
    }

    /** (B, T, C) → (B, T, C). */
    NDArray forward(NDArray x) {
        if (gpt2) {
            NDArray h = x.matMul(in.getArray()).add(inBias.getArray()); // (B, T, 4C)
            return geluTanh(h).matMul(out.getArray()).add(outBias.getArray());
        }
        NDArray gate = Linear.linear(x, in.getArray()).singletonOrThrow(); // (B, T, I)
        NDArray upped = Linear.linear(x, up.getArray()).singletonOrThrow();
        NDArray h = gate.mul(Activation.sigmoid(gate)).mul(upped);
        return Linear.linear(h, out.getArray()).singletonOrThrow();
    }

    /**
     * GELU, tanh approximation ({@code gelu_new}): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
     * {@code x³} is {@code x·x·x}, which is what libtorch's {@code pow(x, 3.0)} computes on its fast
     * path (same bits); DJL's pow takes a tensor exponent and runs the slow per-element
     * {@code std::pow} instead.
     */
    static NDArray geluTanh(NDArray x) {
        // scalars as arrays of the step's scope: the backward reads them (see Scalars)
        NDArray cube = x.square().mul(x);
        NDArray inner = x.add(cube.mul(Scalars.of(x, 0.044715f))).mul(Scalars.of(x, SQRT_2_OVER_PI));
        return x.mul(inner.tanh().add(1f)).mul(Scalars.of(x, 0.5f));
    }
}
