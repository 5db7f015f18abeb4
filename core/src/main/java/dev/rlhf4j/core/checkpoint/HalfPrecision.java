package dev.rlhf4j.core.checkpoint;

/**
 * Exact conversions between F32 and the two 16-bit float formats, on bit patterns.
 *
 * <p>F32 to F16 and F32 to BF16 round to nearest, ties to even, as PyTorch and numpy do; values
 * too large for F16 become infinity. NaN stays NaN with its sign (its payload is truncated and
 * the quiet bit set). F16 and BF16 to F32 are exact.
 */
final class HalfPrecision {

    private HalfPrecision() {}

    /** The F32 value of an F16 bit pattern (low 16 bits of {@code bits}). */
    static float f16ToF32(int bits) {
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1F;
        int mantissa = bits & 0x3FF;
        if (exponent == 0x1F) { // infinity or NaN, payload kept
            return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
        }
        if (exponent == 0) { // zero or subnormal: mantissa * 2^-24, exact in F32
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + (127 - 15)) << 23) | (mantissa << 13));
    }

    /** The F16 bit pattern nearest to {@code value} (ties to even). */
    static short f32ToF16(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7FFFFFFF;
        if (abs > 0x7F800000) { // NaN: quiet, top payload bits kept
            return (short) (sign | 0x7E00 | ((abs >>> 13) & 0x3FF));
        }
        if (abs >= 0x477FF000) { // >= 65520, halfway between 65504 and 2^16: rounds to infinity
            return (short) (sign | 0x7C00);
        }
        if (abs >= 0x38800000) { // >= 2^-14: a normal F16
            int half = ((abs >>> 23) - (127 - 15)) << 10 | ((abs >>> 13) & 0x3FF);
            return (short) (sign | roundHalfEven(half, abs & 0x1FFF, 13));
        }
        if (abs <= 0x33000000) { // <= 2^-25, at most half the smallest subnormal: ties to zero
            return (short) sign;
        }
        // subnormal F16: units of 2^-24; the F32 mantissa (with its implicit bit) shifted down
        int mantissa = (abs & 0x7FFFFF) | 0x800000;
        int shift = 126 - (abs >>> 23); // between 14 and 24
        int half = mantissa >>> shift;
        return (short) (sign | roundHalfEven(half, mantissa & ((1 << shift) - 1), shift));
    }

    /** The F32 value of a BF16 bit pattern (low 16 bits of {@code bits}). */
    static float bf16ToF32(int bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** The BF16 bit pattern nearest to {@code value} (ties to even), as PyTorch's c10::BFloat16. */
    static short f32ToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7FFFFFFF) > 0x7F800000) { // NaN: quiet, sign and top payload bits kept
            return (short) ((bits >>> 16) | 0x0040);
        }
        int lsb = (bits >>> 16) & 1;
        return (short) ((bits + 0x7FFF + lsb) >>> 16); // a carry into the exponent is correct
    }

    /** {@code truncated} plus one when the dropped {@code bits}-bit {@code remainder} rounds it up. */
    private static int roundHalfEven(int truncated, int remainder, int bits) {
        int halfway = 1 << (bits - 1);
        if (remainder > halfway || (remainder == halfway && (truncated & 1) == 1)) {
            return truncated + 1; // may carry into the exponent: still the right pattern
        }
        return truncated;
    }
}
