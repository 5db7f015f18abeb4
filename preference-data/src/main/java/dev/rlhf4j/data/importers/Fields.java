package dev.rlhf4j.data.importers;

import static dev.rlhf4j.data.record.RecordJson.abbreviate;
import static dev.rlhf4j.data.record.RecordJson.kind;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.data.record.InvalidRecordException;
import dev.rlhf4j.data.record.Message;
import dev.rlhf4j.data.record.RecordJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Typed access to fields of an input record, with messages that name the field. Values that came
 * from CSV or Parquet cells may be strings holding JSON or numbers; the getters accept both.
 */
final class Fields {

    private Fields() {}

    static JsonNode object(JsonNode record) {
        if (record == null || !record.isObject()) {
            throw new InvalidRecordException("record must be a JSON object, but is: " + kind(record));
        }
        return record;
    }

    static boolean has(JsonNode obj, String key) {
        JsonNode v = obj.get(key);
        return v != null && !v.isNull();
    }

    static JsonNode required(JsonNode obj, String key) {
        JsonNode v = obj.get(key);
        if (v == null || v.isNull()) {
            throw new InvalidRecordException("missing field '" + key + "'");
        }
        return v;
    }

    static String text(JsonNode obj, String key) {
        JsonNode v = required(obj, key);
        if (!v.isTextual()) {
            throw new InvalidRecordException("field '" + key + "' must be a string, but is: " + kind(v));
        }
        return v.asText();
    }

    /** A string, or the text of a number (ids are often numbers). */
    static String id(JsonNode obj, String key) {
        JsonNode v = required(obj, key);
        if (!v.isTextual() && !v.isNumber()) {
            throw new InvalidRecordException("field '" + key + "' must be a string or number, but is: " + kind(v));
        }
        return v.asText();
    }

    static String optText(JsonNode obj, String key) {
        JsonNode v = obj.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual() && !v.isNumber()) {
            throw new InvalidRecordException("field '" + key + "' must be a string, but is: " + kind(v));
        }
        return v.asText();
    }

    static double number(JsonNode obj, String key) {
        return numberValue(required(obj, key), "field '" + key + "'");
    }

    static Double optNumber(JsonNode obj, String key) {
        JsonNode v = obj.get(key);
        if (v == null || v.isNull() || (v.isTextual() && v.asText().isBlank())) {
            return null;
        }
        return numberValue(v, "field '" + key + "'");
    }

    static double numberValue(JsonNode v, String what) {
        if (v.isNumber()) {
            double d = v.asDouble();
            if (!Double.isFinite(d)) {
                throw new InvalidRecordException(what + " must be a finite number, but is: " + v.asText());
            }
            return d;
        }
        if (v.isTextual()) {
            try {
                double d = Double.parseDouble(v.asText().trim());
                if (Double.isFinite(d)) {
                    return d;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new InvalidRecordException(what + " must be a number, but is: " + abbreviate(v.toString()));
    }

    /** An integer (a number without fraction, or such a string). */
    static long integer(JsonNode obj, String key) {
        double d = number(obj, key);
        if (d != Math.rint(d)) {
            throw new InvalidRecordException("field '" + key + "' must be an integer, but is: " + obj.get(key).asText());
        }
        return (long) d;
    }

    /** 0/1, true/false, or such strings. */
    static boolean flag(JsonNode obj, String key) {
        JsonNode v = required(obj, key);
        if (v.isBoolean()) {
            return v.asBoolean();
        }
        String s = v.asText().trim().toLowerCase(Locale.ROOT);
        return switch (s) {
            case "1", "1.0", "true" -> true;
            case "0", "0.0", "false" -> false;
            default -> throw new InvalidRecordException("field '" + key + "' must be 0 or 1, but is: " + abbreviate(v.toString()));
        };
    }

    /** A list, or a string holding a JSON list (CSV cells). */
    static JsonNode array(JsonNode obj, String key) {
        JsonNode v = required(obj, key);
        if (v.isTextual()) {
            v = parseJson(v.asText(), key);
        }
        if (!v.isArray()) {
            throw new InvalidRecordException("field '" + key + "' must be a list, but is: " + kind(v));
        }
        return v;
    }

    /** An object, or a string holding a JSON object. */
    static JsonNode obj(JsonNode obj, String key) {
        JsonNode v = required(obj, key);
        if (v.isTextual()) {
            v = parseJson(v.asText(), key);
        }
        if (!v.isObject()) {
            throw new InvalidRecordException("field '" + key + "' must be an object, but is: " + kind(v));
        }
        return v;
    }

    static JsonNode parseJson(String text, String key) {
        try {
            return RecordJson.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            String m = e.getOriginalMessage();
            int nl = m.indexOf('\n');
            throw new InvalidRecordException("field '" + key + "' holds malformed JSON: " + (nl > 0 ? m.substring(0, nl) : m));
        }
    }

    /**
     * Chat messages: a list of {@code {role, content}} objects. Also accepted: {@code from}
     * instead of {@code role} and {@code value} instead of {@code content} (ShareGPT and
     * ColossalChat style); roles {@code human}/{@code gpt}/{@code bot}/{@code model} map to
     * {@code user}/{@code assistant}.
     */
    static List<Message> messages(JsonNode list, String key) {
        if (list.isTextual()) {
            list = parseJson(list.asText(), key);
        }
        if (!list.isArray()) {
            throw new InvalidRecordException("field '" + key + "' must be a list of messages, but is: " + kind(list));
        }
        List<Message> out = new ArrayList<>(list.size());
        int i = 0;
        for (JsonNode m : list) {
            i++;
            if (!m.isObject()) {
                throw new InvalidRecordException("field '" + key + "' message " + i + " must be an object with role and content, but is: " + kind(m));
            }
            JsonNode role = m.has("role") ? m.get("role") : m.get("from");
            JsonNode content = m.has("content") ? m.get("content") : m.get("value");
            if (role == null || !role.isTextual()) {
                throw new InvalidRecordException("field '" + key + "' message " + i + " has no string 'role'");
            }
            if (content == null || !content.isTextual()) {
                throw new InvalidRecordException("field '" + key + "' message " + i + " has no string 'content'");
            }
            out.add(new Message(role(role.asText()), content.asText()));
        }
        return out;
    }

    static String role(String role) {
        String r = role.trim().toLowerCase(Locale.ROOT);
        return switch (r) {
            case "human", "prompter", "usr" -> Message.USER;
            case "gpt", "bot", "model", "chatbot", "ai" -> Message.ASSISTANT;
            default -> r;
        };
    }

    /** Whether a value is a list of {role, content} (or {from, value}) objects. */
    static boolean isMessageList(JsonNode v) {
        if (v == null || !v.isArray() || v.isEmpty()) {
            return false;
        }
        JsonNode m = v.get(0);
        return m.isObject() && (m.has("role") || m.has("from")) && (m.has("content") || m.has("value"));
    }
}
