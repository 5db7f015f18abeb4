package dev.rlhf4j.pipeline.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads a stage's {@code metrics.jsonl} into plot series. */
public final class Metrics {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Metrics() {}

    /** (step, value) of {@code key} on every line that has it; empty when the file is missing. */
    public static List<double[]> series(Path metricsJsonl, String key) throws IOException {
        return series(metricsJsonl, "step", key);
    }

    /** (x, y) of two keys on every line that has both. */
    public static List<double[]> series(Path metricsJsonl, String xKey, String yKey) throws IOException {
        List<double[]> out = new ArrayList<>();
        if (!Files.exists(metricsJsonl)) {
            return out;
        }
        for (String line : Files.readAllLines(metricsJsonl)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode n = JSON.readTree(line);
            JsonNode x = find(n, xKey);
            JsonNode y = find(n, yKey);
            if (x != null && y != null && x.isNumber() && y.isNumber()) {
                out.add(new double[] {x.asDouble(), y.asDouble()});
            }
        }
        return out;
    }

    /** A key at the top level or inside a nested object of the line. */
    private static JsonNode find(JsonNode n, String key) {
        if (n.has(key)) {
            return n.get(key);
        }
        for (JsonNode child : n) {
            if (child.isObject() && child.has(key)) {
                return child.get(key);
            }
        }
        return null;
    }
}
