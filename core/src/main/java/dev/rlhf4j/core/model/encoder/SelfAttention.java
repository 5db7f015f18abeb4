package dev.rlhf4j.core.model.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.rlhf4j.core.model.ParamFactory;
import dev.rlhf4j.core.ops.Scalars;

/**
 * Bidirectional multi-head self-attention of BERT and RoBERTa ({@code attention.self}).
 * Dimensions: B batch, T tokens, H heads, D head width, C = H·D.
 *
 * <pre>
 * q, k, v = query(x), key(x), value(x)          (B, H, T, D)
 * out     = softmax(q·kᵀ/√D + bias) · v         bias (B, 1, 1, T): 0 on real keys, -1e9 on padding
 * </pre>
 */
final class SelfAttention {
    private final EncoderConfig config;
    private final Parameter[] weights = new Parameter[3];
    private final Parameter[] biases = new Parameter[3];

    SelfAttention(ParamFactory params, String prefix, EncoderConfig config) {
        this.config = config;
        int c = config.hiddenSize();
        String[] names = {"query", "key", "value"};
        for (int i = 0; i < 3; i++) {
            weights[i] = params.create(prefix + "." + names[i] + ".weight", new Shape(c, c));
            biases[i] = params.create(prefix + "." + names[i] + ".bias", new Shape(c));
        }
    }

    /**
     * @param x (B, T, C)
     * @param bias (B, 1, 1, T) additive key mask
     * @return (B, T, C), before the output projection
     */
    NDArray forward(NDArray x, NDArray bias, boolean training) {
        NDArray q = heads(Ops.linear(x, weights[0], biases[0])); // (B, H, T, D)
        NDArray k = heads(Ops.linear(x, weights[1], biases[1]));
        NDArray v = heads(Ops.linear(x, weights[2], biases[2]));
        NDArray scale = Scalars.of(q, 1f / (float) Math.sqrt(config.headDim()));
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(scale).add(bias); // (B, H, T, T)
        NDArray probs = Ops.dropout(scores.softmax(-1), config.attentionDropout(), training);
        return merge(probs.matMul(v)); // (B, T, C)
    }

    /** (B, T, C) → (B, H, T, D). */
    NDArray heads(NDArray x) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1), config.numHeads(), config.headDim()).transpose(0, 2, 1, 3);
    }

    /** (B, H, T, D) → (B, T, C). */
    static NDArray merge(NDArray x) {
        Shape s = x.getShape();
        return x.transpose(0, 2, 1, 3).reshape(s.get(0), s.get(2), s.get(1) * s.get(3));
    }
}
