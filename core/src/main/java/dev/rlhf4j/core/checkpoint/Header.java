package dev.rlhf4j.core.checkpoint;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors header, read and validated in full: every rule the reference implementation
 * applies, each failure reported with the file and the tensor or key.
 *
 * @param tensors      the tensors in the order of their data in the byte buffer
 * @param metadata     the {@code __metadata__} map, in header order (empty when absent)
 * @param headerLength {@code N}: the JSON header's length in bytes; the byte buffer starts at
 *                     {@code 8 + N}
 */
record Header(List<TensorInfo> tensors, Map<String, String> metadata, long headerLength) {

    /** The reference implementation refuses headers above 100 MB. */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    static final String METADATA_KEY = "__metadata__";

    Header {
        tensors = List.copyOf(tensors);
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** Start of the byte buffer in the file. */
    long dataStart() {
        return 8 + headerLength;
    }

    /** Reads and validates the header of {@code file}, open as {@code channel}. */
    static Header read(Path file, FileChannel channel) throws IOException {
        long fileSize = channel.size();
        if (fileSize < 8) {
            throw error(file, "file is " + fileSize + " bytes long, shorter than the 8-byte header length "
                    + "that starts every safetensors file");
        }
        long n = readFully(channel, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw error(file, "header too large: the header length is " + Long.toUnsignedString(n)
                    + " bytes, the limit is " + MAX_HEADER_BYTES + " (is this a safetensors file?)");
        }
        if (n > fileSize - 8) {
            throw error(file, "header length " + n + " is larger than the rest of the file (" + (fileSize - 8)
                    + " bytes): the file is truncated or not a safetensors file");
        }
        JsonNode root = parseJson(file, readFully(channel, 8, (int) n));
        return validate(file, root, n, fileSize - 8 - n);
    }

    private static JsonNode parseJson(Path file, ByteBuffer bytes) throws CheckpointFormatException {
        if (!bytes.hasRemaining()) {
            throw error(file, "header is empty; it must be a JSON object starting with '{'");
        }
        int first = bytes.get(0) & 0xFF;
        if (first != '{') {
            throw error(file, String.format("header must start with '{' (0x7B), but starts with 0x%02X", first));
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        CharBuffer text = CharBuffer.allocate(bytes.remaining());
        CoderResult result = decoder.decode(bytes, text, true);
        if (result.isError()) {
            throw error(file, "header is not valid UTF-8 (at byte " + bytes.position() + " of the header)");
        }
        decoder.flush(text);
        try {
            return JsonText.STRICT.readTree(text.flip().toString());
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
            throw error(file, "header is not valid JSON: " + e.getOriginalMessage() + where);
        }
    }

    private static Header validate(Path file, JsonNode root, long headerLength, long bufferLength)
            throws CheckpointFormatException {
        if (!root.isObject()) {
            throw error(file, "header must be a JSON object, but is: " + JsonText.brief(root));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        List<TensorInfo> tensors = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals(METADATA_KEY)) {
                metadata = metadata(file, field.getValue());
            } else {
                tensors.add(tensor(file, field.getKey(), field.getValue(), bufferLength));
            }
        }
        tensors.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        checkCoverage(file, tensors, bufferLength);
        return new Header(tensors, metadata, headerLength);
    }

    private static Map<String, String> metadata(Path file, JsonNode node) throws CheckpointFormatException {
        Map<String, String> metadata = new LinkedHashMap<>();
        if (node.isNull()) {
            return metadata;
        }
        if (!node.isObject()) {
            throw error(file, METADATA_KEY + " must be an object mapping strings to strings, but is: "
                    + JsonText.brief(node));
        }
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            if (!entry.getValue().isTextual()) {
                throw error(file, METADATA_KEY + " values must be strings, but \"" + entry.getKey() + "\" is: "
                        + JsonText.brief(entry.getValue()));
            }
            metadata.put(entry.getKey(), entry.getValue().textValue());
        }
        return metadata;
    }

    private static TensorInfo tensor(Path file, String name, JsonNode node, long bufferLength)
            throws CheckpointFormatException {
        String what = "tensor \"" + name + "\"";
        if (!node.isObject()) {
            throw error(file, what + " must be an object with dtype, shape and data_offsets, but is: "
                    + JsonText.brief(node));
        }
        JsonNode dtypeNode = required(file, what, node, "dtype");
        if (!dtypeNode.isTextual()) {
            throw error(file, what + " has dtype " + JsonText.brief(dtypeNode) + "; expected a string such as \"F32\"");
        }
        DType dtype = DType.forName(dtypeNode.textValue()).orElseThrow(() -> error(file, what
                + " has unknown dtype \"" + dtypeNode.textValue() + "\"; safetensors dtypes are "
                + Arrays.toString(DType.values())));
        JsonNode shapeNode = required(file, what, node, "shape");
        long[] shape = nonNegativeLongs(shapeNode, -1);
        if (shape == null) {
            throw error(file, what + " has shape " + JsonText.brief(shapeNode)
                    + "; expected an array of non-negative integers");
        }
        JsonNode offsetsNode = required(file, what, node, "data_offsets");
        long[] offsets = nonNegativeLongs(offsetsNode, 2);
        if (offsets == null) {
            throw error(file, what + " has data_offsets " + JsonText.brief(offsetsNode)
                    + "; expected two non-negative integers [begin, end]");
        }
        long begin = offsets[0];
        long end = offsets[1];
        String span = "data_offsets [" + begin + ", " + end + "]";
        if (begin > end) {
            throw error(file, what + " has " + span + ": begin is after end");
        }
        long expected = byteSize(file, what, dtype, shape);
        if (end - begin != expected) {
            throw error(file, what + " has dtype " + dtype + " and shape " + Arrays.toString(shape) + ", which take "
                    + expected + " bytes, but its " + span + " span " + (end - begin) + " bytes");
        }
        if (end > bufferLength) {
            throw error(file, what + " has " + span + " but the byte buffer after the header holds only "
                    + bufferLength + " bytes: the file is truncated");
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    /** Bytes a tensor of {@code dtype} and {@code shape} takes: elements × bits / 8, checked. */
    private static long byteSize(Path file, String what, DType dtype, long[] shape) throws CheckpointFormatException {
        try {
            long elements = 1;
            for (long dim : shape) {
                elements = Math.multiplyExact(elements, dim);
            }
            long bits = Math.multiplyExact(elements, (long) dtype.bitSize());
            if (bits % 8 != 0) {
                throw error(file, what + " has " + elements + " elements of " + dtype + " (" + dtype.bitSize()
                        + " bits each), which is not a whole number of bytes");
            }
            return bits / 8;
        } catch (ArithmeticException e) {
            throw error(file, what + " has shape " + Arrays.toString(shape) + ", whose size in bytes overflows");
        }
    }

    /** Offsets must tile the byte buffer exactly: no overlap, no gap, nothing after the last tensor. */
    private static void checkCoverage(Path file, List<TensorInfo> sorted, long bufferLength)
            throws CheckpointFormatException {
        long covered = 0;
        TensorInfo previous = null;
        for (TensorInfo t : sorted) {
            if (t.begin() < covered) {
                throw error(file, "tensors \"" + previous.name() + "\" (data_offsets [" + previous.begin() + ", "
                        + previous.end() + "]) and \"" + t.name() + "\" (data_offsets [" + t.begin() + ", "
                        + t.end() + "]) overlap");
            }
            if (t.begin() > covered) {
                throw error(file, "bytes [" + covered + ", " + t.begin() + ") of the byte buffer belong to no tensor"
                        + (previous == null ? "" : " (after \"" + previous.name() + "\")")
                        + "; tensors must cover it without gaps");
            }
            covered = t.end();
            previous = t;
        }
        if (covered < bufferLength) {
            throw error(file, "the last " + (bufferLength - covered) + " bytes of the file (byte buffer ["
                    + covered + ", " + bufferLength + ")) belong to no tensor; tensors must cover it without gaps");
        }
    }

    private static JsonNode required(Path file, String what, JsonNode node, String key)
            throws CheckpointFormatException {
        JsonNode value = node.get(key);
        if (value == null) {
            throw error(file, what + " has no \"" + key + "\"");
        }
        return value;
    }

    /** The array's values as longs, or null unless it holds {@code length} (any if -1) integers >= 0. */
    private static long[] nonNegativeLongs(JsonNode node, int length) {
        if (!node.isArray() || (length >= 0 && node.size() != length)) {
            return null;
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
                return null;
            }
            values[i] = v.longValue();
        }
        return values;
    }

    private static ByteBuffer readFully(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                throw new EOFException();
            }
        }
        return buffer.flip();
    }

    static CheckpointFormatException error(Path file, String message) {
        return new CheckpointFormatException(file + ": " + message);
    }
}
