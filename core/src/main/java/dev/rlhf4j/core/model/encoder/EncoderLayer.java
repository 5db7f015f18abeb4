package dev.rlhf4j.core.model.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.rlhf4j.core.model.Norm;
import dev.rlhf4j.core.model.ParamFactory;

/**
 * One post-LN encoder layer ({@code encoder.layer.N}), the same in all three families but for the
 * attention:
 *
 * <pre>
 * a = LayerNorm(x + dropout(attention.output.dense(attention(x))))
 * y = LayerNorm(a + dropout(output.dense(act(intermediate.dense(a)))))
 * </pre>
 */
final class EncoderLayer {
    private final EncoderConfig config;
    private final SelfAttention selfAttention; // BERT, RoBERTa
    private final DisentangledAttention disentangled; // DeBERTa
    private final Parameter attnOut;
    private final Parameter attnOutBias;
    private final Norm attnNorm;
    private final Parameter inner;
    private final Parameter innerBias;
    private final Parameter out;
    private final Parameter outBias;
    private final Norm outNorm;

    EncoderLayer(ParamFactory params, String prefix, EncoderConfig config) {
        this.config = config;
        int c = config.hiddenSize();
        int i = config.intermediateSize();
        boolean deberta = config.family() == EncoderConfig.Family.DEBERTA_V2;
        selfAttention = deberta ? null : new SelfAttention(params, prefix + ".attention.self", config);
        disentangled = deberta ? new DisentangledAttention(params, prefix + ".attention.self", config) : null;
        attnOut = params.create(prefix + ".attention.output.dense.weight", new Shape(c, c));
        attnOutBias = params.create(prefix + ".attention.output.dense.bias", new Shape(c));
        attnNorm = new Norm(params, prefix + ".attention.output.LayerNorm", c, true, config.normEps());
        inner = params.create(prefix + ".intermediate.dense.weight", new Shape(i, c));
        innerBias = params.create(prefix + ".intermediate.dense.bias", new Shape(i));
        out = params.create(prefix + ".output.dense.weight", new Shape(c, i));
        outBias = params.create(prefix + ".output.dense.bias", new Shape(c));
        outNorm = new Norm(params, prefix + ".output.LayerNorm", c, true, config.normEps());
    }

    /**
     * @param x (B, T, C)
     * @param ctx the mask and relative-position inputs shared by every layer
     * @return (B, T, C)
     */
    NDArray forward(NDArray x, EncoderClassifier.Context ctx, boolean training) {
        NDArray context = selfAttention != null
                ? selfAttention.forward(x, ctx.bias(), training)
                : disentangled.forward(x, ctx.bias(), ctx.rel(), ctx.c2pIndex(), ctx.p2cIndex(), training);
        NDArray projected = Ops.dropout(Ops.linear(context, attnOut, attnOutBias), config.hiddenDropout(), training);
        NDArray a = attnNorm.forward(projected.add(x)); // (B, T, C)
        NDArray h = Ops.activation(config.hiddenAct(), Ops.linear(a, inner, innerBias)); // (B, T, I)
        NDArray y = Ops.dropout(Ops.linear(h, out, outBias), config.hiddenDropout(), training);
        return outNorm.forward(y.add(a)); // (B, T, C)
    }
}
