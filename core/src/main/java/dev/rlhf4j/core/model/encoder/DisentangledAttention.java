package dev.rlhf4j.core.model.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.rlhf4j.core.model.ParamFactory;
import dev.rlhf4j.core.ops.Scalars;

/**
 * DeBERTa's disentangled self-attention ({@code attention.self}). Dimensions: B batch, T tokens, H
 * heads, D head width, S the relative span ({@link EncoderConfig#attentionSpan}), R = 2S rows of
 * the relative embedding table E.
 *
 * <pre>
 * q, k, v  = query_proj(x), key_proj(x), value_proj(x)                 (B, H, T, D)
 * pk, pq   = key_proj(E), query_proj(E)  (share_att_key)
 *          | pos_key_proj(E), pos_query_proj(E)                         (1, H, R, D)
 * f        = 1 + [c2p] + [p2c];  s = √(D·f)
 * scores   = q·kᵀ/s
 *          + gather(q·pkᵀ, c2p[i, j]) / s                                 c2p: clamp(δ(i,j) + S, 0, R−1)
 *          + gather(k·pqᵀ, p2c[i, j])ᵀ / s                                p2c: clamp(−δ(i,j) + S, 0, R−1)
 * out      = softmax(scores + bias) · v
 * </pre>
 *
 * δ is {@link RelativePositions#bucket}. Without {@code relative_attention} it is plain scaled
 * attention.
 */
final class DisentangledAttention {
    private final EncoderConfig config;
    private final Parameter[] weights = new Parameter[3];
    private final Parameter[] biases = new Parameter[3];
    private final Parameter posKey; // pos_key_proj: c2p without share_att_key
    private final Parameter posKeyBias;
    private final Parameter posQuery; // pos_query_proj: p2c without share_att_key
    private final Parameter posQueryBias;

    DisentangledAttention(ParamFactory params, String prefix, EncoderConfig config) {
        this.config = config;
        int c = config.hiddenSize();
        String[] names = {"query_proj", "key_proj", "value_proj"};
        for (int i = 0; i < 3; i++) {
            weights[i] = params.create(prefix + "." + names[i] + ".weight", new Shape(c, c));
            biases[i] = params.create(prefix + "." + names[i] + ".bias", new Shape(c));
        }
        boolean separate = config.relativeAttention() && !config.shareAttKey();
        posKey = separate && config.c2p() ? params.create(prefix + ".pos_key_proj.weight", new Shape(c, c)) : null;
        posKeyBias = posKey != null ? params.create(prefix + ".pos_key_proj.bias", new Shape(c)) : null;
        posQuery = separate && config.p2c() ? params.create(prefix + ".pos_query_proj.weight", new Shape(c, c)) : null;
        posQueryBias = posQuery != null ? params.create(prefix + ".pos_query_proj.bias", new Shape(c)) : null;
    }

    /**
     * @param x (B, T, C)
     * @param bias (B, 1, 1, T) additive key mask
     * @param rel (R, C) the relative embeddings (normed if configured), or null without relative attention
     * @param c2pIndex (B, H, T, T) gather indices of the c2p term, or null
     * @param p2cIndex (B, H, T, T) gather indices of the p2c term, or null
     * @return (B, T, C), before the output projection
     */
    NDArray forward(NDArray x, NDArray bias, NDArray rel, NDArray c2pIndex, NDArray p2cIndex, boolean training) {
        NDArray q = heads(Ops.linear(x, weights[0], biases[0])); // (B, H, T, D)
        NDArray k = heads(Ops.linear(x, weights[1], biases[1]));
        NDArray v = heads(Ops.linear(x, weights[2], biases[2]));
        int factor = 1 + (config.c2p() ? 1 : 0) + (config.p2c() ? 1 : 0);
        NDArray inverseScale = Scalars.of(q, 1f / (float) Math.sqrt((double) config.headDim() * factor));
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(inverseScale); // (B, H, T, T)
        if (config.relativeAttention() && (config.c2p() || config.p2c())) {
            NDArray e = Ops.dropout(rel, config.hiddenDropout(), training).expandDims(0); // (1, R, C)
            if (config.c2p()) {
                NDArray pk = config.shareAttKey() ? Ops.linear(e, weights[1], biases[1]) : Ops.linear(e, posKey, posKeyBias);
                NDArray c2p = q.matMul(heads(pk).transpose(0, 1, 3, 2)); // (B, H, T, R)
                scores = scores.add(c2p.gather(c2pIndex, 3).mul(inverseScale)); // (B, H, T, T)
            }
            if (config.p2c()) {
                NDArray pq = config.shareAttKey() ? Ops.linear(e, weights[0], biases[0])
                        : Ops.linear(e, posQuery, posQueryBias);
                NDArray p2c = k.matMul(heads(pq).transpose(0, 1, 3, 2)); // (B, H, T_key, R)
                scores = scores.add(p2c.gather(p2cIndex, 3).transpose(0, 1, 3, 2).mul(inverseScale)); // (B, H, T, T)
            }
        }
        NDArray probs = Ops.dropout(scores.add(bias).softmax(-1), config.attentionDropout(), training);
        return SelfAttention.merge(probs.matMul(v)); // (B, T, C)
    }

    /** (N, T, C) → (N, H, T, D). */
    private NDArray heads(NDArray x) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1), config.numHeads(), config.headDim()).transpose(0, 2, 1, 3);
    }
}
