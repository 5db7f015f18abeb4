package dev.rlhf4j.core.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A JSON file of golden values written by a script under tools/ (nested lists become arrays).
 * Paths are dotted: {@code "expected.kl_k1"}.
 */
public final class JsonFixture {

    private final String resource;
    private final JsonNode root;

    private JsonFixture(String resource, JsonNode root) {
        this.resource = resource;
        this.root = root;
    }

    /** Loads a classpath resource, e.g. {@code "/fixtures/ppo_numerics.json"}. */
    public static JsonFixture load(String resource) {
        try (InputStream in = JsonFixture.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("fixture not on the classpath: " + resource);
            }
            return new JsonFixture(resource, new ObjectMapper().readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read fixture " + resource, e);
        }
    }

    /** The node at a dotted path. */
    public JsonNode node(String path) {
        JsonNode node = root;
        for (String key : path.split("\\.")) {
            node = node.get(key);
            if (node == null) {
                throw new IllegalArgumentException(resource + " has no key: " + path);
            }
        }
        return node;
    }

    /** A number at a dotted path. */
    public double scalar(String path) {
        return node(path).asDouble();
    }

    /** A nested list of numbers (or booleans, as 1/0) as a float32 array of the list's shape. */
    public NDArray floats(NDManager manager, String path) {
        JsonNode node = node(path);
        List<Double> values = new ArrayList<>();
        long[] shape = shapeOf(node);
        flatten(node, values);
        float[] data = new float[values.size()];
        for (int i = 0; i < data.length; i++) {
            data[i] = values.get(i).floatValue();
        }
        return manager.create(data, new Shape(shape));
    }

    /** A nested list of integers as an int64 array of the list's shape. */
    public NDArray longs(NDManager manager, String path) {
        JsonNode node = node(path);
        List<Double> values = new ArrayList<>();
        long[] shape = shapeOf(node);
        flatten(node, values);
        long[] data = new long[values.size()];
        for (int i = 0; i < data.length; i++) {
            data[i] = values.get(i).longValue();
        }
        return manager.create(data, new Shape(shape));
    }

    /** Asserts equal shapes and {@code |expected − actual| <= tolerance} everywhere. */
    public static void assertAllClose(NDArray expected, NDArray actual, double tolerance, String what) {
        assertArrayEquals(expected.getShape().getShape(), actual.getShape().getShape(), what + ": shape");
        float[] e = expected.toType(DataType.FLOAT32, false).toFloatArray();
        float[] a = actual.toType(DataType.FLOAT32, false).toFloatArray();
        double worst = 0;
        int worstAt = -1;
        for (int i = 0; i < e.length; i++) {
            double diff = Math.abs((double) e[i] - a[i]);
            if (!(diff <= worst)) {
                worst = diff;
                worstAt = i;
            }
        }
        double maxDiff = worst;
        int at = worstAt;
        assertTrue(
                maxDiff <= tolerance,
                () -> String.format(
                        "%s: max |expected - actual| = %g at flat index %d (expected %s, actual %s)",
                        what, maxDiff, at, e[at], a[at]));
    }

    /** Asserts {@code |expected − actual| <= tolerance}. */
    public static void assertClose(double expected, double actual, double tolerance, String what) {
        assertTrue(
                Math.abs(expected - actual) <= tolerance,
                () -> String.format("%s: expected %s but was %s (tolerance %s)", what, expected, actual, tolerance));
    }

    private static long[] shapeOf(JsonNode node) {
        List<Long> dims = new ArrayList<>();
        JsonNode n = node;
        while (n.isArray()) {
            dims.add((long) n.size());
            n = n.get(0);
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }

    private static void flatten(JsonNode node, List<Double> out) {
        if (node.isArray()) {
            node.forEach(child -> flatten(child, out));
        } else if (node.isBoolean()) {
            out.add(node.asBoolean() ? 1.0 : 0.0);
        } else {
            out.add(node.asDouble());
        }
    }
}
