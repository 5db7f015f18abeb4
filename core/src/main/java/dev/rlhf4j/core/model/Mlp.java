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
    private static final float C1 = (float) (2 * Math.sqrt(2.0 / Math.PI));
    private static final float C2 = (float) (0.044715 * 2 * Math.sqrt(2.0 / Math.PI));

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
     * GELU, tanh approximation ({@code gelu_new}): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))),
     * computed as x·σ(x·(c₁ + c₂·x²)) with c₁ = 2√(2/π), c₂ = 0.044715·c₁ (since 0.5·(1 + tanh z) =
     * σ(2z)): six operations and their backward where the formula as written takes nine (libtorch
     * has a fused tanh GELU, but DJL binds only the erf one). Agrees with transformers' {@code
     * gelu_new} to float rounding, and is more accurate for large negative x, where 1 + tanh cancels.
     */
    static NDArray geluTanh(NDArray x) {
        // each intermediate's handle is closed once used: autograd keeps its own reference to what
        // the backward reads, so only the rest is freed, as PyTorch frees it; the scalars stay
        // open, as arrays of the step's scope (see Scalars)
        NDArray square = x.square();
        NDArray scaled = square.mul(Scalars.of(x, C2));
        square.close();
        NDArray poly = scaled.add(C1);
        scaled.close();
        NDArray z = poly.mul(x);
        poly.close();
        NDArray gate = Activation.sigmoid(z);
        z.close();
        NDArray out = x.mul(gate);
        gate.close();
        return out;
    }

    /**
     * {@link #geluTanh} without gradients, overwriting {@code x} (which it returns): the same
     * operations in the same order, two temporaries.
     */
    static NDArray geluTanhInPlace(NDArray x) {
        try (NDArray z = x.square()) {
            z.muli(C2).addi(C1).muli(x); // x·(c₁ + c₂·x²)
            try (NDArray gate = Activation.sigmoid(z)) { // DJL has no in-place sigmoid
                x.muli(gate);
            }
        }
        return x;
    }
}
