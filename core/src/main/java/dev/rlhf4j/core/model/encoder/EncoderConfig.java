package dev.rlhf4j.core.model.encoder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.core.io.JsonFile;
import dev.rlhf4j.core.model.ConfigReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * The shape and numerics of a bidirectional encoder with a sequence-classification head, for the
 * three families rlhf4j reads as reward models. Read from and written to Hugging Face {@code
 * config.json}; keys that change the numerics but are not implemented are refused naming the key.
 *
 * <ul>
 *   <li>{@link Family#BERT} ({@code bert}): word + learned position + token-type embeddings,
 *       post-LN blocks, pooler {@code tanh(dense(h[CLS]))}, then {@code classifier}.
 *   <li>{@link Family#ROBERTA} ({@code roberta}): BERT's blocks; positions count non-pad tokens
 *       from {@code pad_token_id + 1}; head {@code out_proj(tanh(dense(h[<s>])))}.
 *   <li>{@link Family#DEBERTA_V2} ({@code deberta-v2}, which DeBERTa-v3 uses too): disentangled
 *       attention (content-to-position and position-to-content terms over bucketed relative
 *       positions), optional absolute positions, {@code ContextPooler} then {@code classifier}.
 * </ul>
 *
 * @param family the architecture
 * @param modelType {@code model_type}
 * @param vocabSize word embeddings
 * @param hiddenSize model width C
 * @param numLayers encoder layers
 * @param numHeads attention heads
 * @param intermediateSize feed-forward width
 * @param maxPositions {@code max_position_embeddings}
 * @param typeVocabSize token-type embeddings (0: none, DeBERTa's default)
 * @param normEps {@code layer_norm_eps}
 * @param hiddenAct {@code hidden_act}: gelu (erf), relu or tanh
 * @param padTokenId {@code pad_token_id} (RoBERTa's position offset; -1 if absent)
 * @param hiddenDropout {@code hidden_dropout_prob}, used in training mode
 * @param attentionDropout {@code attention_probs_dropout_prob}
 * @param classifierDropout dropout before the classifier ({@code classifier_dropout} /
 *     {@code cls_dropout}, else {@code hidden_dropout_prob})
 * @param numLabels {@code num_labels} (a reward model has 1)
 * @param relativeAttention DeBERTa: disentangled attention on
 * @param positionBuckets DeBERTa: log-bucket count ({@code position_buckets}), or -1
 * @param maxRelativePositions DeBERTa: {@code max_relative_positions} resolved (&lt; 1 means max_position_embeddings)
 * @param shareAttKey DeBERTa: position projections reuse the content query/key projections
 * @param c2p DeBERTa: content-to-position term ({@code pos_att_type} holds c2p)
 * @param p2c DeBERTa: position-to-content term
 * @param positionBiasedInput DeBERTa: absolute position embeddings added to the input (BERT,
 *     RoBERTa: always)
 * @param normRelEmbeddings DeBERTa: {@code norm_rel_ebd} holds layer_norm
 * @param poolerAct DeBERTa: {@code pooler_hidden_act}
 * @param initializerRange std of a freshly initialised head ({@code initializer_range})
 * @param dtype the checkpoint dtype
 * @param source the original config.json, so that keys not modelled here survive a save
 */
public record EncoderConfig(
        Family family,
        String modelType,
        int vocabSize,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int intermediateSize,
        int maxPositions,
        int typeVocabSize,
        float normEps,
        String hiddenAct,
        int padTokenId,
        float hiddenDropout,
        float attentionDropout,
        float classifierDropout,
        int numLabels,
        boolean relativeAttention,
        int positionBuckets,
        int maxRelativePositions,
        boolean shareAttKey,
        boolean c2p,
        boolean p2c,
        boolean positionBiasedInput,
        boolean normRelEmbeddings,
        String poolerAct,
        float initializerRange,
        String dtype,
        JsonNode source) {

    /** The three encoder families. */
    public enum Family {
        BERT("bert", "BertForSequenceClassification"),
        ROBERTA("roberta", "RobertaForSequenceClassification"),
        DEBERTA_V2("deberta", "DebertaV2ForSequenceClassification");

        private final String prefix;
        private final String architecture;

        Family(String prefix, String architecture) {
            this.prefix = prefix;
            this.architecture = architecture;
        }

        /** The trunk's tensor-name prefix ({@code bert.}, {@code roberta.}, {@code deberta.}). */
        public String prefix() {
            return prefix;
        }

        /** The transformers class of a sequence classifier of this family. */
        public String architecture() {
            return architecture;
        }
    }

    /** The {@code model_type} values read as encoders. */
    public static final Set<String> MODEL_TYPES = Set.of("bert", "roberta", "deberta-v2");

    private static final Set<String> ACTIVATIONS = Set.of("gelu", "relu", "tanh");
    private static final ObjectMapper JSON = new ObjectMapper();

    public EncoderConfig {
        source = source == null ? JSON.createObjectNode() : source.deepCopy();
        check(vocabSize > 0, "vocab_size", "> 0", vocabSize);
        check(hiddenSize > 0, "hidden_size", "> 0", hiddenSize);
        check(numLayers > 0, "num_hidden_layers", "> 0", numLayers);
        check(numHeads > 0 && hiddenSize % numHeads == 0, "num_attention_heads",
                "a divisor of hidden_size (" + hiddenSize + ")", numHeads);
        check(intermediateSize > 0, "intermediate_size", "> 0", intermediateSize);
        check(maxPositions > 0, "max_position_embeddings", "> 0", maxPositions);
        check(typeVocabSize >= 0, "type_vocab_size", ">= 0", typeVocabSize);
        check(ACTIVATIONS.contains(hiddenAct), "hidden_act", "one of gelu, relu, tanh", hiddenAct);
        check(ACTIVATIONS.contains(poolerAct), "pooler_hidden_act", "one of gelu, relu, tanh", poolerAct);
        check(numLabels >= 1, "num_labels", ">= 1", numLabels);
        check(family != Family.ROBERTA || padTokenId >= 0, "pad_token_id", "set (RoBERTa's positions start after it)",
                padTokenId);
        check(family != Family.ROBERTA || maxPositions > padTokenId + 1, "max_position_embeddings",
                "> pad_token_id + 1 (" + (padTokenId + 1) + ")", maxPositions);
        check(hiddenDropout >= 0 && hiddenDropout < 1, "hidden_dropout_prob", "in [0, 1)", hiddenDropout);
        check(attentionDropout >= 0 && attentionDropout < 1, "attention_probs_dropout_prob", "in [0, 1)",
                attentionDropout);
        check(classifierDropout >= 0 && classifierDropout < 1, "classifier_dropout", "in [0, 1)", classifierDropout);
    }

    /** Width of one attention head. */
    public int headDim() {
        return hiddenSize / numHeads;
    }

    /**
     * The longest input in tokens: the position table's size, less RoBERTa's offset ({@code
     * pad_token_id + 1}, so 512 for {@code max_position_embeddings} 514).
     */
    public int maxLength() {
        return family == Family.ROBERTA ? maxPositions - padTokenId - 1 : maxPositions;
    }

    /** DeBERTa: the relative-position span (buckets if any, else max_relative_positions). */
    public int attentionSpan() {
        return positionBuckets > 0 ? positionBuckets : maxRelativePositions;
    }

    /** Whether {@code config.json} in {@code dir} names an encoder family ({@link #MODEL_TYPES}). */
    public static boolean isEncoder(Path dir) {
        Path file = Files.isDirectory(dir) ? dir.resolve("config.json") : dir;
        return Files.exists(file) && MODEL_TYPES.contains(JsonFile.read(file).path("model_type").asText());
    }

    /** Reads {@code config.json} from a model directory (or the file itself). */
    public static EncoderConfig read(Path path) {
        if (!Files.exists(path)) {
            throw new IllegalArgumentException(path + ": no such model directory");
        }
        Path file = Files.isDirectory(path) ? path.resolve("config.json") : path;
        if (!Files.exists(file)) {
            throw new IllegalArgumentException(file + ": not found; a model directory needs a Hugging Face config.json");
        }
        return fromJson(JsonFile.read(file), file.toString());
    }

    /** Parses a Hugging Face config of an encoder; {@code where} names the file in errors. */
    public static EncoderConfig fromJson(JsonNode c, String where) {
        ConfigReader r = new ConfigReader(c, where);
        String type = r.requiredText("model_type");
        Family family = switch (type) {
            case "bert" -> Family.BERT;
            case "roberta" -> Family.ROBERTA;
            case "deberta-v2" -> Family.DEBERTA_V2;
            default -> throw r.error("model_type", "one of bert, roberta, deberta-v2", type);
        };
        String positions = r.text("position_embedding_type", "absolute");
        if (!positions.equals("absolute")) {
            throw r.error("position_embedding_type", "absolute (relative_key variants are not supported)", positions);
        }
        r.mustBeFalse("is_decoder");
        r.mustBeFalse("add_cross_attention");
        int d = r.requiredInt("hidden_size");
        int numLabels = r.integer("num_labels", c.path("id2label").isObject() ? c.get("id2label").size() : 2);
        float hiddenDropout = (float) r.dbl("hidden_dropout_prob", 0.1);
        boolean deberta = family == Family.DEBERTA_V2;
        String clsDropoutKey = deberta ? "cls_dropout" : "classifier_dropout";
        float clsDropout = (float) r.dbl(clsDropoutKey, hiddenDropout);
        int maxPositions = r.integer("max_position_embeddings", 512);
        boolean relative = false;
        int buckets = -1;
        int maxRel = -1;
        boolean share = false;
        boolean c2p = false;
        boolean p2c = false;
        boolean biasedInput = true;
        boolean normRel = false;
        String poolerAct = "tanh";
        if (deberta) {
            if (r.integer("conv_kernel_size", 0) > 0) {
                throw r.error("conv_kernel_size", "0 (the convolution layer of DeBERTa-v2 xlarge/xxlarge is not supported)",
                        c.get("conv_kernel_size"));
            }
            if (c.hasNonNull("embedding_size") && r.requiredInt("embedding_size") != d) {
                throw r.error("embedding_size", "equal to hidden_size (" + d + ")", c.get("embedding_size"));
            }
            if (c.hasNonNull("attention_head_size")) {
                throw r.error("attention_head_size", "absent (hidden_size / num_attention_heads)", c.get("attention_head_size"));
            }
            int poolerSize = r.integer("pooler_hidden_size", d);
            if (poolerSize != d) {
                throw r.error("pooler_hidden_size", "equal to hidden_size (" + d + ")", poolerSize);
            }
            if (r.dbl("pooler_dropout", 0) != 0) {
                throw r.error("pooler_dropout", "0", c.get("pooler_dropout"));
            }
            relative = r.bool("relative_attention", false);
            buckets = r.integer("position_buckets", -1);
            maxRel = r.integer("max_relative_positions", -1);
            if (maxRel < 1) {
                maxRel = maxPositions;
            }
            share = r.bool("share_att_key", false);
            JsonNode types = c.get("pos_att_type");
            java.util.List<String> kinds = new java.util.ArrayList<>();
            if (types != null && types.isTextual()) {
                for (String s : types.asText().toLowerCase(Locale.ROOT).split("\\|")) {
                    kinds.add(s.strip());
                }
            } else if (types != null && types.isArray()) {
                types.forEach(t -> kinds.add(t.asText().strip().toLowerCase(Locale.ROOT)));
            }
            for (String k : kinds) {
                if (!k.equals("c2p") && !k.equals("p2c") && !k.isEmpty()) {
                    throw r.error("pos_att_type", "a combination of c2p and p2c", types);
                }
            }
            c2p = relative && kinds.contains("c2p");
            p2c = relative && kinds.contains("p2c");
            biasedInput = r.bool("position_biased_input", true);
            for (String s : r.text("norm_rel_ebd", "none").toLowerCase(Locale.ROOT).split("\\|")) {
                if (s.strip().equals("layer_norm")) {
                    normRel = true;
                } else if (!s.strip().equals("none")) {
                    throw r.error("norm_rel_ebd", "none or layer_norm", c.get("norm_rel_ebd"));
                }
            }
            poolerAct = r.text("pooler_hidden_act", "gelu");
        }
        int typeVocab = r.integer("type_vocab_size", deberta ? 0 : 2);
        return new EncoderConfig(family, type, r.requiredInt("vocab_size"), d, r.requiredInt("num_hidden_layers"),
                r.requiredInt("num_attention_heads"), r.requiredInt("intermediate_size"), maxPositions, typeVocab,
                (float) r.dbl("layer_norm_eps", deberta ? 1e-7 : 1e-12), r.text("hidden_act", "gelu"),
                r.integer("pad_token_id", deberta || family == Family.BERT ? 0 : 1), hiddenDropout,
                (float) r.dbl("attention_probs_dropout_prob", 0.1), clsDropout, numLabels, relative, buckets, maxRel, share,
                c2p, p2c, biasedInput, normRel, poolerAct, (float) r.dbl("initializer_range", 0.02), r.dtype(), c);
    }

    /** config.json for this model as a sequence classifier; unknown keys of the source survive. */
    public ObjectNode toJson() {
        ObjectNode c = source.isObject() ? ((ObjectNode) source).deepCopy() : JSON.createObjectNode();
        c.put("model_type", modelType);
        c.putArray("architectures").add(family.architecture());
        c.put("vocab_size", vocabSize);
        c.put("hidden_size", hiddenSize);
        c.put("num_hidden_layers", numLayers);
        c.put("num_attention_heads", numHeads);
        c.put("intermediate_size", intermediateSize);
        c.put("max_position_embeddings", maxPositions);
        c.put("type_vocab_size", typeVocabSize);
        c.put("layer_norm_eps", normEps);
        c.put("hidden_act", hiddenAct);
        if (padTokenId >= 0) {
            c.put("pad_token_id", padTokenId);
        }
        c.put(c.has("torch_dtype") ? "torch_dtype" : "dtype", dtype);
        return c;
    }

    private static void check(boolean ok, String key, String expected, Object actual) {
        if (!ok) {
            throw new IllegalArgumentException(key + " must be " + expected + ", but is: " + actual);
        }
    }
}
