package dev.rlhf4j.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Typed access to the keys of a Hugging Face {@code config.json}, with errors that name the file and
 * the key; shared by the decoder ({@link ModelConfig}) and encoder configs.
 *
 * @param c the parsed config.json
 * @param where the file, for messages
 */
public record ConfigReader(JsonNode c, String where) {

    public IllegalArgumentException error(String key, String expected, Object actual) {
        return new IllegalArgumentException(where + ": " + key + " must be " + expected + ", but is: " + actual);
    }

    public String requiredText(String key) {
        JsonNode v = c.get(key);
        if (v == null || !v.isTextual()) {
            throw error(key, "a string", v);
        }
        return v.asText();
    }

    public String text(String key, String fallback) {
        JsonNode v = c.get(key);
        return v == null || v.isNull() ? fallback : v.asText();
    }

    public int requiredInt(String key) {
        JsonNode v = c.get(key);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
            throw error(key, "an integer", v);
        }
        return v.asInt();
    }

    public int integer(String key, int fallback) {
        JsonNode v = c.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (v.isArray()) {
            return v.isEmpty() ? fallback : v.get(0).asInt();
        }
        return requiredInt(key);
    }

    public List<Integer> intList(String key) {
        JsonNode v = c.get(key);
        List<Integer> out = new ArrayList<>();
        if (v == null || v.isNull()) {
            return out;
        }
        if (v.isArray()) {
            v.forEach(x -> out.add(x.asInt()));
        } else {
            out.add(requiredInt(key));
        }
        return out;
    }

    public double dbl(String key, double fallback) {
        JsonNode v = c.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isNumber()) {
            throw error(key, "a number", v);
        }
        return v.asDouble();
    }

    public boolean bool(String key, boolean fallback) {
        JsonNode v = c.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw error(key, "true or false", v);
        }
        return v.asBoolean();
    }

    public void mustBeFalse(String key) {
        if (bool(key, false)) {
            throw error(key, "false (not supported)", "true");
        }
    }

    public String dtype() {
        String d = text("torch_dtype", text("dtype", "float32"));
        if (!d.equals("float32") && !d.equals("float16") && !d.equals("bfloat16")) {
            throw error(c.has("torch_dtype") ? "torch_dtype" : "dtype", "float32, float16 or bfloat16", d);
        }
        return d;
    }
}
