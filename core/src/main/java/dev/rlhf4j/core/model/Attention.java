package dev.rlhf4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
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
    private final Projection qkv; // GPT-2 c_attn
    private final Projection[] qkvProj; // Llama q_proj, k_proj, v_proj
    private final Projection out; // c_proj or o_proj

    Attention(ParamFactory params, String prefix, ModelConfig config) {
        this.config = config;
        this.gpt2 = config.family() == ModelConfig.Family.GPT2;
        int c = config.hiddenSize();
        int q = config.numHeads() * config.headDim();
        int kv = config.numKvHeads() * config.headDim();
        if (gpt2) {
            qkv = Projection.create(params, prefix + ".c_attn", c, 3L * c, true, true);
            out = Projection.create(params, prefix + ".c_proj", c, c, true, true);
            qkvProj = null;
        } else {
            String[] names = {"q_proj", "k_proj", "v_proj"};
            int[] widths = {q, kv, kv};
            qkvProj = new Projection[3];
            for (int i = 0; i < 3; i++) {
                qkvProj[i] = Projection.create(params, prefix + "." + names[i], c, widths[i],
                        config.attentionBias(), false);
            }
            out = Projection.create(params, prefix + ".o_proj", q, c, false, false);
            qkv = null;
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
            NDList fused = qkv.apply(x, training, false).split(3, 2); // 3 × (B, T, C)
            q = fused.get(0).reshape(b, t, h, d).transpose(0, 2, 1, 3); // (B, H, T, D)
            k = fused.get(1).reshape(b, t, h, d).transpose(0, 2, 1, 3);
            v = fused.get(2).reshape(b, t, h, d).transpose(0, 2, 1, 3);
        } else {
            q = qkvProj[0].apply(x, training, false).reshape(b, t, h, d).transpose(0, 2, 1, 3); // (B, H, T, D)
            k = qkvProj[1].apply(x, training, false).reshape(b, t, g, d).transpose(0, 2, 1, 3); // (B, G, T, D)
            v = qkvProj[2].apply(x, training, false).reshape(b, t, g, d).transpose(0, 2, 1, 3);
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
        // the scale on q (B, H, T, D), not on the (B, H, T, S) scores: a quarter of the work and
        // memory at T = S = 4·D, forward and backward; the scale as an array of the step's scope,
        // since the backward reads it (see Scalars). q as receiver, so the products live in the
        // step's scope, not the cache's; the bias added in place: add's backward does not read it
        NDArray scaledQ = q.mul(Scalars.of(q, 1f / (float) Math.sqrt(d)));
        NDArray scores = scaledQ.matMul(k.transpose(0, 1, 3, 2)).addi(bias); // (B, H, T, S)
        scaledQ.close(); // the handle only: autograd keeps what the backward reads
        NDArray probs = scores.softmax(-1);
        scores.close(); // softmax's backward reads its result, not its input: even with gradients this frees it
        if (training && config.dropout() > 0) {
            probs = Dropout.dropout(probs, config.dropout(), true).singletonOrThrow();
        }
        NDArray merged = probs.matMul(v).transpose(0, 2, 1, 3).reshape(b, t, (long) h * d); // (B, T, H·D)
        if (inference) {
            probs.close();
        }
        return out.apply(merged, training, false);
    }

    /** (B, G, S, D) → (B, G·n, S, D), each key/value head repeated for its n query heads. */
    private static NDArray repeatKv(NDArray kv, int n) {
        Shape s = kv.getShape();
        return kv.expandDims(2)
                .broadcast(s.get(0), s.get(1), n, s.get(2), s.get(3))
                .reshape(s.get(0), s.get(1) * n, s.get(2), s.get(3));
    }
}
