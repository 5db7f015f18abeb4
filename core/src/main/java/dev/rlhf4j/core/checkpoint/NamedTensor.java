package dev.rlhf4j.core.checkpoint;

import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor to write: F32 values and the dtype to store them as.
 *
 * @param name  the key in the header, e.g. {@code "lm_head.weight"}
 * @param dtype F32, F16 or BF16; F16 and BF16 round to nearest even, as PyTorch does
 * @param shape the dimensions, row-major; {@code []} for a scalar (copied)
 * @param data  the values, row-major; not copied (it may be large), so it must not change until
 *              written
 */
public record NamedTensor(String name, DType dtype, long[] shape, float[] data) {

    public NamedTensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(data, "data");
        String what = "tensor \"" + name + "\"";
        if (name.equals(Header.METADATA_KEY)) {
            throw new IllegalArgumentException(what + ": the name " + Header.METADATA_KEY + " is reserved for metadata");
        }
        if (!dtype.isFloat()) {
            throw new IllegalArgumentException(what + ": dtype " + dtype
                    + " cannot be written from float values; expected F32, F16 or BF16");
        }
        shape = shape.clone();
        long elements = 1;
        for (long dim : shape) {
            if (dim < 0) {
                throw new IllegalArgumentException(what + ": shape must not have negative dimensions, but is: "
                        + Arrays.toString(shape));
            }
            elements = Math.multiplyExact(elements, dim);
        }
        if (elements != data.length) {
            throw new IllegalArgumentException(what + ": shape " + Arrays.toString(shape) + " holds " + elements
                    + " elements, but data has " + data.length);
        }
    }

    /** An F32 tensor. */
    public static NamedTensor f32(String name, long[] shape, float[] data) {
        return new NamedTensor(name, DType.F32, shape, data);
    }

    /** The dimensions (a copy). */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Bytes the tensor takes in the file. */
    public long byteSize() {
        return (long) data.length * (dtype.bitSize() / 8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NamedTensor other
                && name.equals(other.name)
                && dtype == other.dtype
                && Arrays.equals(shape, other.shape)
                && Arrays.equals(data, other.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), Arrays.hashCode(data));
    }

    @Override
    public String toString() {
        return "NamedTensor[name=" + name + ", dtype=" + dtype + ", shape=" + Arrays.toString(shape) + "]";
    }
}
