package dev.rlhf4j.core.model;

import ai.djl.ndarray.NDArray;
import dev.rlhf4j.core.ops.TorchKernels;

/**
 * The feed-forward half of a decoder layer.
 *
 * <ul>
 *   <li>GPT-2: {@code c_proj(gelu_tanh(c_fc(x)))} ({@code gelu_new}), weights stored [in, out]
 *       (Conv1D layout).
 *   <li>Llama: {@code down_proj(silu(gate_proj(x)) · up_proj(x))}, weights stored [out, in].
 * </ul>
 */
final class Mlp {
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
     * (B, T, C) → (B, T, C). The activations are libtorch's fused kernels ({@link TorchKernels}):
     * one pass forward and one backward, where the formulas as DJL operations take three to six.
     * Without gradients ({@code inference}) each (B, T, I) array is closed as soon as it is used.
     */
    NDArray forward(NDArray x, boolean training, boolean inference) {
        if (gpt2) {
            NDArray h = in.apply(x, training, inference); // (B, T, 4C)
            NDArray act = TorchKernels.geluTanh(h);
            h.close(); // the handle only: autograd keeps what the backward reads
            NDArray y = out.apply(act, training, inference);
            act.close();
            return y;
        }
        NDArray gate = in.apply(x, training, inference); // (B, T, I)
        NDArray upped = up.apply(x, training, inference);
        NDArray act = TorchKernels.silu(gate);
        gate.close();
        // in place without gradients: the product overwrites the activation, no new (B, T, I) array
        NDArray h = inference ? act.muli(upped) : act.mul(upped);
        if (!inference) {
            act.close();
        }
        upped.close();
        NDArray y = out.apply(h, training, inference);
        h.close();
        return y;
    }
}
