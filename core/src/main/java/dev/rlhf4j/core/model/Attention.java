package dev.rlhf4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import dev.rlhf4j.core.ops.Scalars;

/**
 * Causal multi-head self-attention with optional grouped-query heads and RoPE.
 *
 * <p>Dimensions: B batch, T new tokens, S all positions (cached + new), H query heads, G key/value
 * heads, D head width, C model width.
 *
 * <pre>
 * q, k, v = proj(x)                              (B, H, T, D), (B, G, T, D)
 * q, k    = rope(q), rope(k)                     Llama family only
 * k, v    = cache ++ (k, v), repeat H/G times    (B, H, S, D)
 * out     = softmax(q·kᵀ/√D + bias) · v          bias: 0 where allowed, -1e9 elsewhere
 * </pre>
 *
 * GPT-2 stores one fused {@code c_attn} [C, 3C]; Llama stores q/k/v/o projections [out, in].
 */
final class Attention {
    private final ModelConfig config;
    private final boolean gpt2;
    private final Parameter qkv; // GPT-2 c_attn
    private final Parameter qkvBias;
    private final Parameter[] qkvProj; // Llama q_proj, k_proj, v_proj
    private final Parameter[] qkvProjBias;
    private final Parameter out;
    private final Parameter outBias;

    Attention(ParamFactory params, String prefix, ModelConfig config) {
        this.config = config;
        this.gpt2 = config.family() == ModelConfig.Family.GPT2;
        int c = config.hiddenSize();
        int q = config.numHeads() * config.headDim();
        int kv = config.numKvHeads() * config.headDim();
        if (gpt2) {
            qkv = params.create(prefix + ".c_attn.weight", new Shape(c, 3L * c));
            qkvBias = params.create(prefix + ".c_attn.bias", new Shape(3L * c));
            out = params.create(prefix + ".c_proj.weight", new Shape(c, c));
            outBias = params.create(prefix + ".c_proj.bias", new Shape(c));
            qkvProj = null;
            qkvProjBias = null;
        } else {
            String[] names = {"q_proj", "k_proj", "v_proj"};
            int[] widths = {q, kv, kv};
            qkvProj = new Parameter[3];
            qkvProjBias = new Parameter[3];
            for (int i = 0; i < 3; i++) {
                qkvProj[i] = params.create(prefix + "." + names[i] + ".weight", new Shape(widths[i], c));
                if (config.attentionBias()) {
                    qkvProjBias[i] = params.create(prefix + "." + names[i] + ".bias", new Shape(widths[i]));
                }
            }
            out = params.create(prefix + ".o_proj.weight", new Shape(c, q));
            outBias = null;
            qkv = null;
            qkvBias = null;
        }
    }

    /**
     * @param x (B, T, C)
     * @param bias additive mask (B, 1, T, S)
     * @param rope cos/sin tables (B, 1, T, D) each, or null for GPT-2
     * @param cache the layer's cache, or null
     * @param inference no gradients: the (B, H, T, S) scores and probabilities are closed as soon
     *     as they have been used
     * @return (B, T, C)
     */
    NDArray forward(NDArray x, NDArray bias, Rope.Tables rope, KvCache cache, int layer, boolean training,
            boolean inference) {
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        int h = config.numHeads();
        int g = config.numKvHeads();
        int d = config.headDim();
        NDArray q;
        NDArray k;
        NDArray v;
        if (gpt2) {
            // split, not NDIndex: DJL's indexing slices every axis, and autograd turns each slice
            // into a zero-filled copy of the whole (B, T, 3C) array in the backward
            NDList fused = x.matMul(qkv.getArray()).add(qkvBias.getArray()).split(3, 2); // 3 × (B, T, C)
            q = fused.get(0).reshape(b, t, h, d).transpose(0, 2, 1, 3); // (B, H, T, D)
            k = fused.get(1).reshape(b, t, h, d).transpose(0, 2, 1, 3);
            v = fused.get(2).reshape(b, t, h, d).transpose(0, 2, 1, 3);
        } else {
            q = project(x, 0).reshape(b, t, h, d).transpose(0, 2, 1, 3); // (B, H, T, D)
            k = project(x, 1).reshape(b, t, g, d).transpose(0, 2, 1, 3); // (B, G, T, D)
            v = project(x, 2).reshape(b, t, g, d).transpose(0, 2, 1, 3);
            q = rope.apply(q);
            k = rope.apply(k);
        }
        if (cache != null) {
            NDArray[] kv = cache.append(layer, k, v);
            k = kv[0];
            v = kv[1];
        }
        if (g != h) {
            k = repeatKv(k, h / g);
            v = repeatKv(v, h / g);
        }
        // q·kᵀ with q as receiver, so the result lives in the step's scope, not the cache's
        // the scale as an array of the step's scope: the backward reads it (see Scalars)
        // in place on the (B, H, T, S) product: neither mul's nor add's backward reads it, and
        // each copy of it costs as much memory as the rest of the layer
        NDArray scale = Scalars.of(q, 1f / (float) Math.sqrt(d));
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).muli(scale).addi(bias); // (B, H, T, S)
        NDArray probs = scores.softmax(-1);
        scores.close(); // softmax's backward reads its result, not its input: even with gradients this frees it
        if (training && config.dropout() > 0) {
            probs = Dropout.dropout(probs, config.dropout(), true).singletonOrThrow();
        }
        NDArray merged = probs.matMul(v).transpose(0, 2, 1, 3).reshape(b, t, (long) h * d); // (B, T, H·D)
        if (inference) {
            probs.close();
        }
        if (gpt2) {
            return merged.matMul(out.getArray()).add(outBias.getArray());
        }
        return Linear.linear(merged, out.getArray()).singletonOrThrow();
    }

    private NDArray project(NDArray x, int i) {
        Parameter bias = qkvProjBias[i];
        return bias == null
                ? Linear.linear(x, qkvProj[i].getArray()).singletonOrThrow()
                : Linear.linear(x, qkvProj[i].getArray(), bias.getArray()).singletonOrThrow();
    }

    /** (B, G, S, D) → (B, G·n, S, D), each key/value head repeated for its n query heads. */
    private static NDArray repeatKv(NDArray kv, int n) {
        Shape s = kv.getShape();
        return kv.expandDims(2)
                .broadcast(s.get(0), s.get(1), n, s.get(2), s.get(3))
                .reshape(s.get(0), s.get(1) * n, s.get(2), s.get(3));
    }
}
