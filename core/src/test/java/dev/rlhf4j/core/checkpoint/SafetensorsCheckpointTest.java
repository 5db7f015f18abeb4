package dev.rlhf4j.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Model directories: transformers' sharded layout, the single file, and every inconsistency refused. */
class SafetensorsCheckpointTest {

    @TempDir
    Path tmp;

    @Test
    void readsAShardedGpt2SavedByTransformers() throws Exception {
        Path dir = SafetensorsFixtures.path("gpt2-sharded");
        JsonNode expected = SafetensorsFixtures.json("expected.json").get("gpt2-sharded");
        try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(dir)) {
            List<Path> shards = new ArrayList<>();
            expected.get("shards").forEach(s -> shards.add(dir.resolve(s.textValue())));
            assertEquals(shards, checkpoint.files());
            List<String> names = new ArrayList<>();
            for (JsonNode t : expected.get("tensors")) {
                String name = t.get("name").textValue();
                names.add(name);
                assertEquals(DType.F32, checkpoint.info(name).dtype());
                assertArrayEquals(SafetensorsFixtures.longs(t.get("shape")), checkpoint.info(name).shape(), name);
                assertArrayEquals(SafetensorsFixtures.floats(t.get("values")), checkpoint.readFloats(name), name);
            }
            assertEquals(names, checkpoint.names());
            assertEquals(Map.of("format", "pt"), checkpoint.metadata());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "qwen2", "llama-bf16", "gpt2-rm", "llama-rm"})
    void everyParityModelSavedByTransformersOpens(String model) throws Exception {
        try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(Fixtures.parityModel(model))) {
            assertEquals(Map.of("format", "pt"), checkpoint.metadata());
            for (String name : checkpoint.names()) {
                assertEquals(checkpoint.info(name).elementCount(), checkpoint.readFloats(name).length, name);
            }
        }
    }

    @Test
    void bf16WeightsSavedByTransformersAreTheF32WeightsRoundedAsWeRoundThem() throws Exception {
        // parity/llama-bf16 is parity/llama after model.to(torch.bfloat16) (tools/make_parity_fixtures.py)
        try (SafetensorsCheckpoint f32 = SafetensorsCheckpoint.open(Fixtures.parityModel("llama"));
             SafetensorsCheckpoint bf16 = SafetensorsCheckpoint.open(Fixtures.parityModel("llama-bf16"))) {
            assertEquals(f32.names(), bf16.names());
            for (String name : f32.names()) {
                assertEquals(DType.F32, f32.info(name).dtype(), name);
                assertEquals(DType.BF16, bf16.info(name).dtype(), name);
                float[] rounded = f32.readFloats(name);
                for (int i = 0; i < rounded.length; i++) {
                    rounded[i] = HalfPrecision.bf16ToF32(HalfPrecision.f32ToBf16(rounded[i]));
                }
                assertArrayEquals(rounded, bf16.readFloats(name), name);
            }
        }
    }

    @Test
    void readsASingleFileDirectory() throws Exception {
        Files.copy(SafetensorsFixtures.path("dtypes.safetensors"), tmp.resolve("model.safetensors"));
        try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(tmp);
             SafetensorsFile file = SafetensorsFile.open(SafetensorsFixtures.path("dtypes.safetensors"))) {
            assertEquals(file.names(), checkpoint.names());
            assertEquals(file.metadata(), checkpoint.metadata());
            assertArrayEquals(file.readFloats("bf16"), checkpoint.readFloats("bf16"));
            assertEquals(file.readRaw("i64"), checkpoint.readRaw("i64"));
            assertArrayEquals(file.readFloats("f32", 1, 2), checkpoint.readFloats("f32", 1, 2));
            assertEquals(List.of(tmp.resolve("model.safetensors")), checkpoint.files());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> checkpoint.info("nope"));
            assertEquals(tmp + ": no tensor named \"nope\"", e.getMessage());
        }
    }

    @Test
    void aDirectoryWithBothLayoutsIsReadFromTheSingleFileAsTransformersDoes() throws Exception {
        Path dir = shardedCopy();
        Files.copy(SafetensorsFixtures.path("dtypes.safetensors"), dir.resolve("model.safetensors"));
        try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(dir)) {
            assertEquals(List.of(dir.resolve("model.safetensors")), checkpoint.files());
        }
    }

    /** A copy of the writer's three-shard reference directory to break. */
    private Path shardedCopy() throws Exception {
        Path dir = tmp.resolve("model");
        Files.createDirectories(dir);
        Path reference = SafetensorsFixtures.path("writer/sharded");
        for (String name : List.of("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                "model-00003-of-00003.safetensors", "model.safetensors.index.json")) {
            Files.copy(reference.resolve(name), dir.resolve(name));
        }
        return dir;
    }

    private String errorOpening(Path dir) {
        return assertThrows(CheckpointFormatException.class, () -> SafetensorsCheckpoint.open(dir)).getMessage();
    }

    private static void editIndex(Path dir, String from, String to) throws Exception {
        Path index = dir.resolve("model.safetensors.index.json");
        String text = Files.readString(index);
        if (!text.contains(from)) {
            throw new IllegalStateException("index has no " + from);
        }
        Files.writeString(index, text.replace(from, to));
    }

    @Test
    void missingShard() throws Exception {
        Path dir = shardedCopy();
        Files.delete(dir.resolve("model-00003-of-00003.safetensors"));
        assertEquals(dir.resolve("model.safetensors.index.json") + ": weight_map[\"layers.3.weight\"] names shard"
                + " \"model-00003-of-00003.safetensors\", which does not exist in " + dir, errorOpening(dir));
    }

    @Test
    void indexPuttingATensorInTheWrongShard() throws Exception {
        Path dir = shardedCopy();
        editIndex(dir, "\"layers.4.weight\": \"model-00003-of-00003.safetensors\"",
                "\"layers.4.weight\": \"model-00002-of-00003.safetensors\"");
        assertEquals(dir.resolve("model.safetensors.index.json") + ": weight_map puts \"layers.4.weight\" in"
                + " model-00002-of-00003.safetensors, but that shard has no such tensor", errorOpening(dir));
    }

    @Test
    void tensorInTwoShards() throws Exception {
        Path dir = shardedCopy();
        Files.copy(dir.resolve("model-00001-of-00003.safetensors"), dir.resolve("model-00002-of-00003.safetensors"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertEquals(dir + ": tensor \"layers.0.weight\" is in two shards, model-00001-of-00003.safetensors and"
                + " model-00002-of-00003.safetensors", errorOpening(dir));
    }

    @Test
    void shardHoldingATensorTheIndexDoesNotList() throws Exception {
        Path dir = shardedCopy();
        editIndex(dir, "    \"layers.0.weight\": \"model-00001-of-00003.safetensors\",\n", "");
        assertEquals(dir.resolve("model-00001-of-00003.safetensors") + ": holds tensor \"layers.0.weight\", which"
                + " model.safetensors.index.json does not list", errorOpening(dir));
    }

    @Test
    void tensorListedTwiceInTheIndex() throws Exception {
        Path dir = shardedCopy();
        editIndex(dir, "\"weight_map\": {\n", "\"weight_map\": {\n    \"layers.2.weight\": \"model-00001-of-00003.safetensors\",\n");
        assertEquals(dir.resolve("model.safetensors.index.json") + ": not valid JSON: Duplicate field"
                + " 'layers.2.weight' (line 10, column 22)", errorOpening(dir));
    }

    @Test
    void indexWithoutWeightMap() throws Exception {
        Path dir = shardedCopy();
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"metadata\": {}}");
        assertEquals(dir.resolve("model.safetensors.index.json") + ": \"weight_map\" must be a non-empty object mapping"
                + " tensor names to shard files, but is: missing", errorOpening(dir));
    }

    @Test
    void indexNamingAFileOutsideTheDirectory() throws Exception {
        Path dir = shardedCopy();
        editIndex(dir, "\"layers.4.weight\": \"model-00003-of-00003.safetensors\"",
                "\"layers.4.weight\": \"../model-00003-of-00003.safetensors\"");
        assertEquals(dir.resolve("model.safetensors.index.json") + ": weight_map[\"layers.4.weight\"] must be a file"
                + " name in the index's directory, but is: \"../model-00003-of-00003.safetensors\"", errorOpening(dir));
    }

    @Test
    void shardErrorsNameTheShard() throws Exception {
        Path dir = shardedCopy();
        Path shard = dir.resolve("model-00002-of-00003.safetensors");
        byte[] bytes = Files.readAllBytes(shard);
        Files.write(shard, java.util.Arrays.copyOf(bytes, bytes.length - 1));
        assertEquals(shard + ": tensor \"layers.2.weight\" has data_offsets [160, 224] but the byte buffer after the"
                + " header holds only 223 bytes: the file is truncated", errorOpening(dir));
    }

    @Test
    void pickleCheckpointsAreRefusedWithTheWayToConvert() throws Exception {
        Files.writeString(tmp.resolve("config.json"), "{}");
        Files.write(tmp.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2});
        assertEquals(tmp + " has no model.safetensors or model.safetensors.index.json, only pickle checkpoint files"
                + " [pytorch_model.bin]. rlhf4j does not load pickle checkpoints (unpickling can run arbitrary code)."
                + " Convert the directory once with transformers:"
                + " AutoModelForCausalLM.from_pretrained(dir).save_pretrained(dir, safe_serialization=True)",
                errorOpening(tmp));
    }

    @Test
    void shardedPickleCheckpointsAreRefusedToo() throws Exception {
        for (String name : List.of("pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin",
                "pytorch_model.bin.index.json")) {
            Files.writeString(tmp.resolve(name), "x");
        }
        String message = errorOpening(tmp);
        assertEquals(tmp + " has no model.safetensors or model.safetensors.index.json, only pickle checkpoint files"
                + " [pytorch_model-00001-of-00002.bin, pytorch_model-00002-of-00002.bin, pytorch_model.bin.index.json]",
                message.substring(0, message.indexOf(". rlhf4j")));
    }

    @Test
    void directoryWithoutWeights() throws Exception {
        Files.writeString(tmp.resolve("adapter_model.safetensors"), "x");
        assertEquals(tmp + " has no model.safetensors or model.safetensors.index.json (it has"
                + " [adapter_model.safetensors])", errorOpening(tmp));
    }

    @Test
    void notADirectory() throws Exception {
        Path file = Files.writeString(tmp.resolve("model.safetensors"), "x");
        assertEquals(file + " is a file; expected a model directory holding model.safetensors or"
                + " model.safetensors.index.json", errorOpening(file));
        assertThrows(NoSuchFileException.class, () -> SafetensorsCheckpoint.open(tmp.resolve("missing")));
    }
}
