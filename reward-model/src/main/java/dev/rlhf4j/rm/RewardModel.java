package dev.rlhf4j.rm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.rlhf4j.core.checkpoint.PeftAdapter;
import dev.rlhf4j.core.config.LoraConfig;
import dev.rlhf4j.core.model.ModelConfig;
import dev.rlhf4j.core.model.encoder.EncoderConfig;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.core.train.NamedParameter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A reward model: token ids in, one raw score per sequence out. Two kinds sit behind this
 * interface, chosen by config.json's {@code model_type} ({@link #load}):
 *
 * <ul>
 *   <li>{@link DecoderRewardModel} ({@code gpt2}, {@code llama}, {@code qwen2}, {@code mistral}): a
 *       decoder trunk and {@code score.weight} read at the last token that is not padding; it can
 *       also serve as PPO's critic, reading the policy's tokens.
 *   <li>{@link EncoderRewardModel} ({@code bert}, {@code roberta}, {@code deberta-v2}): a
 *       bidirectional encoder and its family's head on the first token; it reads texts only
 *       (through its own tokenizer), never the policy's tokens.
 * </ul>
 *
 * <p>{@link RewardInputs#forModel} gives the token layout each kind was trained on. Results of
 * {@link #scores} live in the manager of {@code ids}: call it inside a per-step sub-manager.
 */
public interface RewardModel extends AutoCloseable {

    /** The decoder head's tensor name, as in transformers' {@code *ForSequenceClassification}. */
    String HEAD = "score.weight";

    /** The {@code config.json} key holding the stored {@link Normalization}. */
    String NORMALIZATION_KEY = "rlhf4j_reward_normalization";

    /**
     * Loads a one-label sequence-classification directory (written by rlhf4j or by transformers):
     * an encoder for {@code model_type} bert, roberta or deberta-v2, a decoder otherwise.
     */
    static RewardModel load(Path dir, NDManager manager) {
        if (PeftAdapter.isAdapter(dir)) { // a LoRA adapter on a decoder reward model (or causal LM)
            return DecoderRewardModel.load(dir, manager);
        }
        return EncoderConfig.isEncoder(dir) ? EncoderRewardModel.load(dir, manager) : DecoderRewardModel.load(dir, manager);
    }

    /** See {@link DecoderRewardModel#withLora}. */
    static DecoderRewardModel withLora(Path base, LoraConfig lora, long seed, NDManager manager) {
        return DecoderRewardModel.withLora(base, lora, seed, manager);
    }

    /** Whether {@code dir}'s config.json names a {@code *ForSequenceClassification} architecture. */
    static boolean isSequenceClassifier(Path dir) {
        return DecoderRewardModel.isSequenceClassifier(dir);
    }

    /** See {@link DecoderRewardModel#fromCausalLm}. */
    static DecoderRewardModel fromCausalLm(Path dir, NDManager manager, long seed) {
        return DecoderRewardModel.fromCausalLm(dir, manager, seed);
    }

    /** See {@link DecoderRewardModel#random}. */
    static DecoderRewardModel random(ModelConfig config, NDManager manager, long seed) {
        return DecoderRewardModel.random(config, manager, seed);
    }

    /** See {@link DecoderRewardModel#pooledIndex}. */
    static NDArray pooledIndex(NDArray ids, NDArray attentionMask, int padId) {
        return DecoderRewardModel.pooledIndex(ids, attentionMask, padId);
    }

    /** See {@link DecoderRewardModel#architecture}. */
    static String architecture(ModelConfig config) {
        return DecoderRewardModel.architecture(config);
    }

    /** Raw scores, dropout off. (B) float32. */
    default NDArray scores(NDArray ids, NDArray attentionMask) {
        return scores(ids, attentionMask, false);
    }

    /**
     * Raw scores.
     *
     * @param ids (B, T) token ids, padded with {@link #padTokenId()}
     * @param attentionMask (B, T) 1 on real tokens
     * @param training dropout on
     * @return (B) float32
     */
    NDArray scores(NDArray ids, NDArray attentionMask, boolean training);

    /** The id batches are padded with ({@code pad_token_id} of config.json), or -1 for none. */
    int padTokenId();

    /** The longest sequence the model reads, in tokens. */
    int maxLength();

    /** How {@link RewardInputs} lays out this model's input. */
    RewardInputs.Layout inputLayout();

    /** All parameters by Hugging Face name, in checkpoint order. */
    Map<String, Parameter> namedParameters();

    /**
     * The parameters that receive gradients (all of them unless frozen), in checkpoint order, for
     * the optimizer and clipping. Build the list again after {@link #setTrainable}.
     */
    default List<NamedParameter> trainableParameters() {
        List<NamedParameter> out = new ArrayList<>();
        namedParameters().forEach((name, p) -> {
            if (p.requiresGradient()) {
                out.add(new NamedParameter(name, p.getArray()));
            }
        });
        return List.copyOf(out);
    }

    /** Freezes (or unfreezes) every parameter; a frozen model holds no gradient buffers. */
    void setTrainable(boolean trainable);

    /** The stored normalisation; {@link Normalization#IDENTITY} until one is set or loaded. */
    Normalization normalization();

    /** Replaces the normalisation saved with the model (after training: over the reference set). */
    void setNormalization(Normalization normalization);

    /**
     * Saves a Hugging Face sequence-classification directory with {@code num_labels} 1 that
     * transformers loads unchanged (atomically; the tokenizer's files copied when not null).
     */
    void save(Path dir, Tokenizer tokenizer);

    /** Releases the parameters. */
    @Override
    void close();
}
