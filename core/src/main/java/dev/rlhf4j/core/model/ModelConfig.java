package dev.rlhf4j.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.core.io.JsonFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The shape and numerics of a decoder-only model, for the two families rlhf4j supports.
 *
 * <ul>
 *   <li>{@link Family#GPT2}: learned positions, LayerNorm with bias, GELU-tanh MLP, biases
 *       everywhere, embeddings tied to the head.
 *   <li>{@link Family#LLAMA} ({@code llama}, {@code qwen2}, {@code mistral}): RoPE, RMSNorm,
 *       SiLU-gated MLP, grouped-query attention, optional q/k/v bias (Qwen2), tied or untied head.
 * </ul>
 *
 * <p>Read from and written to Hugging Face {@code config.json}. Keys that change the numerics
 * but are not implemented (rope scaling, Qwen2's sliding window, non-default activations) are
 * rejected with an error naming the key, so a model never loads into the wrong computation.
 *
 * @param modelType the {@code model_type} key: gpt2, llama, qwen2 or mistral
 * @param vocabSize number of token embeddings
 * @param hiddenSize model width d
 * @param numLayers number of decoder layers
 * @param numHeads query heads
 * @param numKvHeads key/value heads (equal to numHeads without grouped-query attention)
 * @param headDim width of one head
 * @param intermediateSize MLP width
 * @param maxPositions longest sequence (the size of GPT-2's position table)
 * @param normEps epsilon of LayerNorm / RMSNorm
 * @param ropeTheta RoPE base (Llama family)
 * @param attentionBias q/k/v projections carry a bias (GPT-2 always, Qwen2 always)
 * @param tieEmbeddings the LM head reuses the token embedding matrix
 * @param slidingWindow attention window (Mistral), or 0 for full causal attention
 * @param dropout residual/embedding/attention dropout probability used in training mode
 * @param bosTokenId beginning-of-sequence id, or -1
 * @param eosTokenIds end-of-sequence ids (may be several, as in Llama 3)
 * @param padTokenId padding id, or -1
 * @param dtype the checkpoint dtype ({@code torch_dtype}): float32, float16 or bfloat16
 * @param source the original config.json, kept so that keys we do not model survive a save
 */
public record ModelConfig(
        String modelType,
        int vocabSize,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int intermediateSize,
        int maxPositions,
        float normEps,
        float ropeTheta,
        boolean attentionBias,
        boolean tieEmbeddings,
        int slidingWindow,
        float dropout,
        int bosTokenId,
        List<Integer> eosTokenIds,
        int padTokenId,
        String dtype,
        JsonNode source) {

    /** The two architecture families. */
    public enum Family {
        GPT2,
        LLAMA
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> LLAMA_TYPES = Set.of("llama", "qwen2", "mistral");

    public ModelConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
        source = source == null ? JSON.createObjectNode() : source.deepCopy();
        check(modelType.equals("gpt2") || LLAMA_TYPES.contains(modelType), "model_type",
                "one of gpt2, llama, qwen2, mistral", modelType);
        check(vocabSize > 0, "vocab_size", "> 0", vocabSize);
        check(hiddenSize > 0, "hidden_size", "> 0", hiddenSize);
        check(numLayers > 0, "num_hidden_layers", "> 0", numLayers);
        check(numHeads > 0, "num_attention_heads", "> 0", numHeads);
        check(numKvHeads > 0 && numHeads % numKvHeads == 0, "num_key_value_heads",
                "a divisor of num_attention_heads (" + numHeads + ")", numKvHeads);
        check(headDim > 0 && headDim % 2 == 0, "head_dim", "a positive even number", headDim);
        check(intermediateSize > 0, "intermediate_size", "> 0", intermediateSize);
        check(maxPositions > 0, "max_position_embeddings", "> 0", maxPositions);
        check(dropout >= 0 && dropout < 1, "dropout", "in [0, 1)", dropout);
        check(dtype.equals("float32") || dtype.equals("float16") || dtype.equals("bfloat16"),
                "torch_dtype", "float32, float16 or bfloat16", dtype);
    }

    public Family family() {
        return modelType.equals("gpt2") ? Family.GPT2 : Family.LLAMA;
    }

    /** Number of query heads sharing one key/value head. */
    public int kvGroups() {
        return numHeads / numKvHeads;
    }

    /** A small GPT-2 for tests, benchmarks and the demo. */
    public static ModelConfig gpt2(int vocabSize, int hiddenSize, int numLayers, int numHeads, int maxPositions) {
        return new ModelConfig("gpt2", vocabSize, hiddenSize, numLayers, numHeads, numHeads,
                hiddenSize / numHeads, 4 * hiddenSize, maxPositions, 1e-5f, 10000f, true, true, 0,
                0.1f, -1, List.of(), -1, "float32", null);
    }

    /** A small Llama-style model with grouped-query attention, for tests, benchmarks and the demo. */
    public static ModelConfig llama(int vocabSize, int hiddenSize, int numLayers, int numHeads, int numKvHeads,
            int intermediateSize, int maxPositions) {
        return new ModelConfig("llama", vocabSize, hiddenSize, numLayers, numHeads, numKvHeads,
                hiddenSize / numHeads, intermediateSize, maxPositions, 1e-6f, 10000f, false, false, 0,
                0f, -1, List.of(), -1, "float32", null);
    }

    /** A copy with other special token ids. */
    public ModelConfig withSpecialTokens(int bos, List<Integer> eos, int pad) {
        return new ModelConfig(modelType, vocabSize, hiddenSize, numLayers, numHeads, numKvHeads, headDim,
                intermediateSize, maxPositions, normEps, ropeTheta, attentionBias, tieEmbeddings, slidingWindow,
                dropout, bos, eos, pad, dtype, source);
    }

    /** A copy with another checkpoint dtype. */
    public ModelConfig withDtype(String newDtype) {
        return new ModelConfig(modelType, vocabSize, hiddenSize, numLayers, numHeads, numKvHeads, headDim,
                intermediateSize, maxPositions, normEps, ropeTheta, attentionBias, tieEmbeddings, slidingWindow,
                dropout, bosTokenId, eosTokenIds, padTokenId, newDtype, source);
    }

    /** Number of parameters (the tied head counted once). */
    public long parameterCount() {
        long d = hiddenSize;
        long kv = (long) numKvHeads * headDim;
        long q = (long) numHeads * headDim;
        long embed = (long) vocabSize * d;
        if (family() == Family.GPT2) {
            long layer = 2 * 2 * d + d * 3 * q + 3 * q + q * d + d + d * intermediateSize + intermediateSize
                    + intermediateSize * d + d;
            return embed + (long) maxPositions * d + numLayers * layer + 2 * d;
        }
        long attn = d * (q + 2 * kv) + q * d + (attentionBias ? q + 2 * kv : 0);
        long layer = 2 * d + attn + 3 * d * intermediateSize;
        return embed + numLayers * layer + d + (tieEmbeddings ? 0 : embed);
    }

    /** Reads {@code config.json} from a model directory (or the file itself). */
    public static ModelConfig read(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve("config.json") : path;
        if (!Files.exists(path)) {
            throw new IllegalArgumentException(path + ": no such model directory");
        }
        if (!Files.exists(file)) {
            throw new IllegalArgumentException(file + ": not found; a model directory needs a Hugging Face config.json");
        }
        return fromJson(JsonFile.read(file), file.toString());
    }

    /** Parses a Hugging Face config; {@code where} names the file in errors. */
    public static ModelConfig fromJson(JsonNode c, String where) {
        ConfigReader r = new ConfigReader(c, where);
        String type = r.requiredText("model_type");
        if (!type.equals("gpt2") && !LLAMA_TYPES.contains(type)) {
            throw new IllegalArgumentException(where + ": model_type must be one of gpt2, llama, qwen2, mistral, but is: "
                    + type);
        }
        if (type.equals("gpt2")) {
            return fromGpt2(r, c);
        }
        return fromLlama(type, r, c);
    }

    private static ModelConfig fromGpt2(ConfigReader r, JsonNode c) {
        String act = r.text("activation_function", "gelu_new");
        if (!act.equals("gelu_new") && !act.equals("gelu_pytorch_tanh")) {
            throw r.error("activation_function", "gelu_new (GELU, tanh approximation)", act);
        }
        r.mustBeFalse("scale_attn_by_inverse_layer_idx");
        r.mustBeFalse("reorder_and_upcast_attn");
        if (!r.bool("scale_attn_weights", true)) {
            throw r.error("scale_attn_weights", "true", "false");
        }
        int d = r.requiredInt("n_embd");
        int heads = r.requiredInt("n_head");
        int inner = c.hasNonNull("n_inner") ? r.requiredInt("n_inner") : 4 * d;
        if (d % heads != 0) {
            throw r.error("n_embd", "a multiple of n_head (" + heads + ")", d);
        }
        return new ModelConfig("gpt2", r.requiredInt("vocab_size"), d, r.requiredInt("n_layer"), heads, heads,
                d / heads, inner, r.requiredInt("n_positions"), (float) r.dbl("layer_norm_epsilon", 1e-5), 10000f,
                true, r.bool("tie_word_embeddings", true), 0, (float) r.dbl("resid_pdrop", 0.1),
                r.integer("bos_token_id", -1), r.intList("eos_token_id"), r.integer("pad_token_id", -1),
                r.dtype(), c);
    }

    private static ModelConfig fromLlama(String type, ConfigReader r, JsonNode c) {
        String act = r.text("hidden_act", "silu");
        if (!act.equals("silu")) {
            throw r.error("hidden_act", "silu", act);
        }
        // transformers 4 writes rope_theta and rope_scaling; transformers 5 writes rope_parameters
        double ropeTheta = r.dbl("rope_theta", 10000.0);
        for (String key : new String[] {"rope_scaling", "rope_parameters"}) {
            JsonNode rope = c.get(key);
            if (rope == null || rope.isNull()) {
                continue;
            }
            String ropeType = rope.path("rope_type").asText(rope.path("type").asText("default"));
            if (!ropeType.equals("default")) {
                throw r.error(key, "default RoPE (scaled RoPE is not supported)", rope);
            }
            if (rope.hasNonNull("rope_theta")) {
                ropeTheta = rope.get("rope_theta").asDouble();
            }
        }
        JsonNode layerTypes = c.get("layer_types");
        if (layerTypes != null && layerTypes.isArray()) {
            for (JsonNode t : layerTypes) {
                if (!t.asText().equals("full_attention") && !(type.equals("mistral") && t.asText().equals("sliding_attention"))) {
                    throw r.error("layer_types", "full_attention for every layer", layerTypes);
                }
            }
        }
        r.mustBeFalse("mlp_bias");
        int window = 0;
        if (type.equals("qwen2")) {
            r.mustBeFalse("use_sliding_window");
        } else if (type.equals("mistral") && c.hasNonNull("sliding_window")) {
            window = r.requiredInt("sliding_window");
        }
        int d = r.requiredInt("hidden_size");
        int heads = r.requiredInt("num_attention_heads");
        int kvHeads = c.hasNonNull("num_key_value_heads") ? r.requiredInt("num_key_value_heads") : heads;
        int headDim = c.hasNonNull("head_dim") ? r.requiredInt("head_dim") : d / heads;
        boolean bias = type.equals("qwen2") || r.bool("attention_bias", false);
        return new ModelConfig(type, r.requiredInt("vocab_size"), d, r.requiredInt("num_hidden_layers"), heads,
                kvHeads, headDim, r.requiredInt("intermediate_size"), r.integer("max_position_embeddings", 2048),
                (float) r.dbl("rms_norm_eps", 1e-6), (float) ropeTheta, bias,
                r.bool("tie_word_embeddings", false), window, (float) r.dbl("attention_dropout", 0.0),
                r.integer("bos_token_id", -1), r.intList("eos_token_id"), r.integer("pad_token_id", -1),
                r.dtype(), c);
    }

    /** The Hugging Face {@code config.json} for this model; unknown keys of the source survive. */
    public ObjectNode toJson(String architecture) {
        ObjectNode c = source.isObject() ? ((ObjectNode) source).deepCopy() : JSON.createObjectNode();
        c.put("model_type", modelType);
        c.putArray("architectures").add(architecture);
        c.put("vocab_size", vocabSize);
        if (family() == Family.GPT2) {
            c.put("n_embd", hiddenSize);
            c.put("n_layer", numLayers);
            c.put("n_head", numHeads);
            c.put("n_positions", maxPositions);
            if (intermediateSize != 4 * hiddenSize) {
                c.put("n_inner", intermediateSize);
            } else if (!c.has("n_inner")) {
                c.putNull("n_inner");
            }
            c.put("layer_norm_epsilon", normEps);
            c.put("activation_function", c.path("activation_function").asText("gelu_new"));
            putIfAbsent(c, "resid_pdrop", dropout);
            putIfAbsent(c, "embd_pdrop", dropout);
            putIfAbsent(c, "attn_pdrop", dropout);
        } else {
            c.put("hidden_size", hiddenSize);
            c.put("num_hidden_layers", numLayers);
            c.put("num_attention_heads", numHeads);
            c.put("num_key_value_heads", numKvHeads);
            c.put("head_dim", headDim);
            c.put("intermediate_size", intermediateSize);
            c.put("max_position_embeddings", maxPositions);
            c.put("rms_norm_eps", normEps);
            if (c.path("rope_parameters").isObject()) {
                ((ObjectNode) c.get("rope_parameters")).put("rope_theta", ropeTheta);
            } else {
                c.put("rope_theta", ropeTheta);
            }
            c.put("hidden_act", "silu");
            if (!modelType.equals("qwen2")) {
                c.put("attention_bias", attentionBias);
            }
            if (modelType.equals("mistral")) {
                if (slidingWindow > 0) {
                    c.put("sliding_window", slidingWindow);
                } else {
                    c.putNull("sliding_window");
                }
            }
            putIfAbsent(c, "attention_dropout", dropout);
        }
        c.put("tie_word_embeddings", tieEmbeddings);
        if (bosTokenId >= 0) {
            c.put("bos_token_id", bosTokenId);
        }
        if (eosTokenIds.size() == 1) {
            c.put("eos_token_id", eosTokenIds.get(0));
        } else if (!eosTokenIds.isEmpty()) {
            eosTokenIds.forEach(c.putArray("eos_token_id")::add);
        }
        if (padTokenId >= 0) {
            c.put("pad_token_id", padTokenId);
        }
        c.put(c.has("dtype") ? "dtype" : "torch_dtype", dtype);
        return c;
    }

    private static void putIfAbsent(ObjectNode c, String key, float value) {
        if (!c.has(key)) {
            c.put(key, value);
        }
    }

    private static void check(boolean ok, String key, String expected, Object actual) {
        if (!ok) {
            throw new IllegalArgumentException(key + " must be " + expected + ", but is: " + actual);
        }
    }
}
