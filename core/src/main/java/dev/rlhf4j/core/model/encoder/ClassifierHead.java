package dev.rlhf4j.core.model.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.rlhf4j.core.model.ParamFactory;
import java.util.List;

/**
 * The sequence-classification head on the first token ([CLS] / {@code <s>}), as each family's
 * {@code *ForSequenceClassification} computes it (L = {@code num_labels}):
 *
 * <ul>
 *   <li>BERT: {@code classifier(dropout(tanh(bert.pooler.dense(h₀))))};
 *   <li>RoBERTa: {@code classifier.out_proj(dropout(tanh(classifier.dense(dropout(h₀)))))};
 *   <li>DeBERTa: {@code classifier(dropout(act(pooler.dense(h₀))))}, act = {@code pooler_hidden_act}.
 * </ul>
 */
final class ClassifierHead {
    private final EncoderConfig config;
    private final Parameter dense;
    private final Parameter denseBias;
    private final Parameter out;
    private final Parameter outBias;

    ClassifierHead(ParamFactory params, EncoderConfig config) {
        this.config = config;
        List<String> names = tensorNames(config);
        int c = config.hiddenSize();
        dense = params.create(names.get(0), new Shape(c, c));
        denseBias = params.create(names.get(1), new Shape(c));
        out = params.create(names.get(2), new Shape(config.numLabels(), c));
        outBias = params.create(names.get(3), new Shape(config.numLabels()));
    }

    /** The head's tensors: the pooling dense layer's weight and bias, then the output layer's. */
    static List<String> tensorNames(EncoderConfig config) {
        return switch (config.family()) {
            case BERT -> List.of("bert.pooler.dense.weight", "bert.pooler.dense.bias", "classifier.weight",
                    "classifier.bias");
            case ROBERTA -> List.of("classifier.dense.weight", "classifier.dense.bias", "classifier.out_proj.weight",
                    "classifier.out_proj.bias");
            case DEBERTA_V2 -> List.of("pooler.dense.weight", "pooler.dense.bias", "classifier.weight",
                    "classifier.bias");
        };
    }

    /**
     * @param hidden (B, T, C) the encoder's last hidden states
     * @return (B, L) logits
     */
    NDArray forward(NDArray hidden, boolean training) {
        NDArray first = hidden.get(new NDIndex(":, 0, :")); // (B, C)
        float p = config.classifierDropout();
        NDArray pooled = switch (config.family()) {
            case BERT -> Ops.activation("tanh", Ops.linear(first, dense, denseBias));
            case ROBERTA -> Ops.activation("tanh", Ops.linear(Ops.dropout(first, p, training), dense, denseBias));
            case DEBERTA_V2 -> Ops.activation(config.poolerAct(), Ops.linear(first, dense, denseBias));
        };
        return Ops.linear(Ops.dropout(pooled, p, training), out, outBias); // (B, L)
    }
}
