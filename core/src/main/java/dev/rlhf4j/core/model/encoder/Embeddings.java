package dev.rlhf4j.core.model.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import dev.rlhf4j.core.model.Norm;
import dev.rlhf4j.core.model.ParamFactory;

/**
 * The input embeddings: {@code LayerNorm(word[ids] + type[types] + position[positions])}, then
 * dropout. Dimensions: B batch, T tokens, C width.
 *
 * <ul>
 *   <li>BERT and DeBERTa: positions {@code 0..T-1} (right padding keeps them right).
 *   <li>RoBERTa: positions count the non-pad tokens from {@code pad_token_id + 1}, pads get {@code
 *       pad_token_id} (fairseq's {@code make_positions}), so the first token is at 2 for pad id 1.
 *   <li>DeBERTa: absolute positions only with {@code position_biased_input}, token types only when
 *       {@code type_vocab_size > 0}, and the output is zeroed at padding, as transformers does.
 * </ul>
 */
final class Embeddings {
    private final EncoderConfig config;
    private final Parameter word;
    private final Parameter position; // null: DeBERTa without position_biased_input
    private final Parameter tokenType; // null: type_vocab_size 0
    private final Norm norm;

    Embeddings(ParamFactory params, String prefix, EncoderConfig config) {
        this.config = config;
        int c = config.hiddenSize();
        word = params.create(prefix + ".word_embeddings.weight", new Shape(config.vocabSize(), c));
        position = config.positionBiasedInput()
                ? params.create(prefix + ".position_embeddings.weight", new Shape(config.maxPositions(), c))
                : null;
        tokenType = config.typeVocabSize() > 0
                ? params.create(prefix + ".token_type_embeddings.weight", new Shape(config.typeVocabSize(), c))
                : null;
        norm = new Norm(params, prefix + ".LayerNorm", c, true, config.normEps());
    }

    /**
     * @param ids (B, T) token ids
     * @param mask (B, T) 1 on real tokens
     * @param types (B, T) token type ids, or null for all 0
     * @return (B, T, C)
     */
    NDArray forward(NDArray ids, NDArray mask, NDArray types, boolean training) {
        NDManager m = ids.getManager();
        long b = ids.getShape().get(0);
        long t = ids.getShape().get(1);
        NDArray x = lookup(word, ids); // (B, T, C)
        if (tokenType != null && config.family() != EncoderConfig.Family.DEBERTA_V2) {
            x = x.add(lookup(tokenType, types != null ? types : m.zeros(new Shape(b, t), DataType.INT64)));
        }
        if (position != null) {
            x = x.add(lookup(position, positions(ids, m, b, t)));
        }
        if (tokenType != null && config.family() == EncoderConfig.Family.DEBERTA_V2) {
            x = x.add(lookup(tokenType, types != null ? types : m.zeros(new Shape(b, t), DataType.INT64)));
        }
        x = norm.forward(x);
        if (config.family() == EncoderConfig.Family.DEBERTA_V2) {
            x = x.mul(mask.toType(DataType.FLOAT32, false).expandDims(2)); // (B, T, C), zero at padding
        }
        return Ops.dropout(x, config.hiddenDropout(), training);
    }

    /** (B, T) position ids; see the class comment. */
    private NDArray positions(NDArray ids, NDManager m, long b, long t) {
        if (t > config.maxLength()) {
            throw new IllegalArgumentException("a sequence of " + t + " tokens is longer than the model's "
                    + config.maxLength() + " positions (max_position_embeddings in config.json); shorten the input"
                    + " (reward_model.max_length)");
        }
        if (config.family() != EncoderConfig.Family.ROBERTA) {
            return m.arange(0, t, 1, DataType.INT64).expandDims(0).broadcast(b, t);
        }
        int pad = config.padTokenId();
        NDArray real = ids.toType(DataType.INT64, false).neq(pad).toType(DataType.INT64, false); // (B, T)
        return real.cumSum(1).mul(real).add(pad); // (B, T)
    }

    private static NDArray lookup(Parameter table, NDArray ids) {
        return Embedding.embedding(ids.toType(DataType.INT64, false), table.getArray(), SparseFormat.DENSE)
                .singletonOrThrow();
    }
}
