package dev.rlhf4j.rm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.io.JsonFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The config.json keys every reward-model directory shares, decoder or encoder: one label, and the
 * stored normalisation ({@value RewardModel#NORMALIZATION_KEY}).
 */
final class ClassifierDirectory {
    private ClassifierDirectory() {}

    static JsonNode readConfig(Path dir) {
        Path file = dir.resolve("config.json");
        if (!Files.exists(file)) {
            throw new IllegalArgumentException(file + ": not found; a reward model directory needs a Hugging Face"
                    + " config.json");
        }
        return JsonFile.read(file);
    }

    /** Refuses a directory whose config.json is not a one-label {@code *ForSequenceClassification}. */
    static void checkSequenceClassifier(Path dir, JsonNode config) {
        Path file = dir.resolve("config.json");
        JsonNode archs = config.get("architectures");
        if (archs != null && archs.isArray() && !archs.isEmpty()) {
            String arch = archs.get(0).asText();
            if (!arch.endsWith("ForSequenceClassification")) {
                throw new IllegalArgumentException(file + ": architectures must name a *ForSequenceClassification"
                        + " model, but is: " + archs + " (start a reward model from a causal LM with"
                        + " reward_model.init, i.e. RewardModel.fromCausalLm)");
            }
        }
        JsonNode numLabels = config.get("num_labels");
        if (numLabels != null && !numLabels.isNull() && numLabels.asInt() != 1) {
            throw new IllegalArgumentException(file + ": num_labels must be 1 for a reward model, but is: " + numLabels);
        }
        JsonNode id2label = config.get("id2label");
        if ((numLabels == null || numLabels.isNull()) && id2label != null && id2label.isObject()
                && id2label.size() != 1) {
            throw new IllegalArgumentException(file + ": id2label must hold exactly one label for a reward model,"
                    + " but is: " + id2label);
        }
    }

    /** Whether {@code dir} holds a sequence classifier (its first architecture says so). */
    static boolean isSequenceClassifier(Path dir) {
        Path file = dir.resolve("config.json");
        if (!Files.exists(file)) {
            return false;
        }
        JsonNode archs = JsonFile.read(file).path("architectures");
        return archs.isArray() && !archs.isEmpty() && archs.get(0).asText().endsWith("ForSequenceClassification");
    }

    static Normalization readNormalization(Path dir, JsonNode config) {
        JsonNode n = config.get(RewardModel.NORMALIZATION_KEY);
        if (n == null || n.isNull()) {
            return Normalization.IDENTITY;
        }
        Path file = dir.resolve("config.json");
        if (!n.isObject() || !n.path("mean").isNumber() || !n.path("std").isNumber()) {
            throw new IllegalArgumentException(file + ": " + RewardModel.NORMALIZATION_KEY
                    + " must be {\"mean\": number, \"std\": number}, but is: " + n);
        }
        try {
            return new Normalization(n.get("mean").asDouble(), n.get("std").asDouble());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + RewardModel.NORMALIZATION_KEY + ": " + e.getMessage(), e);
        }
    }

    /** num_labels 1, id2label / label2id, pad_token_id and the normalisation, as written by every save. */
    static Map<String, Object> oneLabelKeys(int padTokenId, Normalization normalization) {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("num_labels", 1);
        extra.put("id2label", Map.of("0", "LABEL_0"));
        extra.put("label2id", Map.of("LABEL_0", 0));
        extra.put("pad_token_id", padTokenId);
        extra.put(RewardModel.NORMALIZATION_KEY, normalization.toJson());
        return extra;
    }
}
