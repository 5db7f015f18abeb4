package dev.rlhf4j.core.io;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Reads one JSON file ({@code config.json}, {@code tokenizer_config.json}, ...). Bad JSON is one
 * line naming the file, the line and the column: {@code model/config.json: not valid JSON: Unexpected
 * character ('b' (code 98)) ... (line 1, column 2)}.
 */
public final class JsonFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonFile() {}

    /**
     * The file's JSON.
     *
     * @throws IllegalArgumentException when it is not valid JSON
     * @throws UncheckedIOException when it cannot be read
     */
    public static JsonNode read(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not valid JSON: " + e.getOriginalMessage() + where(e), e);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** {@code " (line L, column C)"} of a parse error, or nothing when Jackson does not know where. */
    public static String where(JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        return at == null || at.getLineNr() < 1 ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
    }
}
