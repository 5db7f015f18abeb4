package dev.rlhf4j.core.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One safetensors file, memory-mapped and validated in full when opened.
 *
 * <p>The byte buffer is mapped in chunks of at most 1 GiB, so files over 2 GiB work; a tensor
 * that straddles two chunks is copied together when read. Reading is thread-safe. Mapped memory
 * is released by the garbage collector once this object and every buffer from {@link #readRaw}
 * are unreachable; {@link #close()} drops this object's references and makes further reads fail.
 *
 * <pre>{@code
 * try (SafetensorsFile file = SafetensorsFile.open(Path.of("model.safetensors"))) {
 *     float[] wte = file.readFloats("transformer.wte.weight"); // F32, F16 or BF16 on disk
 * }
 * }</pre>
 */
public final class SafetensorsFile implements AutoCloseable {

    /** Largest mapping: 1 GiB, well below the 2 GiB limit of one {@link ByteBuffer}. */
    static final long DEFAULT_CHUNK_BYTES = 1L << 30;

    /** Bytes decoded per step when reading floats. */
    private static final int BLOCK_BYTES = 1 << 20;

    /** Largest Java array. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private final Path file;
    private final Header header;
    private final Map<String, TensorInfo> byName;
    private final long chunkBytes;
    private volatile MappedByteBuffer[] chunks;

    private SafetensorsFile(Path file, Header header, long chunkBytes, MappedByteBuffer[] chunks) {
        this.file = file;
        this.header = header;
        this.chunkBytes = chunkBytes;
        this.chunks = chunks;
        this.byName = new LinkedHashMap<>();
        for (TensorInfo t : header.tensors()) {
            byName.put(t.name(), t);
        }
    }

    /**
     * Opens and maps {@code file}, validating the whole header.
     *
     * @throws CheckpointFormatException when the file is not a valid safetensors file; the
     *                                   message names the file and the tensor or key at fault
     */
    public static SafetensorsFile open(Path file) throws IOException {
        return open(file, DEFAULT_CHUNK_BYTES);
    }

    /** As {@link #open(Path)}, mapping chunks of {@code chunkBytes} (small values test straddling). */
    static SafetensorsFile open(Path file, long chunkBytes) throws IOException {
        if (chunkBytes <= 0 || chunkBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("chunkBytes must be between 1 and " + Integer.MAX_VALUE
                    + ", but is: " + chunkBytes);
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            Header header = Header.read(file, channel);
            long bufferLength = channel.size() - header.dataStart();
            int count = (int) ((bufferLength + chunkBytes - 1) / chunkBytes);
            MappedByteBuffer[] chunks = new MappedByteBuffer[count];
            for (int k = 0; k < count; k++) {
                long offset = k * chunkBytes;
                long size = Math.min(chunkBytes, bufferLength - offset);
                chunks[k] = channel.map(FileChannel.MapMode.READ_ONLY, header.dataStart() + offset, size);
            }
            // the mappings stay valid after the channel is closed
            return new SafetensorsFile(file, header, chunkBytes, chunks);
        }
    }

    /** The file's path. */
    public Path path() {
        return file;
    }

    /** Tensor names in the order their data lies in the file. */
    public List<String> names() {
        return List.copyOf(byName.keySet());
    }

    /** Whether the file holds a tensor called {@code name}. */
    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    /**
     * The header entry of tensor {@code name}.
     *
     * @throws IllegalArgumentException when there is no such tensor
     */
    public TensorInfo info(String name) {
        TensorInfo info = byName.get(name);
        if (info == null) {
            throw new IllegalArgumentException(file + ": no tensor named \"" + name + "\"");
        }
        return info;
    }

    /** The {@code __metadata__} map in header order; empty when the file has none. */
    public Map<String, String> metadata() {
        return header.metadata();
    }

    /**
     * All elements of tensor {@code name} as F32, row-major.
     *
     * @throws IllegalArgumentException when there is no such tensor, its dtype is not F32, F16
     *                                  or BF16, or it has too many elements for one array
     */
    public float[] readFloats(String name) {
        TensorInfo info = floatTensor(name);
        long count = info.elementCount();
        if (count > MAX_ARRAY) {
            throw new IllegalArgumentException(file + ": tensor \"" + name + "\" has " + count
                    + " elements, more than one Java array holds; read it in parts with readFloats(name, from, count)");
        }
        return readFloats(info, 0, (int) count);
    }

    /**
     * Elements {@code [from, from + count)} of tensor {@code name} (in row-major order) as F32;
     * the way to read a tensor too large for one array.
     *
     * @throws IllegalArgumentException  when there is no such tensor or its dtype is not F32,
     *                                   F16 or BF16
     * @throws IndexOutOfBoundsException when the range is not inside the tensor
     */
    public float[] readFloats(String name, long from, int count) {
        TensorInfo info = floatTensor(name);
        long elements = info.elementCount();
        if (from < 0 || count < 0 || from > elements - count) {
            throw new IndexOutOfBoundsException(file + ": elements [" + from + ", " + (from + count)
                    + ") are outside tensor \"" + name + "\", which has " + elements);
        }
        return readFloats(info, from, count);
    }

    /**
     * The bytes of tensor {@code name}: a read-only, little-endian buffer of
     * {@link TensorInfo#byteSize()} bytes, in place in the mapping when the tensor lies within
     * one chunk (a copy otherwise). Works for every dtype.
     *
     * @throws IllegalArgumentException when there is no such tensor or it is larger than one
     *                                  buffer can hold (2 GiB)
     */
    public ByteBuffer readRaw(String name) {
        TensorInfo info = info(name);
        if (info.byteSize() > MAX_ARRAY) {
            throw new IllegalArgumentException(file + ": tensor \"" + name + "\" is " + info.byteSize()
                    + " bytes, more than one ByteBuffer holds; read it in parts with readFloats(name, from, count)");
        }
        return range(info.begin(), (int) info.byteSize()).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Drops the mappings; later reads throw {@link IllegalStateException}. */
    @Override
    public void close() {
        chunks = null;
    }

    private TensorInfo floatTensor(String name) {
        TensorInfo info = info(name);
        if (!info.dtype().isFloat()) {
            throw new IllegalArgumentException(file + ": tensor \"" + name + "\" has dtype " + info.dtype()
                    + "; expected F32, F16 or BF16 (use readRaw for the bytes)");
        }
        return info;
    }

    private float[] readFloats(TensorInfo info, long from, int count) {
        int elementBytes = info.dtype().bitSize() / 8;
        float[] out = new float[count];
        int blockElements = BLOCK_BYTES / elementBytes;
        long position = info.begin() + from * elementBytes;
        for (int done = 0; done < count; ) {
            int n = Math.min(blockElements, count - done);
            ByteBuffer block = range(position, n * elementBytes);
            switch (info.dtype()) {
                case F32 -> block.asFloatBuffer().get(out, done, n);
                case F16 -> {
                    for (int i = 0; i < n; i++) {
                        out[done + i] = HalfPrecision.f16ToF32(block.getShort(2 * i));
                    }
                }
                case BF16 -> {
                    for (int i = 0; i < n; i++) {
                        out[done + i] = HalfPrecision.bf16ToF32(block.getShort(2 * i));
                    }
                }
                default -> throw new AssertionError(info.dtype());
            }
            done += n;
            position += (long) n * elementBytes;
        }
        return out;
    }

    /**
     * Bytes {@code [position, position + length)} of the byte buffer, little-endian: a slice of
     * one mapping, or a copy when they straddle mappings.
     */
    private ByteBuffer range(long position, int length) {
        MappedByteBuffer[] mapped = chunks;
        if (mapped == null) {
            throw new IllegalStateException(file + " is closed");
        }
        if (length == 0) {
            return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN);
        }
        int k = (int) (position / chunkBytes);
        int offset = (int) (position % chunkBytes);
        if (offset + length <= mapped[k].capacity()) {
            return mapped[k].slice(offset, length).order(ByteOrder.LITTLE_ENDIAN);
        }
        ByteBuffer copy = ByteBuffer.allocate(length);
        while (copy.hasRemaining()) {
            int n = Math.min(copy.remaining(), mapped[k].capacity() - offset);
            copy.put(mapped[k].slice(offset, n));
            k++;
            offset = 0;
        }
        return copy.flip().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + file + ", " + byName.size() + " tensors]";
    }
}
