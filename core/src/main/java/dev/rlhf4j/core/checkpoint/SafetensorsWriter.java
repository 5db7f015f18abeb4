package dev.rlhf4j.core.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes safetensors files, and model directories laid out as transformers' {@code save_pretrained}
 * lays them out.
 *
 * <p>A file's header lists the metadata first, then the tensors in the order given, with
 * contiguous offsets, compact JSON escaped as serde_json escapes it, padded with spaces to a
 * multiple of 8 bytes: the same bytes the Python {@code safetensors.torch.save_file} produces
 * when given tensors in its own order (dtype alignment descending, then name). Tensor data is
 * streamed, never assembled in memory. Every file goes to a temporary file in the same directory,
 * is forced to disk and renamed into place atomically.
 */
public final class SafetensorsWriter {

    /**
     * The metadata transformers' {@code save_pretrained} writes into every file; loaders in
     * transformers and huggingface_hub check its {@code format} value.
     */
    public static final Map<String, String> TRANSFORMERS_METADATA = Map.of("format", "pt");

    /** transformers' shard names: {@code model-00001-of-00003.safetensors}. */
    private static final Pattern SHARD_NAME = Pattern.compile("model-\\d{5}-of-\\d{5}\\.safetensors");

    private static final int BUFFER_BYTES = 1 << 20;

    private SafetensorsWriter() {}

    /**
     * Writes {@code tensors} to {@code file}, converting each to its dtype.
     *
     * @param metadata the {@code __metadata__} map, written in its iteration order; omitted when
     *                 null or empty
     * @throws IllegalArgumentException when two tensors share a name or the header would exceed
     *                                  100 MB
     */
    public static void write(Path file, List<NamedTensor> tensors, Map<String, String> metadata) throws IOException {
        checkUniqueNames(tensors);
        byte[] header = header(tensors, metadata);
        writeAtomically(file, channel -> {
            ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            buffer.putLong(header.length);
            drain(channel, buffer);
            writeAll(channel, ByteBuffer.wrap(header));
            for (NamedTensor tensor : tensors) {
                writeData(channel, buffer, tensor);
            }
            drain(channel, buffer);
        });
    }

    /**
     * Writes a model directory's weights as transformers does: tensors go, in the order given,
     * into shards of at most {@code maxShardBytes} bytes of tensor data (a larger tensor gets a
     * shard of its own), named {@code model-00001-of-0000N.safetensors}, with
     * {@code model.safetensors.index.json}; or into a single {@code model.safetensors} when
     * they fit in one. Weight files of an earlier save that the new layout does not use
     * ({@code model.safetensors}, the index, other shards) are removed afterwards.
     *
     * <p>Each file is replaced atomically; for a directory that changes all at once, write into
     * a fresh directory and rename it.
     *
     * @return the weight files written, in shard order
     */
    public static List<Path> writeSharded(Path dir, List<NamedTensor> tensors, Map<String, String> metadata,
                                          long maxShardBytes) throws IOException {
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("maxShardBytes must be positive, but is: " + maxShardBytes);
        }
        checkUniqueNames(tensors);
        Files.createDirectories(dir);
        List<List<NamedTensor>> shards = split(tensors, maxShardBytes);
        List<Path> written = new ArrayList<>();
        if (shards.size() <= 1) {
            Path file = dir.resolve(SafetensorsCheckpoint.SINGLE_FILE);
            write(file, tensors, metadata);
            written.add(file);
        } else {
            Map<String, String> weightMap = new TreeMap<>(JsonText.CODE_POINT_ORDER);
            long totalSize = 0;
            for (int i = 0; i < shards.size(); i++) {
                String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
                write(dir.resolve(name), shards.get(i), metadata);
                written.add(dir.resolve(name));
                for (NamedTensor t : shards.get(i)) {
                    weightMap.put(t.name(), name);
                    totalSize += t.byteSize();
                }
            }
            byte[] index = indexJson(totalSize, weightMap).getBytes(StandardCharsets.UTF_8);
            writeAtomically(dir.resolve(SafetensorsCheckpoint.INDEX_FILE), channel -> writeAll(channel, ByteBuffer.wrap(index)));
        }
        removeStaleWeights(dir, written, shards.size() > 1);
        return List.copyOf(written);
    }

    /** huggingface_hub's split_state_dict_into_shards_factory: greedy, in order. */
    private static List<List<NamedTensor>> split(List<NamedTensor> tensors, long maxShardBytes) {
        List<List<NamedTensor>> shards = new ArrayList<>();
        List<NamedTensor> current = new ArrayList<>();
        long currentSize = 0;
        for (NamedTensor t : tensors) {
            long size = t.byteSize();
            if (size > maxShardBytes) {
                shards.add(List.of(t));
                continue;
            }
            if (currentSize + size > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                currentSize = 0;
            }
            current.add(t);
            currentSize += size;
        }
        if (!current.isEmpty()) {
            shards.add(current);
        }
        return shards;
    }

    /** The index as transformers writes it: {@code json.dumps(index, indent=2, sort_keys=True) + "\n"}. */
    static String indexJson(long totalSize, Map<String, String> sortedWeightMap) {
        StringBuilder out = new StringBuilder("{\n  \"metadata\": {\n    \"total_size\": ")
                .append(totalSize).append("\n  },\n  \"weight_map\": {");
        String separator = "\n";
        for (Map.Entry<String, String> entry : sortedWeightMap.entrySet()) {
            out.append(separator).append("    ");
            JsonText.quoteLikePython(out, entry.getKey()).append(": ");
            JsonText.quoteLikePython(out, entry.getValue());
            separator = ",\n";
        }
        return out.append("\n  }\n}\n").toString();
    }

    private static void removeStaleWeights(Path dir, List<Path> written, boolean sharded) throws IOException {
        Set<Path> keep = new HashSet<>(written);
        List<Path> stale = new ArrayList<>();
        try (Stream<Path> listing = Files.list(dir)) {
            listing.filter(p -> !keep.contains(p)).forEach(p -> {
                String name = p.getFileName().toString();
                if (SHARD_NAME.matcher(name).matches()
                        || name.equals(SafetensorsCheckpoint.SINGLE_FILE)
                        || (!sharded && name.equals(SafetensorsCheckpoint.INDEX_FILE))) {
                    stale.add(p);
                }
            });
        }
        for (Path p : stale) {
            Files.deleteIfExists(p);
        }
    }

    /** The padded JSON header: serde_json's compact form, spaces up to a multiple of 8 bytes. */
    static byte[] header(List<NamedTensor> tensors, Map<String, String> metadata) {
        StringBuilder json = new StringBuilder("{");
        if (metadata != null && !metadata.isEmpty()) {
            JsonText.quoteLikeSerde(json, Header.METADATA_KEY).append(":{");
            String separator = "";
            for (Map.Entry<String, String> entry : metadata.entrySet()) {
                json.append(separator);
                JsonText.quoteLikeSerde(json, entry.getKey()).append(':');
                JsonText.quoteLikeSerde(json, entry.getValue());
                separator = ",";
            }
            json.append('}');
        }
        long offset = 0;
        for (NamedTensor t : tensors) {
            if (json.length() > 1) {
                json.append(',');
            }
            JsonText.quoteLikeSerde(json, t.name()).append(":{\"dtype\":\"").append(t.dtype().name())
                    .append("\",\"shape\":[");
            long[] shape = t.shape();
            for (int i = 0; i < shape.length; i++) {
                json.append(i == 0 ? "" : ",").append(shape[i]);
            }
            json.append("],\"data_offsets\":[").append(offset).append(',').append(offset + t.byteSize()).append("]}");
            offset += t.byteSize();
        }
        json.append('}');
        byte[] bytes = json.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (bytes.length + 7) / 8 * 8;
        if (padded > Header.MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("header too large: " + padded + " bytes, the limit is "
                    + Header.MAX_HEADER_BYTES);
        }
        byte[] out = new byte[padded];
        System.arraycopy(bytes, 0, out, 0, bytes.length);
        for (int i = bytes.length; i < padded; i++) {
            out[i] = ' ';
        }
        return out;
    }

    /** Streams one tensor's values, converted to its dtype, through {@code buffer}. */
    private static void writeData(FileChannel channel, ByteBuffer buffer, NamedTensor tensor) throws IOException {
        float[] data = tensor.data();
        int elementBytes = tensor.dtype().bitSize() / 8;
        for (int done = 0; done < data.length; ) {
            if (buffer.remaining() < elementBytes) {
                drain(channel, buffer);
            }
            int n = Math.min(buffer.remaining() / elementBytes, data.length - done);
            switch (tensor.dtype()) {
                case F32 -> {
                    buffer.asFloatBuffer().put(data, done, n);
                    buffer.position(buffer.position() + 4 * n);
                }
                case F16 -> {
                    for (int i = done; i < done + n; i++) {
                        buffer.putShort(HalfPrecision.f32ToF16(data[i]));
                    }
                }
                case BF16 -> {
                    for (int i = done; i < done + n; i++) {
                        buffer.putShort(HalfPrecision.f32ToBf16(data[i]));
                    }
                }
                default -> throw new AssertionError(tensor.dtype());
            }
            done += n;
        }
    }

    private static void checkUniqueNames(List<NamedTensor> tensors) {
        Set<String> seen = new HashSet<>();
        for (NamedTensor t : tensors) {
            if (!seen.add(t.name())) {
                throw new IllegalArgumentException("tensor \"" + t.name() + "\" is listed twice");
            }
        }
    }

    /** Writes the buffer's content and clears it. */
    private static void drain(FileChannel channel, ByteBuffer buffer) throws IOException {
        buffer.flip();
        writeAll(channel, buffer);
        buffer.clear();
    }

    private static void writeAll(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private interface Content {
        void writeTo(FileChannel channel) throws IOException;
    }

    /**
     * Writes {@code content} to a temporary file next to {@code target}, forces it to disk and
     * renames it over {@code target}: readers see the old file or the new one, never a part.
     */
    private static void writeAtomically(Path target, Content content) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path temp = createTempSibling(dir, target.getFileName().toString());
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                content.writeTo(channel);
                channel.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException | Error e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        syncDirectory(dir);
    }

    /** A new empty file with the default permissions (Files.createTempFile would make it owner-only). */
    private static Path createTempSibling(Path dir, String name) throws IOException {
        while (true) {
            Path temp = dir.resolve("." + name + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
            try {
                return Files.createFile(temp);
            } catch (FileAlreadyExistsException e) {
                // another name
            }
        }
    }

    /** Makes the rename durable where the platform allows fsync on a directory. */
    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // not supported here (e.g. Windows): the rename itself is still atomic
        }
    }
}
