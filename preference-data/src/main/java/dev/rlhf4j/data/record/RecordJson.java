package dev.rlhf4j.data.record;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * JSON (de)serialisation of {@link PreferenceRecord}: one compact object per line with exactly the
 * snake_case keys of DESIGN.md, in that order. Reading checks every key and type and names the key
 * in its message; unknown keys are an error (a typo would otherwise lose data silently).
 */
public final class RecordJson {

    /** The shared mapper: strict JSON, duplicate keys and trailing content rejected. */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static final ObjectWriter WRITER = MAPPER.writerFor(PreferenceRecord.class);

    private static final Set<String> KEYS = Set.of("id", "prompt", "chosen", "rejected", "tie",
            "margin", "group_id", "source", "split", "annotators", "labels", "meta");

    private RecordJson() {}

    public static String toJson(PreferenceRecord r) {
        try {
            return WRITER.writeValueAsString(r);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The record as one line of JSON, UTF-8 encoded (Jackson's fastest output path). */
    public static byte[] toJsonBytes(PreferenceRecord r) {
        try {
            return WRITER.writeValueAsBytes(r);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads a canonical record. The id is re-derived from the content (a stored id that does not
     * match is replaced: ids are always content-derived).
     *
     * @throws InvalidRecordException naming the key when a key is missing, unknown or mistyped
     */
    public static PreferenceRecord fromJson(JsonNode node) {
        if (!node.isObject()) {
            throw new InvalidRecordException("record must be a JSON object, but is: " + kind(node));
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!KEYS.contains(key)) {
                throw new InvalidRecordException("unknown key '" + key + "' (expected "
                        + "id, prompt, chosen, rejected, tie, margin, group_id, source, split, "
                        + "annotators, labels, meta)");
            }
        }
        PreferenceRecord.Builder b = PreferenceRecord.builder()
                .prompt(messages(node, "prompt", false))
                .chosen(messages(node, "chosen", true))
                .rejected(messages(node, "rejected", true))
                .tie(bool(node, "tie"))
                .margin(number(node, "margin"))
                .groupId(text(node, "group_id"))
                .source(text(node, "source"))
                .split(text(node, "split"));
        JsonNode annotators = node.get("annotators");
        if (annotators != null && !annotators.isNull()) {
            if (!annotators.isArray()) {
                throw new InvalidRecordException("key 'annotators' must be a list of strings, but is: " + kind(annotators));
            }
            List<String> list = new ArrayList<>();
            for (JsonNode a : annotators) {
                if (!a.isTextual()) {
                    throw new InvalidRecordException("key 'annotators' must be a list of strings, but holds: " + kind(a));
                }
                list.add(a.asText());
            }
            b.annotators(list);
        }
        JsonNode labels = node.get("labels");
        if (labels != null && !labels.isNull()) {
            if (!labels.isArray()) {
                throw new InvalidRecordException("key 'labels' must be a list, but is: " + kind(labels));
            }
            List<Label> list = new ArrayList<>();
            for (JsonNode l : labels) {
                list.add(label(l));
            }
            b.labels(list);
        }
        JsonNode meta = node.get("meta");
        if (meta != null && !meta.isNull()) {
            if (!meta.isObject()) {
                throw new InvalidRecordException("key 'meta' must be an object, but is: " + kind(meta));
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> map = MAPPER.convertValue(meta, LinkedHashMap.class);
            b.meta(map);
        }
        return b.build();
    }

    private static Label label(JsonNode l) {
        if (!l.isObject()) {
            throw new InvalidRecordException("key 'labels' must hold objects, but holds: " + kind(l));
        }
        JsonNode pref = l.get("preference");
        if (pref == null || !pref.isTextual()) {
            throw new InvalidRecordException("label key 'preference' must be one of chosen, rejected, tie, but is: "
                    + (pref == null ? "missing" : pref.toString()));
        }
        Preference p;
        try {
            p = Preference.parse(pref.asText());
        } catch (IllegalArgumentException e) {
            throw new InvalidRecordException(e.getMessage());
        }
        JsonNode a = l.get("annotator");
        if (a != null && !a.isNull() && !a.isTextual()) {
            throw new InvalidRecordException("label key 'annotator' must be a string, but is: " + kind(a));
        }
        JsonNode s = l.get("strength");
        if (s != null && !s.isNull() && (!s.isNumber() || s.asDouble() < 0)) {
            throw new InvalidRecordException("label key 'strength' must be a number >= 0, but is: " + s);
        }
        return new Label(a == null || a.isNull() ? null : a.asText(), p,
                s == null || s.isNull() ? null : s.asDouble());
    }

    private static List<Message> messages(JsonNode node, String key, boolean required) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            if (required) {
                throw new InvalidRecordException("missing key '" + key + "'");
            }
            return List.of();
        }
        if (!v.isArray()) {
            throw new InvalidRecordException("key '" + key + "' must be a list of {role, content} messages, but is: " + kind(v));
        }
        List<Message> list = new ArrayList<>(v.size());
        for (JsonNode m : v) {
            JsonNode role = m.get("role");
            JsonNode content = m.get("content");
            if (!m.isObject() || role == null || !role.isTextual() || content == null || !content.isTextual()) {
                throw new InvalidRecordException("key '" + key + "' must hold {role, content} messages with string values, but holds: "
                        + abbreviate(m.toString()));
            }
            list.add(new Message(role.asText(), content.asText()));
        }
        return list;
    }

    private static boolean bool(JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw new InvalidRecordException("key '" + key + "' must be true or false, but is: " + v);
        }
        return v.asBoolean();
    }

    private static Double number(JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw new InvalidRecordException("key '" + key + "' must be a number, but is: " + abbreviate(v.toString()));
        }
        return v.asDouble();
    }

    private static String text(JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new InvalidRecordException("key '" + key + "' must be a string, but is: " + abbreviate(v.toString()));
        }
        return v.asText();
    }

    /** A short name of a JSON value's type, for messages. */
    public static String kind(JsonNode v) {
        if (v == null || v.isMissingNode()) {
            return "missing";
        }
        return switch (v.getNodeType()) {
            case ARRAY -> "a list";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number (" + v.asText() + ")";
            case BOOLEAN -> "a boolean (" + v.asText() + ")";
            case NULL -> "null";
            default -> v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /** The first 80 characters of a value, for messages. */
    public static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
