package dev.rlhf4j.core.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;

/**
 * Reads JSONL (optionally gzip-compressed) one object per line, streaming. Blank lines are
 * skipped; anything else that is not a JSON object is an error naming {@code file:line}.
 */
public final class JsonLines {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonLines() {}

    /** One parsed line. */
    public record Line(Path file, long number, JsonNode value) {

        /** {@code file:line} for messages. */
        public String where() {
            return file + ":" + number;
        }

        /** A required string field; throws naming file, line and key otherwise. */
        public String text(String key) {
            JsonNode v = value.get(key);
            if (v == null || !v.isTextual()) {
                throw new IllegalArgumentException(where() + ": field \"" + key + "\" must be a string, but is: "
                        + (v == null ? "missing" : v.getNodeType().toString().toLowerCase()));
            }
            return v.asText();
        }
    }

    /** Calls {@code sink} for every object in the file, in order. */
    public static void forEach(Path file, Consumer<Line> sink) {
        if (!Files.exists(file)) {
            throw new IllegalArgumentException(file + ": file not found");
        }
        try (InputStream raw = Files.newInputStream(file);
                InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
            String text;
            long number = 0;
            while ((text = reader.readLine()) != null) {
                number++;
                Line line = parse(file, number, text);
                if (line != null) {
                    sink.accept(line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * One line of a file, as {@link #forEach} reads it (for readers that split the file themselves).
     *
     * @return the line, or {@code null} for a blank one
     * @throws IllegalArgumentException naming {@code file:number} when it is not a JSON object
     */
    public static Line parse(Path file, long number, String text) {
        if (text.isBlank()) {
            return null;
        }
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ":" + number + ": not valid JSON: " + e.getOriginalMessage());
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException(file + ":" + number + ": expected a JSON object, but found "
                    + node.getNodeType().toString().toLowerCase());
        }
        return new Line(file, number, node);
    }

    /** All objects of a (small) file. */
    public static List<Line> readAll(Path file) {
        List<Line> out = new ArrayList<>();
        forEach(file, out::add);
        return out;
    }
}
