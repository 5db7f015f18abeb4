package dev.rlhf4j.rm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.checkpoint.PeftAdapter;
import dev.rlhf4j.core.config.LoraConfig;
import dev.rlhf4j.core.io.JsonFile;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.model.ModelConfig;
import dev.rlhf4j.core.model.WeightSource;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.core.train.LoraTraining;
import dev.rlhf4j.core.train.NamedParameter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A decoder reward model: a decoder trunk ({@link CausalLM} without its LM head) and a scalar head {@code
 * score.weight} of shape (1, C), no bias, read at the last real token of each sequence.
 *
 * <p>Dimensions: B sequences, T tokens, C model width.
 *
 * <pre>
 *   h      = trunk.hidden(ids, mask, positionsFromMask(mask))        (B, T, C)
 *   last_b = max { t : mask[b, t] = 1 and ids[b, t] != pad_token_id } (B)
 *   r_b    = h[b, last_b, :] · score.weightᵀ                         (B)
 * </pre>
 *
 * <p><b>Pooling.</b> The score is read where transformers' {@code *ForSequenceClassification}
 * reads it: at the last token whose id is not {@code pad_token_id} (tools/README.md, "Reward-model
 * pooling"), so a directory scores the same here and there. When the pad id differs from EOS that
 * is the appended EOS; when {@code pad == eos} (GPT-2, SmolLM2 and most base models, and TRL's
 * default when a tokenizer has no pad token) it is the token before the trailing EOS, exactly as a
 * model trained with TRL reads it. Without a pad id the last position of the attention mask is
 * read. Positions count real tokens only ({@link CausalLM#positionsFromMask}), so left or right
 * padding never changes a score; transformers' plain forward uses {@code arange(T)}, which agrees
 * on right-padded batches (and for RoPE models on left-padded ones too).
 *
 * <p><b>Directory.</b> {@link #save} writes a Hugging Face sequence-classification directory
 * ({@code GPT2ForSequenceClassification}, {@code LlamaForSequenceClassification}, {@code
 * Qwen2ForSequenceClassification}, {@code MistralForSequenceClassification}) with {@code
 * "num_labels": 1}, {@code id2label}/{@code label2id}, {@code pad_token_id} and the normalisation
 * under {@value #NORMALIZATION_KEY}; {@link #load} reads such directories, including those
 * transformers writes (which carry {@code id2label} but no {@code num_labels}).
 *
 * <p><b>Lifetimes.</b> Parameters live in a sub-manager of the manager given at construction,
 * closed by {@link #close}. Results of {@link #scores} and {@link #perTokenScores} live in the
 * manager of {@code ids}: call them inside a per-step sub-manager.
 */
public final class DecoderRewardModel implements RewardModel {

    private final NDManager manager;
    private final CausalLM trunk;
    private final Parameter head;
    private final int padTokenId;
    private Normalization normalization;
    private boolean saveAsAdapter; // trained with LoRA: save a PEFT SEQ_CLS adapter, not a full model

    /** Beside a reward-model adapter: its pad id and normalisation (a PEFT adapter has no config.json). */
    public static final String ADAPTER_SIDE_FILE = "rlhf4j_reward_model.json";

    private DecoderRewardModel(NDManager manager, CausalLM trunk, NDArray headWeight, int padTokenId,
            Normalization normalization) {
        this.manager = manager;
        this.trunk = trunk;
        this.padTokenId = padTokenId;
        headWeight.setRequiresGradient(true);
        this.head = Parameter.builder().setName(HEAD).setType(Parameter.Type.WEIGHT).optArray(headWeight).build();
        this.normalization = normalization;
    }

    /**
     * Loads a sequence-classification directory with one label (written by {@link #save} or by
     * transformers).
     *
     * @throws IllegalArgumentException naming the directory and the key when config.json does not
     *     describe a one-label sequence classifier or {@code score.weight} is missing or misshapen
     */
    public static DecoderRewardModel load(Path dir, NDManager manager) {
        if (PeftAdapter.isAdapter(dir)) {
            return loadAdapter(dir, manager);
        }
        JsonNode config = ClassifierDirectory.readConfig(dir);
        ClassifierDirectory.checkSequenceClassifier(dir, config);
        NDManager own = manager.newSubManager();
        try {
            CausalLM trunk = ModelDirectory.loadCausalLM(dir, own, false);
            NDArray weight = ModelDirectory.readTensor(dir, HEAD, own);
            int c = trunk.config().hiddenSize();
            if (weight == null) {
                throw new IllegalArgumentException(dir + ": tensor " + HEAD + " is missing from the checkpoint;"
                        + " a reward model directory needs a (1, " + c + ") scalar head");
            }
            if (!weight.getShape().equals(new Shape(1, c))) {
                throw new IllegalArgumentException(dir + ": tensor " + HEAD + " has shape " + weight.getShape()
                        + "; a reward model needs (1, " + c + ")");
            }
            if (ModelDirectory.readTensor(dir, "score.bias", own) != null) {
                throw new IllegalArgumentException(dir + ": tensor score.bias is not supported (transformers'"
                        + " *ForSequenceClassification heads have no bias)");
            }
            JsonNode pad = config.get("pad_token_id");
            int padId = pad != null && pad.canConvertToInt() ? pad.asInt() : -1;
            return new DecoderRewardModel(own, trunk, weight, padId, ClassifierDirectory.readNormalization(dir, config));
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
    }

    /**
     * A reward model initialised from a causal-LM directory (an SFT output): its trunk, and a new
     * head drawn from N(0, 1/sqrt(C + 1)) (PPO-NOTES) with {@code java.util.Random(seed)}. Its
     * {@code pad_token_id} is the directory tokenizer's pad id ({@link Tokenizer#padId}: the pad
     * token, else EOS, as TRL pads), which {@link #save} writes. From a PEFT adapter directory the
     * trunk is its base (frozen) with the adapter, which trains on, and {@link #save} writes a SEQ_CLS
     * adapter.
     */
    public static DecoderRewardModel fromCausalLm(Path dir, NDManager manager, long seed) {
        int padId;
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            padId = tokenizer.padId();
        }
        NDManager own = manager.newSubManager();
        try {
            CausalLM trunk = ModelDirectory.loadCausalLM(dir, own, false);
            DecoderRewardModel m = new DecoderRewardModel(own, trunk, initialHead(trunk.config(), own, seed), padId,
                    Normalization.IDENTITY);
            m.saveAsAdapter = trunk.lora() != null; // from an adapter (a LoRA SFT output): it stays an adapter
            return m;
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
    }

    /**
     * A PEFT sequence-classification adapter ({@code task_type: SEQ_CLS}): the trunk of its base
     * with the LoRA adapters on, and the {@code score} head stored whole ({@code modules_to_save}).
     * The pad id and normalisation come from {@value #ADAPTER_SIDE_FILE} when rlhf4j wrote the
     * adapter, else from the base's config.json. Saving it again writes an adapter.
     */
    static DecoderRewardModel loadAdapter(Path dir, NDManager manager) {
        PeftAdapter.Info info = PeftAdapter.read(dir);
        Path base = PeftAdapter.baseOf(dir, null);
        NDManager own = manager.newSubManager();
        try {
            CausalLM trunk = PeftAdapter.loadCausalLM(dir, base, own, false);
            int c = trunk.config().hiddenSize();
            NDArray weight = PeftAdapter.readModuleTensor(dir, HEAD, own);
            if (weight == null && Files.exists(base.resolve("config.json")) && isSequenceClassifier(base)) {
                weight = ModelDirectory.readTensor(base, HEAD, own); // the head was not trained
            }
            if (weight == null || !weight.getShape().equals(new Shape(1, c))) {
                throw new IllegalArgumentException(dir + ": a reward-model adapter needs " + PeftAdapter.PREFIX + HEAD
                        + " of shape (1, " + c + ") (modules_to_save: [score]), but " + (weight == null ? "it is missing"
                        : "it has shape " + weight.getShape()) + "; task_type is " + info.taskType());
            }
            JsonNode side = Files.exists(dir.resolve(ADAPTER_SIDE_FILE)) ? JsonFile.read(dir.resolve(ADAPTER_SIDE_FILE))
                    : ClassifierDirectory.readConfig(base);
            JsonNode pad = side.get("pad_token_id");
            int padId = pad != null && pad.canConvertToInt() ? pad.asInt() : -1;
            DecoderRewardModel m = new DecoderRewardModel(own, trunk, weight, padId,
                    ClassifierDirectory.readNormalization(dir, side));
            m.saveAsAdapter = true;
            return m;
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
    }

    /**
     * A reward model for LoRA training: from {@code base} (a reward-model directory, or a causal LM
     * with a new head as {@link #fromCausalLm}), its trunk frozen with new adapters; the head stays
     * fully trainable (PEFT's {@code modules_to_save=["score"]}). {@link #save} then writes a PEFT
     * SEQ_CLS adapter directory on {@code base}.
     */
    public static DecoderRewardModel withLora(Path base, LoraConfig lora, long seed, NDManager manager) {
        DecoderRewardModel m = isSequenceClassifier(base) ? load(base, manager) : fromCausalLm(base, manager, seed);
        try {
            LoraTraining.freezeAndAdd(m.trunk, lora, seed, null).setBaseDirectory(base);
            m.saveAsAdapter = true;
            return m;
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** Whether {@code dir}'s config.json names a {@code *ForSequenceClassification} architecture. */
    public static boolean isSequenceClassifier(Path dir) {
        Path file = dir.resolve("config.json");
        if (!Files.exists(file)) {
            return false;
        }
        JsonNode archs = JsonFile.read(file).path("architectures");
        return archs.isArray() && !archs.isEmpty() && archs.get(0).asText().endsWith("ForSequenceClassification");
    }

    /**
     * A randomly initialised reward model (benchmarks and tests): trunk from {@link
     * WeightSource#random} with std 0.02, head as in {@link #fromCausalLm}.
     */
    public static DecoderRewardModel random(ModelConfig config, NDManager manager, long seed) {
        NDManager own = manager.newSubManager();
        CausalLM trunk = new CausalLM(config, own, WeightSource.random(seed, 0.02f, config.numLayers()), false);
        int padId = config.padTokenId() >= 0 ? config.padTokenId()
                : config.eosTokenIds().isEmpty() ? -1 : config.eosTokenIds().get(0);
        return new DecoderRewardModel(own, trunk, initialHead(config, own, seed), padId, Normalization.IDENTITY);
    }

    private static NDArray initialHead(ModelConfig config, NDManager manager, long seed) {
        int c = config.hiddenSize();
        double std = 1.0 / Math.sqrt(c + 1.0);
        Random rng = new Random(seed);
        float[] w = new float[c];
        for (int i = 0; i < c; i++) {
            w[i] = (float) (rng.nextGaussian() * std);
        }
        return manager.create(w, new Shape(1, c));
    }

    /**
     * Raw scores at the pooled token: the last one that is real and not {@code pad_token_id}.
     *
     * @param ids (B, T) token ids
     * @param attentionMask (B, T) 1 for real tokens, 0 for padding (any side)
     * @param training dropout on (as configured by the trunk)
     * @return (B) float32; a row without real tokens reads position 0
     */
    @Override
    public NDArray scores(NDArray ids, NDArray attentionMask, boolean training) {
        NDArray hidden = hidden(ids, attentionMask, training);                          // (B, T, C)
        long b = hidden.getShape().get(0);
        long c = hidden.getShape().get(2);
        NDArray last = pooledIndex(ids, attentionMask, padTokenId);                     // (B)
        NDArray pooled = hidden.gather(last.reshape(b, 1, 1).broadcast(b, 1, c), 1)
                .reshape(b, c);                                                         // (B, C)
        return Linear.linear(pooled, head.getArray()).singletonOrThrow().reshape(b);    // (B)
    }

    /**
     * The head applied at every position (a critic's values): (B, T) float32, defined where the
     * mask is 1 (entry [b, pooledIndex_b] equals {@code scores()[b]}).
     */
    public NDArray perTokenScores(NDArray ids, NDArray attentionMask) {
        return perTokenScores(ids, attentionMask, false);
    }

    /** {@link #perTokenScores(NDArray, NDArray)} with dropout on when {@code training}. */
    public NDArray perTokenScores(NDArray ids, NDArray attentionMask, boolean training) {
        NDArray hidden = hidden(ids, attentionMask, training);                          // (B, T, C)
        NDArray values = Linear.linear(hidden, head.getArray()).singletonOrThrow();     // (B, T, 1)
        return values.reshape(hidden.getShape().get(0), hidden.getShape().get(1));      // (B, T)
    }

    private NDArray hidden(NDArray ids, NDArray attentionMask, boolean training) {
        NDArray positions = CausalLM.positionsFromMask(attentionMask);                  // (B, T)
        return trunk.hidden(ids, attentionMask, positions, null, training);
    }

    /**
     * Where each row is scored: the last position whose mask is 1 and whose id is not {@code padId}
     * (transformers: {@code argmax(arange(T) · (ids != pad_token_id))}); {@code padId < 0} reads
     * the mask alone. A row with no such position reads 0, as transformers does. (B) int64.
     */
    public static NDArray pooledIndex(NDArray ids, NDArray attentionMask, int padId) {
        NDArray mask = attentionMask.toType(DataType.INT64, false);                     // (B, T)
        if (padId >= 0) {
            mask = mask.mul(ids.neq(padId).toType(DataType.INT64, false));              // (B, T)
        }
        long t = mask.getShape().get(1);
        NDArray positions = mask.getManager().arange(0, t, 1, DataType.INT64);          // (T)
        return mask.mul(positions).argMax(1);                                           // (B)
    }

    /** The pad id scores are pooled by ({@code pad_token_id} of config.json), or -1 for none. */
    @Override
    public int padTokenId() {
        return padTokenId;
    }

    /** The trunk's learned positions (GPT-2) or {@code max_position_embeddings}. */
    @Override
    public int maxLength() {
        return trunk.config().maxPositions();
    }

    /** Prompt + response + EOS; see {@link RewardInputs}. */
    @Override
    public RewardInputs.Layout inputLayout() {
        return RewardInputs.Layout.DECODER;
    }

    /** The decoder trunk. */
    public CausalLM trunk() {
        return trunk;
    }

    /** The scalar head {@code score.weight}, (1, C). */
    public Parameter head() {
        return head;
    }

    /** The trunk's configuration. */
    public ModelConfig config() {
        return trunk.config();
    }

    /** All parameters by Hugging Face name, checkpoint order: the trunk's, then {@code score.weight}. */
    @Override
    public Map<String, Parameter> namedParameters() {
        Map<String, Parameter> all = new LinkedHashMap<>(trunk.namedParameters());
        all.put(HEAD, head);
        return Collections.unmodifiableMap(all);
    }

    /**
     * The parameters that receive gradients: the trunk's and head's unless frozen, and with LoRA the
     * adapters (the trunk's base weights stay frozen).
     */
    @Override
    public List<NamedParameter> trainableParameters() {
        List<NamedParameter> out = new ArrayList<>(RewardModel.super.trainableParameters());
        if (trunk.lora() != null) {
            trunk.lora().parameters().forEach((name, p) -> {
                if (p.requiresGradient()) {
                    out.add(new NamedParameter(name, p.getArray()));
                }
            });
        }
        return List.copyOf(out);
    }

    /**
     * Freezes (or unfreezes) trunk and head; a frozen model holds no gradient buffers. With LoRA
     * adapters, unfreezing leaves the trunk's base weights frozen (the adapters and head train).
     */
    @Override
    public void setTrainable(boolean trainable) {
        trunk.setTrainable(trainable && trunk.lora() == null);
        if (trunk.lora() != null) {
            trunk.lora().parameters().values().forEach(p -> p.freeze(!trainable));
        }
        head.freeze(!trainable);
    }

    /** The stored normalisation; {@link Normalization#IDENTITY} until one is set or loaded. */
    @Override
    public Normalization normalization() {
        return normalization;
    }

    /** Replaces the normalisation saved with the model (after training: over the reference set). */
    @Override
    public void setNormalization(Normalization normalization) {
        this.normalization = java.util.Objects.requireNonNull(normalization, "normalization");
    }

    /**
     * Saves a Hugging Face sequence-classification directory (atomically, see {@link
     * ModelDirectory#save}): the trunk's tensors plus {@code score.weight}, and config.json with
     * the architecture name, {@code num_labels} 1, {@code id2label} {@code {"0": "LABEL_0"}},
     * {@code label2id}, {@code pad_token_id} (the one scores are pooled by, so transformers reads
     * the same token) and {@value #NORMALIZATION_KEY}.
     *
     * @param tokenizer its files are copied; may be null
     */
    @Override
    public void save(Path dir, Tokenizer tokenizer) {
        if (saveAsAdapter && trunk.lora() != null) {
            saveAdapter(dir, tokenizer);
            return;
        }
        saveMerged(dir, tokenizer);
    }

    /**
     * Saves a full sequence-classification directory, LoRA adapters merged into the trunk's weights:
     * what {@code rlhf4j model merge} writes for a reward-model adapter.
     */
    public void saveMerged(Path dir, Tokenizer tokenizer) {
        ModelConfig config = trunk.config();
        int pad = padTokenId >= 0 ? padTokenId : tokenizer != null ? tokenizer.padId()
                : config.padTokenId() >= 0 ? config.padTokenId()
                : config.eosTokenIds().isEmpty() ? 0 : config.eosTokenIds().get(0);
        ModelDirectory.save(dir, trunk, architecture(config), Map.of(HEAD, head.getArray()),
                ClassifierDirectory.oneLabelKeys(pad, normalization), tokenizer);
    }

    /**
     * A PEFT {@code SEQ_CLS} adapter directory: the trunk's adapters, {@code score.weight} as
     * {@code modules_to_save}, and {@value #ADAPTER_SIDE_FILE} with the pad id and normalisation.
     */
    private void saveAdapter(Path dir, Tokenizer tokenizer) {
        ModelConfig config = trunk.config();
        int pad = padTokenId >= 0 ? padTokenId : tokenizer != null ? tokenizer.padId()
                : config.padTokenId() >= 0 ? config.padTokenId()
                : config.eosTokenIds().isEmpty() ? 0 : config.eosTokenIds().get(0);
        Map<String, Object> side = new LinkedHashMap<>();
        side.put("pad_token_id", pad);
        side.put(NORMALIZATION_KEY, normalization.toJson());
        PeftAdapter.save(dir, trunk, PeftAdapter.SEQ_CLS, null, Map.of(HEAD, head.getArray()),
                Map.of(ADAPTER_SIDE_FILE, side), tokenizer);
    }

    /** {@code GPT2ForSequenceClassification}, {@code LlamaForSequenceClassification}, ... */
    public static String architecture(ModelConfig config) {
        return switch (config.modelType()) {
            case "gpt2" -> "GPT2ForSequenceClassification";
            case "qwen2" -> "Qwen2ForSequenceClassification";
            case "mistral" -> "MistralForSequenceClassification";
            default -> "LlamaForSequenceClassification";
        };
    }

    /** Releases the trunk and the head. */
    @Override
    public void close() {
        trunk.close();
        manager.close();
    }
}
