package dev.rlhf4j.core.checkpoint;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.Comparator;

/**
 * The JSON this package reads and writes: a strict parser (duplicate keys and trailing content
 * are errors, as the format requires) and string quoting that reproduces byte for byte what the
 * reference writers emit.
 */
final class JsonText {

    /** Header strings may be long (free-form metadata), so the parser's length limits are raised. */
    private static final int MAX_TEXT = 100_000_000;

    static final JsonMapper STRICT = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxStringLength(MAX_TEXT)
                            .maxNameLength(MAX_TEXT)
                            .build())
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** Orders strings by code point, as Python's {@code sorted} and Rust's {@code str} ordering do. */
    static final Comparator<String> CODE_POINT_ORDER = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    };

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private JsonText() {}

    /**
     * Appends {@code s} quoted as Rust's serde_json does: {@code "} and {@code \} escaped,
     * \b \f \n \r \t in short form, other control characters as <code>&#92;u00XX</code>, everything else
     * (non-ASCII included) as is.
     */
    static StringBuilder quoteLikeSerde(StringBuilder out, String s) {
        return quote(out, s, false);
    }

    /**
     * Appends {@code s} quoted as Python's {@code json.dumps} does with its default
     * {@code ensure_ascii=True}: like serde_json, and every character above {@code ~} (DEL and
     * all non-ASCII) as <code>&#92;uXXXX</code>, with UTF-16 surrogate pairs beyond the BMP.
     */
    static StringBuilder quoteLikePython(StringBuilder out, String s) {
        return quote(out, s, true);
    }

    private static StringBuilder quote(StringBuilder out, String s, boolean asciiOnly) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || (asciiOnly && c > 0x7E)) {
                        out.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xF])
                                .append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"');
    }

    /** A JSON value for an error message, cut to a readable length. */
    static String brief(JsonNode node) {
        String text = String.valueOf(node);
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }
}
