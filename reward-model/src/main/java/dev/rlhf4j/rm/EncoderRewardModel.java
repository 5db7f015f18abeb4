package dev.rlhf4j.rm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.core.model.encoder.EncoderClassifier;
import dev.rlhf4j.core.model.encoder.EncoderConfig;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * An encoder reward model: a BERT, RoBERTa or DeBERTa-v2/v3 {@code *ForSequenceClassification}
 * with one label ({@link EncoderClassifier}), its logit the raw score. Pooling is each family's own,
 * at the first token ([CLS] / {@code <s>}): BERT's pooler, RoBERTa's classification head, DeBERTa's
 * {@code ContextPooler}; so a directory scores the same here and in transformers.
 *
 * <p>It reads text through its own tokenizer ({@link RewardInputs.Layout#ENCODER}: the
 * post-processor's special tokens, no EOS appended), one text per row with token types 0, right
 * padded with {@code pad_token_id}. It never reads a policy's tokens, so it cannot be PPO's critic.
 */
public final class EncoderRewardModel implements RewardModel {

    private final EncoderClassifier classifier;
    private Normalization normalization;

    private EncoderRewardModel(EncoderClassifier classifier, Normalization normalization) {
        this.classifier = classifier;
        this.normalization = normalization;
    }

    /**
     * Loads a one-label {@code BertForSequenceClassification}, {@code RobertaForSequenceClassification}
     * or {@code DebertaV2ForSequenceClassification} directory (written by {@link #save} or by transformers).
     */
    public static EncoderRewardModel load(Path dir, NDManager manager) {
        JsonNode config = ClassifierDirectory.readConfig(dir);
        ClassifierDirectory.checkSequenceClassifier(dir, config);
        EncoderConfig ec = EncoderConfig.fromJson(config, dir.resolve("config.json").toString());
        if (ec.numLabels() != 1) {
            throw new IllegalArgumentException(dir.resolve("config.json") + ": num_labels must be 1 for a reward model,"
                    + " but is: " + ec.numLabels());
        }
        return new EncoderRewardModel(EncoderClassifier.load(dir, ec, manager, -1),
                ClassifierDirectory.readNormalization(dir, config));
    }

    /**
     * A reward model from a pretrained encoder directory ({@code BertModel}, {@code *ForMaskedLM}, or a
     * classifier with a head of its own): its trunk, and a one-label head initialised as
     * transformers initialises a new one (N(0, initializer_range), seeded by {@code seed}, biases 0)
     * where the checkpoint has none.
     */
    public static EncoderRewardModel fromPretrained(Path dir, NDManager manager, long seed) {
        ObjectNode json = ((ObjectNode) ClassifierDirectory.readConfig(dir)).deepCopy();
        json.put("num_labels", 1);
        json.remove("id2label");
        json.remove("label2id");
        EncoderConfig ec = EncoderConfig.fromJson(json, dir.resolve("config.json").toString());
        return new EncoderRewardModel(EncoderClassifier.load(dir, ec, manager, seed & Long.MAX_VALUE), Normalization.IDENTITY);
    }

    /** Raw scores: the classifier's one logit per row. (B) float32. */
    @Override
    public NDArray scores(NDArray ids, NDArray attentionMask, boolean training) {
        NDArray logits = classifier.logits(ids, attentionMask, null, training); // (B, 1)
        return logits.reshape(logits.getShape().get(0)); // (B)
    }

    @Override
    public int padTokenId() {
        return classifier.config().padTokenId();
    }

    /** {@code max_position_embeddings}, less RoBERTa's position offset. */
    @Override
    public int maxLength() {
        return classifier.config().maxLength();
    }

    @Override
    public RewardInputs.Layout inputLayout() {
        return RewardInputs.Layout.ENCODER;
    }

    /** The encoder and its head. */
    public EncoderClassifier classifier() {
        return classifier;
    }

    @Override
    public Map<String, Parameter> namedParameters() {
        return classifier.namedParameters();
    }

    @Override
    public void setTrainable(boolean trainable) {
        classifier.setTrainable(trainable);
    }

    @Override
    public Normalization normalization() {
        return normalization;
    }

    @Override
    public void setNormalization(Normalization normalization) {
        this.normalization = Objects.requireNonNull(normalization, "normalization");
    }

    /**
     * Saves the family's {@code *ForSequenceClassification} directory: every tensor under its
     * transformers name, config.json with {@code num_labels} 1, {@code id2label}/{@code label2id},
     * {@code pad_token_id} and {@value RewardModel#NORMALIZATION_KEY}, and the tokenizer's files.
     */
    @Override
    public void save(Path dir, Tokenizer tokenizer) {
        classifier.save(dir, ClassifierDirectory.oneLabelKeys(padTokenId(), normalization), tokenizer);
    }

    @Override
    public void close() {
        classifier.close();
    }
}
