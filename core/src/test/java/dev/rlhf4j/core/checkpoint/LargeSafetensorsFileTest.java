package dev.rlhf4j.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file over 2 GiB: one F32 tensor of 2.4 GB and a small one after it. The file is sparse (only
 * the header and a few values are written), so it takes little disk where the file system
 * supports holes; tagged slow because where it does not, 2.4 GB are written.
 */
@Tag("slow")
class LargeSafetensorsFileTest {

    private static final long BIG = 600_000_000L; // elements: 2.4e9 bytes, past 2 GiB

    @TempDir
    Path tmp;

    @Test
    void readsValuesPastTwoGibibytes() throws Exception {
        String json = "{\"big\":{\"dtype\":\"F32\",\"shape\":[" + BIG + "],\"data_offsets\":[0," + 4 * BIG + "]},"
                + "\"tail\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[" + 4 * BIG + "," + (4 * BIG + 16) + "]}}";
        byte[] header = (json + " ".repeat((8 - json.length() % 8) % 8)).getBytes(StandardCharsets.UTF_8);
        long dataStart = 8 + header.length;
        long pastTwoGiB = (1L << 31) / 4 + 5; // element index of a value past byte 2^31 of the buffer
        long acrossFirstChunk = (1L << 30) / 4 - 2; // elements straddling the first 1 GiB mapping

        Path path = tmp.resolve("large.safetensors");
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
            file.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
            file.write(header);
            file.setLength(dataStart + 4 * BIG + 16);
            writeFloats(file, dataStart + 4 * acrossFirstChunk, 1f, 2f, 3f, 4f);
            writeFloats(file, dataStart + 4 * pastTwoGiB, 5.5f, -6.25f);
            writeFloats(file, dataStart + 4 * (BIG - 1), 7f);
            writeFloats(file, dataStart + 4 * BIG, 8f, 9f, 10f, 11f);
        }

        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            assertEquals(4 * BIG, file.info("big").byteSize());
            assertArrayEquals(new float[] {1f, 2f, 3f, 4f}, file.readFloats("big", acrossFirstChunk, 4));
            assertArrayEquals(new float[] {0f, 5.5f, -6.25f, 0f}, file.readFloats("big", pastTwoGiB - 1, 4));
            assertArrayEquals(new float[] {7f}, file.readFloats("big", BIG - 1, 1));
            assertArrayEquals(new float[] {8f, 9f, 10f, 11f}, file.readFloats("tail"));
            assertEquals(11f, file.readRaw("tail").getFloat(12));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> file.readRaw("big"));
            assertEquals(path + ": tensor \"big\" is 2400000000 bytes, more than one ByteBuffer holds; read it in parts"
                    + " with readFloats(name, from, count)", e.getMessage());
        }
    }

    private static void writeFloats(RandomAccessFile file, long position, float... values) throws Exception {
        ByteBuffer bytes = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            bytes.putFloat(v);
        }
        file.seek(position);
        file.write(bytes.array());
    }
}
