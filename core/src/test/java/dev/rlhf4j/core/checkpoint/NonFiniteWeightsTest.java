package dev.rlhf4j.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import dev.rlhf4j.core.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Weights holding NaN or an infinity are refused when loaded, naming the tensor and the file. */
class NonFiniteWeightsTest {

    private static final String TENSOR = "transformer.h.0.attn.c_attn.weight";

    /** The GPT-2 parity model with {@code value} written into elements 17 and 40 of {@link #TENSOR}. */
    private static Path poisoned(Path tmp, float value) throws IOException {
        Path dir = tmp.resolve("model");
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(Fixtures.parityModel("gpt2"))) {
            for (Path f : files.toList()) {
                if (!f.getFileName().toString().endsWith(".safetensors")) {
                    Files.copy(f, dir.resolve(f.getFileName()));
                }
            }
        }
        List<NamedTensor> tensors = new ArrayList<>();
        try (SafetensorsCheckpoint original = SafetensorsCheckpoint.open(Fixtures.parityModel("gpt2"))) {
            for (String name : original.names()) {
                float[] data = original.readFloats(name);
                if (name.equals(TENSOR)) {
                    data[17] = value;
                    data[40] = value;
                }
                tensors.add(NamedTensor.f32(name, original.info(name).shape(), data));
            }
        }
        SafetensorsWriter.write(dir.resolve(SafetensorsCheckpoint.SINGLE_FILE), tensors, SafetensorsWriter.TRANSFORMERS_METADATA);
        return dir;
    }

    @ParameterizedTest
    @ValueSource(floats = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY})
    void loadingRefusesNonFiniteWeights(float value, @TempDir Path tmp) throws IOException {
        Path dir = poisoned(tmp, value);
        try (NDManager m = NDManager.newBaseManager()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ModelDirectory.loadCausalLM(dir, m, true).close());
            assertEquals(dir.resolve("model.safetensors") + ": tensor \"" + TENSOR + "\" holds 2 non-finite values (the"
                    + " first, element 17 of 3072, is " + value + "); the checkpoint is corrupt or was saved from a"
                    + " diverged run", e.getMessage());
        }
    }
}
