package dev.rlhf4j.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The writer: round trips, and the same bytes as Python's safetensors and transformers' layout. */
class SafetensorsWriterTest {

    @TempDir
    Path tmp;

    private static List<NamedTensor> tensors(JsonNode writerCase) {
        List<NamedTensor> tensors = new ArrayList<>();
        for (JsonNode t : writerCase.get("tensors")) {
            tensors.add(new NamedTensor(t.get("name").textValue(), DType.valueOf(t.get("dtype").textValue()),
                    SafetensorsFixtures.longs(t.get("shape")), SafetensorsFixtures.floats(t.get("values"))));
        }
        return tensors;
    }

    @ParameterizedTest
    @ValueSource(strings = {"basic", "escapes"})
    void writesTheBytesPythonSaveFileWrites(String name) throws Exception {
        JsonNode writerCase = SafetensorsFixtures.json("writer.json").get(name);
        Path ours = tmp.resolve(name + ".safetensors");
        SafetensorsWriter.write(ours, tensors(writerCase), SafetensorsFixtures.strings(writerCase.get("metadata")));
        assertArrayEquals(Files.readAllBytes(SafetensorsFixtures.path("writer/" + name + ".safetensors")), Files.readAllBytes(ours));
    }

    @Test
    void writesTheShardsAndIndexTransformersWrites() throws Exception {
        JsonNode writerCase = SafetensorsFixtures.json("writer.json").get("sharded");
        Path dir = tmp.resolve("model");
        List<Path> written = SafetensorsWriter.writeSharded(dir, tensors(writerCase),
                SafetensorsFixtures.strings(writerCase.get("metadata")), writerCase.get("max_shard_bytes").longValue());
        Path reference = SafetensorsFixtures.path("writer/sharded");
        assertEquals(List.of("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                "model-00003-of-00003.safetensors"), written.stream().map(p -> p.getFileName().toString()).toList());
        assertEquals(listing(reference), listing(dir));
        for (String file : listing(reference)) {
            assertArrayEquals(Files.readAllBytes(reference.resolve(file)), Files.readAllBytes(dir.resolve(file)), file);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void roundTripsEveryFloatDtype(DType dtype) throws Exception {
        Random random = new Random(7);
        float[] values = new float[1000];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(9) - 4));
        }
        float[] specials = {0f, -0f, 1f, -1f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_NORMAL,
                65504f, 0x1p-24f};
        System.arraycopy(specials, 0, values, 0, specials.length);
        List<NamedTensor> tensors = List.of(
                new NamedTensor("w", dtype, new long[] {10, 100}, values),
                new NamedTensor("scalar", dtype, new long[0], new float[] {2.5f}),
                new NamedTensor("empty", dtype, new long[] {0, 4}, new float[0]));
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put("step", "12");
        Path path = tmp.resolve("rt.safetensors");
        SafetensorsWriter.write(path, tensors, metadata);

        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            assertEquals(List.of("w", "scalar", "empty"), file.names());
            assertEquals(List.copyOf(metadata.entrySet()), List.copyOf(file.metadata().entrySet()));
            assertEquals(dtype, file.info("w").dtype());
            assertArrayEquals(new long[] {10, 100}, file.info("w").shape());
            assertArrayEquals(stored(dtype, values), file.readFloats("w"));
            assertArrayEquals(new float[] {2.5f}, file.readFloats("scalar"));
            assertEquals(0, file.readFloats("empty").length);
        }
        // values already in the dtype survive a second trip unchanged
        float[] once = stored(dtype, values);
        SafetensorsWriter.write(path, List.of(new NamedTensor("w", dtype, new long[] {1000}, once)), null);
        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            assertArrayEquals(once, file.readFloats("w"));
            assertEquals(Map.of(), file.metadata());
        }
    }

    /** What a value becomes stored as {@code dtype} (conversions checked against torch in HalfPrecisionTest). */
    private static float[] stored(DType dtype, float[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = switch (dtype) {
                case F32 -> values[i];
                case F16 -> HalfPrecision.f16ToF32(HalfPrecision.f32ToF16(values[i]));
                case BF16 -> HalfPrecision.bf16ToF32(HalfPrecision.f32ToBf16(values[i]));
                default -> throw new AssertionError(dtype);
            };
        }
        return out;
    }

    @Test
    void streamsTensorsLargerThanTheWriteBuffer() throws Exception {
        float[] values = new float[700_000]; // 2.8 MB as F32, 1.4 MB as BF16: several buffer fills
        for (int i = 0; i < values.length; i++) {
            values[i] = i * 0.5f;
        }
        Path path = tmp.resolve("big.safetensors");
        SafetensorsWriter.write(path, List.of(NamedTensor.f32("a", new long[] {values.length}, values),
                new NamedTensor("b", DType.BF16, new long[] {values.length}, values)), Map.of());
        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            assertArrayEquals(values, file.readFloats("a"));
            assertArrayEquals(stored(DType.BF16, values), file.readFloats("b"));
        }
    }

    @Test
    void writesOneFileWhenEverythingFitsAndRemovesAnOldShardedLayout() throws Exception {
        Path dir = tmp.resolve("model");
        List<NamedTensor> tensors = List.of(NamedTensor.f32("a", new long[] {4}, new float[] {1, 2, 3, 4}),
                NamedTensor.f32("b", new long[] {2}, new float[] {5, 6}));
        SafetensorsWriter.writeSharded(dir, tensors, Map.of("format", "pt"), 8);
        assertEquals(List.of("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
                "model.safetensors.index.json"), listing(dir));
        Files.writeString(dir.resolve("config.json"), "{}");

        List<Path> written = SafetensorsWriter.writeSharded(dir, tensors, Map.of("format", "pt"), 1 << 20);
        assertEquals(List.of(dir.resolve("model.safetensors")), written);
        assertEquals(List.of("config.json", "model.safetensors"), listing(dir));
        try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(dir)) {
            assertEquals(List.of("a", "b"), checkpoint.names());
            assertArrayEquals(new float[] {5, 6}, checkpoint.readFloats("b"));
        }

        SafetensorsWriter.writeSharded(dir, tensors, Map.of("format", "pt"), 16);
        assertEquals(List.of("config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
                "model.safetensors.index.json"), listing(dir));
    }

    @Test
    void aTensorLargerThanTheShardSizeGetsAShardOfItsOwn() throws Exception {
        Path dir = tmp.resolve("model");
        List<NamedTensor> tensors = List.of(NamedTensor.f32("small1", new long[] {1}, new float[] {1}),
                NamedTensor.f32("big", new long[] {8}, new float[8]),
                NamedTensor.f32("small2", new long[] {1}, new float[] {2}));
        SafetensorsWriter.writeSharded(dir, tensors, Map.of(), 12);
        // as huggingface_hub's split_torch_state_dict_into_shards: the oversized tensor's shard is
        // closed at once, before the shard still being filled
        try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(dir)) {
            assertEquals(2, checkpoint.files().size());
            assertEquals(List.of("big", "small1", "small2"), checkpoint.names());
        }
        assertEquals("{\n  \"metadata\": {\n    \"total_size\": 40\n  },\n  \"weight_map\": {\n"
                        + "    \"big\": \"model-00001-of-00002.safetensors\",\n"
                        + "    \"small1\": \"model-00002-of-00002.safetensors\",\n"
                        + "    \"small2\": \"model-00002-of-00002.safetensors\"\n  }\n}\n",
                Files.readString(dir.resolve("model.safetensors.index.json")));
    }

    @Test
    void indexEscapesAndSortsAsPythonJsonDoes() {
        Map<String, String> weightMap = new java.util.TreeMap<>(JsonText.CODE_POINT_ORDER);
        weightMap.put("\uFF5E", "s");
        weightMap.put("\uD83D\uDE00", "s"); // U+1F600 sorts after U+FF5E by code point, before it by UTF-16 unit
        weightMap.put("a\"\u007f\u00e9\n", "s");
        // json.dumps({...}, indent=2, sort_keys=True) gives exactly this
        assertEquals("{\n  \"metadata\": {\n    \"total_size\": 0\n  },\n  \"weight_map\": {\n"
                + "    \"a\\\"\\u007f\\u00e9\\n\": \"s\",\n"
                + "    \"\\uff5e\": \"s\",\n"
                + "    \"\\ud83d\\ude00\": \"s\"\n  }\n}\n", SafetensorsWriter.indexJson(0, weightMap));
    }

    @Test
    void replacesAnExistingFileAndLeavesNoTemporaryFiles() throws Exception {
        Path path = tmp.resolve("model.safetensors");
        Files.writeString(path, "old");
        SafetensorsWriter.write(path, List.of(NamedTensor.f32("a", new long[] {1}, new float[] {1})), Map.of());
        assertEquals(List.of("model.safetensors"), listing(tmp));
        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            assertArrayEquals(new float[] {1}, file.readFloats("a"));
        }
    }

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTemporaryFiles() throws Exception {
        Path path = tmp.resolve("model.safetensors");
        Files.writeString(path, "old");
        NamedTensor tensor = NamedTensor.f32("a", new long[] {1}, new float[] {1});
        // the writer walks the list three times: names, header, data; the third walk fails, as a
        // full disk would, after the temporary file was created
        List<NamedTensor> tensors = new java.util.AbstractList<>() {
            private int walks;

            @Override
            public NamedTensor get(int index) {
                if (index == 0 && ++walks == 3) {
                    throw new IllegalStateException("disk full");
                }
                return tensor;
            }

            @Override
            public int size() {
                return 1;
            }
        };
        assertEquals("disk full", assertThrows(IllegalStateException.class,
                () -> SafetensorsWriter.write(path, tensors, Map.of())).getMessage());
        assertEquals("old", Files.readString(path));
        assertEquals(List.of("model.safetensors"), listing(tmp));
    }

    @Test
    void duplicateNamesAreRefused() {
        List<NamedTensor> tensors = List.of(NamedTensor.f32("a", new long[] {1}, new float[1]),
                NamedTensor.f32("a", new long[] {1}, new float[1]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SafetensorsWriter.write(tmp.resolve("x.safetensors"), tensors, Map.of()));
        assertEquals("tensor \"a\" is listed twice", e.getMessage());
        assertFalse(Files.exists(tmp.resolve("x.safetensors")));
    }

    @Test
    void invalidShardSizeIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SafetensorsWriter.writeSharded(tmp, List.of(), Map.of(), 0));
        assertEquals("maxShardBytes must be positive, but is: 0", e.getMessage());
    }

    @Test
    void namedTensorChecksItsArguments() {
        assertEquals("tensor \"a\": shape [2, 3] holds 6 elements, but data has 5",
                assertThrows(IllegalArgumentException.class,
                        () -> new NamedTensor("a", DType.F32, new long[] {2, 3}, new float[5])).getMessage());
        assertEquals("tensor \"a\": shape must not have negative dimensions, but is: [-1]",
                assertThrows(IllegalArgumentException.class,
                        () -> new NamedTensor("a", DType.F32, new long[] {-1}, new float[0])).getMessage());
        assertEquals("tensor \"a\": dtype I64 cannot be written from float values; expected F32, F16 or BF16",
                assertThrows(IllegalArgumentException.class,
                        () -> new NamedTensor("a", DType.I64, new long[] {1}, new float[1])).getMessage());
        assertEquals("tensor \"__metadata__\": the name __metadata__ is reserved for metadata",
                assertThrows(IllegalArgumentException.class,
                        () -> new NamedTensor("__metadata__", DType.F32, new long[] {1}, new float[1])).getMessage());
    }

    @Test
    void headerIsPaddedWithSpacesToEightBytes() throws Exception {
        Path path = tmp.resolve("pad.safetensors");
        SafetensorsWriter.write(path, List.of(), Map.of());
        assertArrayEquals(SafetensorsFixtures.file("{}      ", 0), Files.readAllBytes(path));
        assertTrue(Files.size(path) % 8 == 0);
    }

    private static List<String> listing(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }
}
