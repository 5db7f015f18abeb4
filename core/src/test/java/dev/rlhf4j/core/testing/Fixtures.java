package dev.rlhf4j.core.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The committed reference fixtures (made by tools/*.py), found from any module's test run. */
public final class Fixtures {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Fixtures() {}

    /** {@code core/src/test/resources/fixtures/<relative>}, located by walking up from the working directory. */
    public static Path path(String relative) {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            Path candidate = dir.resolve("core/src/test/resources/fixtures").resolve(relative);
            if (Files.exists(candidate)) {
                return candidate;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("fixture not found: " + relative);
    }

    /** A parity model directory: gpt2, llama, qwen2, llama-bf16, gpt2-rm, llama-rm. */
    public static Path parityModel(String name) {
        return path("parity/" + name);
    }

    public static JsonNode expected(String name) {
        return readJson(parityModel(name).resolve("expected.json"));
    }

    public static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static long[][] longMatrix(JsonNode rows) {
        long[][] out = new long[rows.size()][];
        for (int i = 0; i < rows.size(); i++) {
            out[i] = longs(rows.get(i));
        }
        return out;
    }

    public static long[] longs(JsonNode row) {
        long[] out = new long[row.size()];
        for (int i = 0; i < row.size(); i++) {
            out[i] = row.get(i).asLong();
        }
        return out;
    }

    public static float[] floats(JsonNode tensor) {
        JsonNode data = tensor.has("data") ? tensor.get("data") : tensor;
        float[] out = new float[data.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) data.get(i).asDouble();
        }
        return out;
    }
}
