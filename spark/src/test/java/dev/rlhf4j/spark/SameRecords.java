package dev.rlhf4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The equality the Spark jobs are held to: the single-machine command's records, numbers within 1e-6. */
final class SameRecords {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SameRecords() {}

    /**
     * Same lines with the same keys in the same order and equal values, except that the values of
     * keys starting with {@code closePrefix} (scores, which depend on batching) agree within 1e-6.
     */
    static void assertSameRecords(List<String> one, List<String> spark, String closePrefix) throws IOException {
        assertEquals(one.size(), spark.size());
        for (int i = 0; i < one.size(); i++) {
            JsonNode a = JSON.readTree(one.get(i));
            JsonNode b = JSON.readTree(spark.get(i));
            List<String> keys = new ArrayList<>();
            a.fieldNames().forEachRemaining(keys::add);
            List<String> keysB = new ArrayList<>();
            b.fieldNames().forEachRemaining(keysB::add);
            assertEquals(keys, keysB, "line " + (i + 1));
            for (String k : keys) {
                if (k.startsWith(closePrefix)) {
                    assertClose(a.get(k), b.get(k), "line " + (i + 1) + " " + k);
                } else {
                    assertEquals(a.get(k), b.get(k), "line " + (i + 1) + " " + k);
                }
            }
        }
    }

    /** Numbers within 1e-6, arrays and objects element by element, anything else equal. */
    static void assertClose(JsonNode a, JsonNode b, String where) {
        if (a.isNumber() && b.isNumber()) {
            assertEquals(a.asDouble(), b.asDouble(), 1e-6, where);
        } else if (a.isContainerNode()) {
            assertEquals(a.size(), b.size(), where);
            if (a.isArray()) {
                for (int i = 0; i < a.size(); i++) {
                    assertClose(a.get(i), b.get(i), where + "[" + i + "]");
                }
            } else {
                a.fieldNames().forEachRemaining(k -> assertClose(a.get(k), b.get(k), where + "." + k));
            }
        } else {
            assertEquals(a, b, where);
        }
    }
}
