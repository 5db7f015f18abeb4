package dev.rlhf4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.norm.Dropout;

/** One pre-norm decoder layer: {@code x + attn(norm1(x))}, then {@code x + mlp(norm2(x))}. */
final class DecoderLayer {
    private final ModelConfig config;
    private final Norm norm1;
    private final Attention attention;
    private final Norm norm2;
    private final Mlp mlp;

    DecoderLayer(ParamFactory params, String prefix, ModelConfig config) {
        this.config = config;
        boolean gpt2 = config.family() == ModelConfig.Family.GPT2;
        float eps = config.normEps();
        int c = config.hiddenSize();
        norm1 = new Norm(params, prefix + (gpt2 ? ".ln_1" : ".input_layernorm"), c, gpt2, eps);
        attention = new Attention(params, prefix + (gpt2 ? ".attn" : ".self_attn"), config);
        norm2 = new Norm(params, prefix + (gpt2 ? ".ln_2" : ".post_attention_layernorm"), c, gpt2, eps);
        mlp = new Mlp(params, prefix + ".mlp", config);
    }

    /**
     * (B, T, C) → (B, T, C). Without gradients the residual sums are taken in place on the
     * sublayers' outputs ({@code a + x} has the bits of {@code x + a}).
     */
    NDArray forward(NDArray x, NDArray bias, Rope.Tables rope, KvCache cache, int layer, boolean training) {
        boolean inference = Inference.active();
        NDArray a = attention.forward(norm1.forward(x), bias, rope, cache, layer, training, inference);
        x = inference ? dropout(a, training).addi(x) : x.add(dropout(a, training));
        NDArray m = mlp.forward(norm2.forward(x), training, inference);
        return inference ? dropout(m, training).addi(x) : x.add(dropout(m, training));
    }

    private NDArray dropout(NDArray x, boolean training) {
        // Llama-family configs have no residual dropout
        if (!training || config.dropout() == 0 || config.family() != ModelConfig.Family.GPT2) {
            return x;
        }
        return Dropout.dropout(x, config.dropout(), true).singletonOrThrow();
    }
}
