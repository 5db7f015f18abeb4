package dev.rlhf4j.data.importers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Importer options as {@code key=value} strings (from {@code -O key=value} or an options file),
 * read with typed getters whose messages name the key and the value, e.g.
 * {@code shp.min_score_ratio must be a number, but is: abc}.
 *
 * <p>Global keys: {@code ties} ({@code keep}, the default: equal judgements become tie records;
 * {@code skip}: they give no pair) and {@code seed} (default 42, for UltraFeedback's binarized
 * recipe). Format keys are prefixed by the format name; see {@code rlhf4j data formats}.
 */
public record FormatOptions(Map<String, String> values) {

    public static final FormatOptions NONE = new FormatOptions(Map.of());

    public FormatOptions {
        values = Map.copyOf(values);
    }

    /** Parses {@code key=value} strings. */
    public static FormatOptions parse(List<String> pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String p : pairs) {
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("option must be key=value, but is: " + p);
            }
            map.put(p.substring(0, eq).trim(), p.substring(eq + 1).trim());
        }
        return new FormatOptions(map);
    }

    public FormatOptions with(String key, String value) {
        Map<String, String> map = new LinkedHashMap<>(values);
        map.put(key, value);
        return new FormatOptions(map);
    }

    public String string(String key, String defaultValue) {
        String v = values.get(key);
        return v == null || v.isEmpty() ? defaultValue : v;
    }

    public List<String> list(String key, String defaultValue) {
        String v = string(key, defaultValue);
        if (v == null || v.isBlank()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String s : v.split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }

    public double number(String key, double defaultValue) {
        String v = values.get(key);
        if (v == null || v.isEmpty()) {
            return defaultValue;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number, but is: " + v);
        }
    }

    public long integer(String key, long defaultValue, long min) {
        String v = values.get(key);
        if (v == null || v.isEmpty()) {
            return defaultValue;
        }
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer, but is: " + v);
        }
        if (n < min) {
            throw new IllegalArgumentException(key + " must be at least " + min + ", but is: " + v);
        }
        return n;
    }

    public String choice(String key, String defaultValue, String... allowed) {
        String v = string(key, defaultValue).toLowerCase(Locale.ROOT);
        if (!Arrays.asList(allowed).contains(v)) {
            throw new IllegalArgumentException(key + " must be one of " + String.join(", ", allowed)
                    + ", but is: " + values.get(key));
        }
        return v;
    }

    /** The global {@code ties} option: true to keep equal judgements as tie records. */
    public boolean keepTies() {
        return choice("ties", "keep", "keep", "skip").equals("keep");
    }

    public long seed() {
        String v = values.get("seed");
        if (v == null || v.isEmpty()) {
            return 42;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("seed must be an integer, but is: " + v);
        }
    }
}
