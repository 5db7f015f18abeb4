package dev.rlhf4j.core.checkpoint;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor's header entry: its element type, shape and place in the byte buffer.
 *
 * @param name  the tensor's key in the header, e.g. {@code "transformer.h.0.attn.c_attn.weight"}
 * @param dtype the element type
 * @param shape the dimensions, row-major; {@code []} for a scalar (copied in and out)
 * @param begin first byte in the byte buffer (after the header), inclusive
 * @param end   last byte in the byte buffer, exclusive
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {

    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("tensor \"" + name + "\": data_offsets must satisfy 0 <= begin <= end, but are: ["
                    + begin + ", " + end + "]");
        }
    }

    /** The dimensions (a copy). */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of bytes the tensor occupies: {@code end - begin}. */
    public long byteSize() {
        return end - begin;
    }

    /** Number of elements: the product of the shape (1 for a scalar). */
    public long elementCount() {
        long count = 1;
        for (long dim : shape) {
            count = Math.multiplyExact(count, dim);
        }
        return count;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo other
                && name.equals(other.name)
                && dtype == other.dtype
                && Arrays.equals(shape, other.shape)
                && begin == other.begin
                && end == other.end;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
    }

    @Override
    public String toString() {
        return "TensorInfo[name=" + name + ", dtype=" + dtype + ", shape=" + Arrays.toString(shape)
                + ", data_offsets=[" + begin + ", " + end + "]]";
    }
}
