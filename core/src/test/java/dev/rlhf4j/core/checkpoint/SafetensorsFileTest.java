package dev.rlhf4j.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading files written by the Python safetensors library (dtypes.safetensors, expected.json). */
class SafetensorsFileTest {

    private static final Path DTYPES = SafetensorsFixtures.path("dtypes.safetensors");

    @TempDir
    Path tmp;

    @Test
    void readsEveryTensorAsPythonWroteIt() throws Exception {
        JsonNode expected = SafetensorsFixtures.json("expected.json").get("dtypes.safetensors");
        try (SafetensorsFile file = SafetensorsFile.open(DTYPES)) {
            List<String> names = new ArrayList<>();
            for (JsonNode t : expected.get("tensors")) {
                String name = t.get("name").textValue();
                names.add(name);
                TensorInfo info = file.info(name);
                assertEquals(DType.valueOf(t.get("dtype").textValue()), info.dtype(), name);
                assertArrayEquals(SafetensorsFixtures.longs(t.get("shape")), info.shape(), name);
                if (t.has("values")) {
                    assertArrayEquals(SafetensorsFixtures.floats(t.get("values")), file.readFloats(name), name);
                }
            }
            assertEquals(names, file.names());
            assertEquals(SafetensorsFixtures.strings(expected.get("metadata")), file.metadata());
        }
    }

    @Test
    void coversEveryFloatDtypeAndTheEdgeShapes() throws Exception {
        try (SafetensorsFile file = SafetensorsFile.open(DTYPES)) {
            assertEquals(DType.F32, file.info("f32").dtype());
            assertEquals(DType.F16, file.info("f16").dtype());
            assertEquals(DType.BF16, file.info("bf16").dtype());
            assertArrayEquals(new long[0], file.info("scalar").shape());
            assertArrayEquals(new float[] {3.25f}, file.readFloats("scalar"));
            assertArrayEquals(new long[] {0, 3}, file.info("empty").shape());
            assertEquals(0, file.readFloats("empty").length);
            assertEquals(0, file.readRaw("empty").remaining());
            assertArrayEquals(new float[] {0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 65504f,
                    0x1p-14f, 0x1p-24f}, file.readFloats("specials"));
        }
    }

    @Test
    void readsOtherDtypesAsRawLittleEndianBytes() throws Exception {
        try (SafetensorsFile file = SafetensorsFile.open(DTYPES)) {
            ByteBuffer raw = file.readRaw("i64");
            assertEquals(ByteOrder.LITTLE_ENDIAN, raw.order());
            assertTrue(raw.isReadOnly());
            assertEquals(24, raw.remaining());
            assertEquals(1L, raw.getLong(0));
            assertEquals(-2L, raw.getLong(8));
            assertEquals(3_000_000_000L, raw.getLong(16));
            TensorInfo info = file.info("i64");
            assertEquals(24, info.byteSize());
            assertEquals(3, info.elementCount());
        }
    }

    @Test
    void readingIntegersAsFloatsNamesTheDtype() throws Exception {
        try (SafetensorsFile file = SafetensorsFile.open(DTYPES)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> file.readFloats("i64"));
            assertEquals(DTYPES + ": tensor \"i64\" has dtype I64; expected F32, F16 or BF16 (use readRaw for the bytes)",
                    e.getMessage());
        }
    }

    @Test
    void unknownTensorNameIsAClearError() throws Exception {
        try (SafetensorsFile file = SafetensorsFile.open(DTYPES)) {
            assertFalse(file.contains("nope"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> file.readFloats("nope"));
            assertEquals(DTYPES + ": no tensor named \"nope\"", e.getMessage());
        }
    }

    @Test
    void readsARangeOfElements() throws Exception {
        try (SafetensorsFile file = SafetensorsFile.open(DTYPES)) {
            float[] all = file.readFloats("f32");
            assertArrayEquals(java.util.Arrays.copyOfRange(all, 2, 5), file.readFloats("f32", 2, 3));
            assertEquals(0, file.readFloats("f32", 6, 0).length);
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> file.readFloats("f32", 4, 3));
            assertEquals(DTYPES + ": elements [4, 7) are outside tensor \"f32\", which has 6", e.getMessage());
        }
    }

    @Test
    void tensorsStraddlingMappedChunksReadTheSame() throws Exception {
        try (SafetensorsFile whole = SafetensorsFile.open(DTYPES)) {
            for (long chunk : new long[] {1, 3, 7, 16}) {
                try (SafetensorsFile chunked = SafetensorsFile.open(DTYPES, chunk)) {
                    for (String name : whole.names()) {
                        assertEquals(whole.readRaw(name), chunked.readRaw(name), name + " with chunks of " + chunk);
                        if (whole.info(name).dtype().isFloat()) {
                            assertArrayEquals(whole.readFloats(name), chunked.readFloats(name), name);
                            long n = whole.info(name).elementCount();
                            if (n > 2) {
                                assertArrayEquals(whole.readFloats(name, 1, (int) n - 2),
                                        chunked.readFloats(name, 1, (int) n - 2), name);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void infoIsImmutable() throws Exception {
        try (SafetensorsFile file = SafetensorsFile.open(DTYPES)) {
            long[] shape = file.info("f32").shape();
            shape[0] = 99;
            assertArrayEquals(new long[] {2, 3}, file.info("f32").shape());
            assertEquals(file.info("f32"), file.info("f32"));
            assertThrows(UnsupportedOperationException.class, () -> file.metadata().put("a", "b"));
            assertThrows(UnsupportedOperationException.class, () -> file.names().add("x"));
        }
    }

    @Test
    void readsAfterCloseFail() throws Exception {
        SafetensorsFile file = SafetensorsFile.open(DTYPES);
        file.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> file.readFloats("f32"));
        assertEquals(DTYPES + " is closed", e.getMessage());
    }

    @Test
    void fileWithoutTensorsOrMetadataIsValid() throws Exception {
        Path path = SafetensorsFixtures.write(tmp, "empty.safetensors", SafetensorsFixtures.file("{}      ", 0));
        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            assertEquals(List.of(), file.names());
            assertEquals(Map.of(), file.metadata());
        }
    }

    @Test
    void namesFollowDataOrderNotHeaderOrder() throws Exception {
        String header = "{\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[2,4]},"
                + "\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},\"__metadata__\":null}";
        Path path = SafetensorsFixtures.write(tmp, "order.safetensors", SafetensorsFixtures.file(header, 4));
        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            assertEquals(List.of("a", "b"), file.names());
            assertEquals(Map.of(), file.metadata());
        }
    }

    @Test
    void subByteDtypesAreRecognised() throws Exception {
        String header = "{\"packed\":{\"dtype\":\"F4\",\"shape\":[2,3],\"data_offsets\":[0,3]},"
                + "\"e4m3\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[3,4]}}";
        Path path = SafetensorsFixtures.write(tmp, "fp4.safetensors", SafetensorsFixtures.file(header, 4));
        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            assertEquals(DType.F4, file.info("packed").dtype());
            assertEquals(3, file.readRaw("packed").remaining());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> file.readFloats("e4m3"));
            assertEquals(path + ": tensor \"e4m3\" has dtype F8_E4M3; expected F32, F16 or BF16 (use readRaw for the bytes)",
                    e.getMessage());
        }
    }
}
