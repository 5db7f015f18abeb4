package dev.rlhf4j.core.checkpoint;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The element types of the safetensors format, named as in the file header.
 *
 * <p>Declared in the reference implementation's order (increasing alignment); its writer sorts
 * tensors by this order, descending, then by name. F32, F16 and BF16 read into {@code float};
 * every other type is recognised so that errors can name it, and is readable as raw bytes.
 */
public enum DType {
    BOOL(8),
    /** MXFP4 (4 bits: two elements per byte). */
    F4(4),
    /** MXFP6 with 2 exponent and 3 mantissa bits. */
    F6_E2M3(6),
    /** MXFP6 with 3 exponent and 2 mantissa bits. */
    F6_E3M2(6),
    U8(8),
    I8(8),
    F8_E5M2(8),
    F8_E4M3(8),
    F8_E8M0(8),
    F8_E4M3FNUZ(8),
    F8_E5M2FNUZ(8),
    I16(16),
    U16(16),
    /** IEEE 754 half precision. */
    F16(16),
    /** bfloat16: the upper half of an F32. */
    BF16(16),
    I32(32),
    U32(32),
    F32(32),
    /** Complex number with two F32 parts. */
    C64(64),
    F64(64),
    I64(64),
    U64(64);

    private static final Map<String, DType> BY_NAME =
            Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(Enum::name, Function.identity()));

    private final int bitSize;

    DType(int bitSize) {
        this.bitSize = bitSize;
    }

    /** The dtype a header names, e.g. {@code "BF16"}; empty when the name is not a safetensors dtype. */
    public static Optional<DType> forName(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    /** Bits per element (4 and 6 for the sub-byte types). */
    public int bitSize() {
        return bitSize;
    }

    /** Whether tensors of this type read into {@code float[]} (F32, F16 and BF16). */
    public boolean isFloat() {
        return this == F32 || this == F16 || this == BF16;
    }
}
