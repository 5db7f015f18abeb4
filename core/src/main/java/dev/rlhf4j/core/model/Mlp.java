package dev.rlhf4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
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
    private final Projection in; // c_fc or gate_proj
    private final Projection up; // Llama only
    private final Projection out; // c_proj or down_proj

    Mlp(ParamFactory params, String prefix, ModelConfig config) {
        int d = config.hiddenSize();
        int inner = config.intermediateSize();
        this.gpt2 = config.family() == ModelConfig.Family.GPT2;
        if (gpt2) {
            in = Projection.create(params, prefix + ".c_fc", d, inner, true, true);
            up = null;
            out = Projection.create(params, prefix + ".c_proj", inner, d, true, true);
        } else {
            in = Projection.create(params, prefix + ".gate_proj", d, inner, false, false);
            up = Projection.create(params, prefix + ".up_proj", d, inner, false, false);
            out = Projection.create(params, prefix + ".down_proj", inner, d, false, false);
        }
    }

    /**
     * (B, T, C) → (B, T, C). Without gradients ({@code inference}) the activation runs in place on
     * the (B, T, I) projection: the same operations in the same order, so the same bits, without
     * allocating (and page-faulting) a new (B, T, I) array for each of them.
     */
    NDArray forward(NDArray x, boolean training, boolean inference) {
        if (gpt2) {
            NDArray h = in.apply(x, training, inference); // (B, T, 4C)
            if (!inference) {
                NDArray act = geluTanh(h);
                h.close(); // the handle only: autograd keeps what the backward reads
                NDArray y = out.apply(act, training, false);
                act.close();
                return y;
            }
            NDArray act = geluTanhInPlace(h);
            NDArray y = out.apply(act, training, true);
            act.close();
            return y;
        }
        NDArray gate = in.apply(x, training, inference); // (B, T, I)
        NDArray upped = up.apply(x, training, inference);
        NDArray h;
        if (inference) {
            try (NDArray sig = Activation.sigmoid(gate)) {
                h = gate.muli(sig).muli(upped);
            }
            upped.close();
        } else {
            h = gate.mul(Activation.sigmoid(gate)).mul(upped);
        }
        NDArray y = out.apply(h, training, inference);
        if (inference) {
            h.close();
        }
        return y;
    }

    /**
     * GELU, tanh approximation ({@code gelu_new}): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
     * {@code x³} is {@code x·x·x}, which is what libtorch's {@code pow(x, 3.0)} computes on its fast
     * path (same bits); DJL's pow takes a tensor exponent and runs the slow per-element
     * {@code std::pow} instead.
     */
    static NDArray geluTanh(NDArray x) {
        // each intermediate's handle is closed once used: autograd keeps its own reference to what
        // the backward reads (x, tanh's result, the factors), so only the rest is freed, as
        // PyTorch frees it; the scalars stay open, as arrays of the step's scope (see Scalars)
        NDArray square = x.square();
        NDArray cube = square.mul(x);
        square.close();
        NDArray scaledCube = cube.mul(Scalars.of(x, 0.044715f));
        cube.close();
        NDArray sum = x.add(scaledCube);
        scaledCube.close();
        NDArray inner = sum.mul(Scalars.of(x, SQRT_2_OVER_PI));
        sum.close();
        NDArray tanh = inner.tanh();
        inner.close();
        NDArray onePlus = tanh.add(1f);
        tanh.close();
        NDArray product = x.mul(onePlus);
        onePlus.close();
        NDArray out = product.mul(Scalars.of(x, 0.5f));
        product.close();
        return out;
    }

    /**
     * {@link #geluTanh} without gradients, overwriting {@code x} (which it returns): the same
     * operations in the same order, one temporary instead of nine.
     */
    static NDArray geluTanhInPlace(NDArray x) {
        try (NDArray inner = x.square()) {
            inner.muli(x).muli(0.044715f).addi(x).muli(SQRT_2_OVER_PI); // √(2/π)·(x + 0.044715·x³)
            try (NDArray t = inner.tanh()) { // DJL has no in-place tanh
                x.muli(t.addi(1f)).muli(0.5f);
            }
        }
        return x;
    }
}
