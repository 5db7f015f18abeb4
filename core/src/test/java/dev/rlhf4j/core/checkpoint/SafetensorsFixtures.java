package dev.rlhf4j.core.checkpoint;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.rlhf4j.core.testing.Fixtures;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The fixtures written by tools/make_safetensors_fixtures.py, and hand-built files. */
final class SafetensorsFixtures {

    /** Python's json module writes Infinity and NaN, which strict JSON does not allow. */
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    private SafetensorsFixtures() {}

    /** {@code core/src/test/resources/fixtures/safetensors/<relative>}. */
    static Path path(String relative) {
        return Fixtures.path("safetensors/" + relative);
    }

    static JsonNode json(String relative) throws IOException {
        return JSON.readTree(path(relative).toFile());
    }

    static float[] floats(JsonNode array) {
        float[] values = new float[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) array.get(i).doubleValue(); // exact: the JSON holds float32 values
        }
        return values;
    }

    static long[] longs(JsonNode array) {
        long[] values = new long[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).longValue();
        }
        return values;
    }

    static Map<String, String> strings(JsonNode object) {
        Map<String, String> map = new LinkedHashMap<>();
        object.properties().forEach(e -> map.put(e.getKey(), e.getValue().textValue()));
        return map;
    }

    /** A safetensors file: the 8-byte length of {@code header}, the header, {@code bufferLength} zero bytes. */
    static byte[] file(String header, int bufferLength) {
        return file(header.getBytes(StandardCharsets.UTF_8), bufferLength);
    }

    static byte[] file(byte[] header, int bufferLength) {
        return ByteBuffer.allocate(8 + header.length + bufferLength).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(header.length).put(header).array();
    }

    static Path write(Path dir, String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }
}
