package dev.rlhf4j.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every malformed header the reader refuses, one case per test, each asserting the message. */
class MalformedSafetensorsTest {

    @TempDir
    Path tmp;

    private Path path;

    /** The message of the error opening a file with these bytes, without the "FILE: " prefix. */
    private String errorOpening(byte[] bytes) throws Exception {
        path = SafetensorsFixtures.write(tmp, "bad.safetensors", bytes);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> SafetensorsFile.open(path));
        String prefix = path + ": ";
        assertEquals(prefix, e.getMessage().substring(0, prefix.length()), "the message names the file");
        return e.getMessage().substring(prefix.length());
    }

    private String errorOpening(String header, int bufferLength) throws Exception {
        return errorOpening(SafetensorsFixtures.file(header, bufferLength));
    }

    private static String tensor(String name, String dtype, String shape, String offsets) {
        return "\"" + name + "\":{\"dtype\":" + dtype + ",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
    }

    private static byte[] lengthOnly(long n, int extra) {
        return ByteBuffer.allocate(8 + extra).order(ByteOrder.LITTLE_ENDIAN).putLong(n).array();
    }

    @Test
    void fileShorterThanEightBytes() throws Exception {
        assertEquals("file is 5 bytes long, shorter than the 8-byte header length that starts every safetensors file",
                errorOpening(new byte[5]));
    }

    @Test
    void headerOverOneHundredMegabytes() throws Exception {
        assertEquals("header too large: the header length is 100000001 bytes, the limit is 100000000"
                + " (is this a safetensors file?)", errorOpening(lengthOnly(100_000_001L, 16)));
    }

    @Test
    void headerLengthWithTheTopBitSet() throws Exception {
        assertEquals("header too large: the header length is 18446744073709551615 bytes, the limit is 100000000"
                + " (is this a safetensors file?)", errorOpening(lengthOnly(-1L, 16)));
    }

    @Test
    void headerLengthBeyondTheFile() throws Exception {
        assertEquals("header length 100 is larger than the rest of the file (12 bytes): the file is truncated"
                + " or not a safetensors file", errorOpening(lengthOnly(100, 12)));
    }

    @Test
    void emptyHeader() throws Exception {
        assertEquals("header is empty; it must be a JSON object starting with '{'", errorOpening("", 0));
    }

    @Test
    void headerNotStartingWithABrace() throws Exception {
        assertEquals("header must start with '{' (0x7B), but starts with 0x20", errorOpening(" {}     ", 0));
        assertEquals("header must start with '{' (0x7B), but starts with 0x5B", errorOpening("[]", 0));
    }

    @Test
    void headerNotUtf8() throws Exception {
        byte[] header = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
        header[2] = (byte) 0xFF;
        assertEquals("header is not valid UTF-8 (at byte 2 of the header)", errorOpening(SafetensorsFixtures.file(header, 0)));
    }

    @Test
    void headerNotJson() throws Exception {
        assertEquals("header is not valid JSON: Unexpected character ('}' (code 125)): expected a valid value"
                + " (JSON String, Number, Array, Object or token 'null', 'true' or 'false') (line 1, column 7)",
                errorOpening("{\"a\": }", 0));
    }

    @Test
    void headerWithTrailingContent() throws Exception {
        assertEquals("header is not valid JSON: Trailing token (of type START_OBJECT) found after value (bound as"
                + " `com.fasterxml.jackson.databind.JsonNode`): not allowed as per"
                + " `DeserializationFeature.FAIL_ON_TRAILING_TOKENS` (line 1, column 4)", errorOpening("{} {}", 0));
    }

    @Test
    void duplicateKeys() throws Exception {
        String header = "{" + tensor("a", "\"U8\"", "[1]", "[0,1]") + "," + tensor("a", "\"U8\"", "[1]", "[1,2]") + "}";
        assertEquals("header is not valid JSON: Duplicate field 'a' (line 1, column 57)",
                errorOpening(header, 2));
    }

    @Test
    void tensorEntryNotAnObject() throws Exception {
        assertEquals("tensor \"a\" must be an object with dtype, shape and data_offsets, but is: [1,2]",
                errorOpening("{\"a\":[1,2]}", 0));
    }

    @Test
    void missingField() throws Exception {
        assertEquals("tensor \"a\" has no \"data_offsets\"",
                errorOpening("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4));
    }

    @Test
    void unknownDtype() throws Exception {
        assertEquals("tensor \"w\" has unknown dtype \"F17\"; safetensors dtypes are " + Arrays.toString(DType.values()),
                errorOpening("{" + tensor("w", "\"F17\"", "[1]", "[0,4]") + "}", 4));
    }

    @Test
    void dtypeNotAString() throws Exception {
        assertEquals("tensor \"w\" has dtype 32; expected a string such as \"F32\"",
                errorOpening("{" + tensor("w", "32", "[1]", "[0,4]") + "}", 4));
    }

    @Test
    void negativeDimension() throws Exception {
        assertEquals("tensor \"w\" has shape [2,-1]; expected an array of non-negative integers",
                errorOpening("{" + tensor("w", "\"F32\"", "[2,-1]", "[0,8]") + "}", 8));
    }

    @Test
    void fractionalDimension() throws Exception {
        assertEquals("tensor \"w\" has shape [2.5]; expected an array of non-negative integers",
                errorOpening("{" + tensor("w", "\"F32\"", "[2.5]", "[0,8]") + "}", 8));
    }

    @Test
    void dataOffsetsNotTwoIntegers() throws Exception {
        for (String offsets : new String[] {"[0]", "[0,4,8]", "[\"0\",4]", "[0,4.0]", "[-4,0]", "{}"}) {
            assertEquals("tensor \"w\" has data_offsets " + offsets + "; expected two non-negative integers [begin, end]",
                    errorOpening("{" + tensor("w", "\"F32\"", "[1]", offsets) + "}", 4), offsets);
        }
    }

    @Test
    void beginAfterEnd() throws Exception {
        assertEquals("tensor \"w\" has data_offsets [8, 4]: begin is after end",
                errorOpening("{" + tensor("w", "\"F32\"", "[1]", "[8,4]") + "}", 8));
    }

    @Test
    void sizeNotMatchingDtypeTimesShape() throws Exception {
        assertEquals("tensor \"w\" has dtype F32 and shape [2, 2], which take 16 bytes, but its data_offsets [0, 12]"
                + " span 12 bytes", errorOpening("{" + tensor("w", "\"F32\"", "[2,2]", "[0,12]") + "}", 12));
    }

    @Test
    void shapeWhoseSizeOverflows() throws Exception {
        assertEquals("tensor \"w\" has shape [4294967296, 4294967296], whose size in bytes overflows",
                errorOpening("{" + tensor("w", "\"F32\"", "[4294967296,4294967296]", "[0,4]") + "}", 4));
    }

    @Test
    void subByteTensorNotFillingWholeBytes() throws Exception {
        assertEquals("tensor \"w\" has 3 elements of F4 (4 bits each), which is not a whole number of bytes",
                errorOpening("{" + tensor("w", "\"F4\"", "[3]", "[0,2]") + "}", 2));
    }

    @Test
    void endBeyondTheBufferMeansATruncatedFile() throws Exception {
        String header = "{" + tensor("a", "\"F32\"", "[2]", "[0,8]") + "," + tensor("b", "\"F32\"", "[4]", "[8,24]") + "}";
        assertEquals("tensor \"b\" has data_offsets [8, 24] but the byte buffer after the header holds only 20 bytes:"
                + " the file is truncated", errorOpening(header, 20));
    }

    @Test
    void truncatedCopyOfARealFile() throws Exception {
        byte[] whole = Files.readAllBytes(SafetensorsFixtures.path("dtypes.safetensors"));
        String message = errorOpening(Arrays.copyOf(whole, whole.length - 3));
        assertEquals("tensor \"specials\" has data_offsets [68, 82] but the byte buffer after the header holds only"
                + " 79 bytes: the file is truncated", message);
    }

    @Test
    void overlappingOffsets() throws Exception {
        String header = "{" + tensor("a", "\"F32\"", "[4]", "[0,16]") + "," + tensor("b", "\"F32\"", "[4]", "[8,24]") + "}";
        assertEquals("tensors \"a\" (data_offsets [0, 16]) and \"b\" (data_offsets [8, 24]) overlap",
                errorOpening(header, 24));
    }

    @Test
    void twoTensorsOnTheSameBytes() throws Exception {
        String header = "{" + tensor("a", "\"F32\"", "[4]", "[0,16]") + "," + tensor("b", "\"I32\"", "[4]", "[0,16]") + "}";
        assertEquals("tensors \"a\" (data_offsets [0, 16]) and \"b\" (data_offsets [0, 16]) overlap",
                errorOpening(header, 16));
    }

    @Test
    void gapBetweenTensors() throws Exception {
        String header = "{" + tensor("a", "\"F32\"", "[2]", "[0,8]") + "," + tensor("b", "\"F32\"", "[2]", "[12,20]") + "}";
        assertEquals("bytes [8, 12) of the byte buffer belong to no tensor (after \"a\"); tensors must cover it"
                + " without gaps", errorOpening(header, 20));
    }

    @Test
    void gapBeforeTheFirstTensor() throws Exception {
        assertEquals("bytes [0, 4) of the byte buffer belong to no tensor; tensors must cover it without gaps",
                errorOpening("{" + tensor("a", "\"F32\"", "[1]", "[4,8]") + "}", 8));
    }

    @Test
    void bytesAfterTheLastTensor() throws Exception {
        assertEquals("the last 3 bytes of the file (byte buffer [4, 7)) belong to no tensor; tensors must cover it"
                + " without gaps", errorOpening("{" + tensor("a", "\"F32\"", "[1]", "[0,4]") + "}", 7));
    }

    @Test
    void metadataNotAnObject() throws Exception {
        assertEquals("__metadata__ must be an object mapping strings to strings, but is: [\"pt\"]",
                errorOpening("{\"__metadata__\":[\"pt\"]}", 0));
    }

    @Test
    void metadataValueNotAString() throws Exception {
        assertEquals("__metadata__ values must be strings, but \"step\" is: 3",
                errorOpening("{\"__metadata__\":{\"format\":\"pt\",\"step\":3}}", 0));
    }
}
