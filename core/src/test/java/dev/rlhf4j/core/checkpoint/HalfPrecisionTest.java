package dev.rlhf4j.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** F16 / BF16 conversions against torch (conversions.json, from tools/make_safetensors_fixtures.py). */
class HalfPrecisionTest {

    private static JsonNode expected;

    @BeforeAll
    static void load() throws Exception {
        expected = SafetensorsFixtures.json("conversions.json");
    }

    /** The script's input set: every upper half-word with each low pattern, then a Weyl sequence; NaNs left out. */
    private static int[] conversionInputs() {
        JsonNode spec = expected.get("f32_to_f16_and_bf16");
        long[] low = SafetensorsFixtures.longs(spec.get("low_patterns"));
        int step = (int) spec.get("weyl_step").longValue();
        int weylCount = spec.get("weyl_count").intValue();
        int[] bits = new int[(1 << 16) * low.length + weylCount];
        int n = 0;
        for (int hi = 0; hi < 1 << 16; hi++) {
            for (long lo : low) {
                n = keepUnlessNaN(bits, n, (hi << 16) | (int) lo);
            }
        }
        for (int i = 0; i < weylCount; i++) {
            n = keepUnlessNaN(bits, n, i * step); // int arithmetic wraps mod 2^32, as the script's mask does
        }
        assertEquals(spec.get("input_count").intValue(), n);
        return java.util.Arrays.copyOf(bits, n);
    }

    private static int keepUnlessNaN(int[] bits, int n, int value) {
        if (!Float.isNaN(Float.intBitsToFloat(value))) {
            bits[n++] = value;
        }
        return n;
    }

    @Test
    void f32ToF16MatchesTorchOnTwoMillionInputs() throws Exception {
        int[] inputs = conversionInputs();
        ByteBuffer out = ByteBuffer.allocate(2 * inputs.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int bits : inputs) {
            out.putShort(HalfPrecision.f32ToF16(Float.intBitsToFloat(bits)));
        }
        assertEquals(expected.get("f32_to_f16_and_bf16").get("f16_sha256").textValue(), sha256(out.array()));
    }

    @Test
    void f32ToBf16MatchesTorchOnTwoMillionInputs() throws Exception {
        int[] inputs = conversionInputs();
        ByteBuffer out = ByteBuffer.allocate(2 * inputs.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int bits : inputs) {
            out.putShort(HalfPrecision.f32ToBf16(Float.intBitsToFloat(bits)));
        }
        assertEquals(expected.get("f32_to_f16_and_bf16").get("bf16_sha256").textValue(), sha256(out.array()));
    }

    @Test
    void specialValuesMatchTorch() {
        for (JsonNode c : expected.get("specials")) {
            float value = Float.intBitsToFloat((int) c.get("f32_bits").longValue());
            assertEquals(c.get("f16_bits").intValue(), HalfPrecision.f32ToF16(value) & 0xFFFF, "F16 of " + value);
            assertEquals(c.get("bf16_bits").intValue(), HalfPrecision.f32ToBf16(value) & 0xFFFF, "BF16 of " + value);
        }
    }

    @Test
    void everyF16DecodesAsTorchDecodesIt() throws Exception {
        ByteBuffer out = ByteBuffer.allocate(4 << 16).order(ByteOrder.LITTLE_ENDIAN);
        int count = 0;
        for (int h = 0; h < 1 << 16; h++) {
            boolean nan = (h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0;
            float value = HalfPrecision.f16ToF32(h);
            assertEquals(nan, Float.isNaN(value), "F16 0x" + Integer.toHexString(h));
            if (!nan) {
                out.putInt(Float.floatToRawIntBits(value));
                count++;
            }
        }
        assertEquals(expected.get("f16_to_f32").get("input_count").intValue(), count);
        assertEquals(expected.get("f16_to_f32").get("sha256").textValue(), sha256(out.flip()));
    }

    @Test
    void everyBf16DecodesAsTorchDecodesIt() throws Exception {
        ByteBuffer out = ByteBuffer.allocate(4 << 16).order(ByteOrder.LITTLE_ENDIAN);
        int count = 0;
        for (int h = 0; h < 1 << 16; h++) {
            float value = HalfPrecision.bf16ToF32(h);
            if (!Float.isNaN(value)) {
                out.putInt(Float.floatToRawIntBits(value));
                count++;
            }
        }
        assertEquals(expected.get("bf16_to_f32").get("input_count").intValue(), count);
        assertEquals(expected.get("bf16_to_f32").get("sha256").textValue(), sha256(out.flip()));
    }

    @Test
    void nanStaysNanWithItsSign() {
        for (float nan : new float[] {Float.NaN, Float.intBitsToFloat(0xFFC00000), Float.intBitsToFloat(0x7F800001),
                Float.intBitsToFloat(0xFF800001), Float.intBitsToFloat(0x7FFFFFFF)}) {
            int sign = Float.floatToRawIntBits(nan) >>> 31;
            short f16 = HalfPrecision.f32ToF16(nan);
            short bf16 = HalfPrecision.f32ToBf16(nan);
            assertTrue(Float.isNaN(HalfPrecision.f16ToF32(f16)), "F16 of NaN");
            assertTrue(Float.isNaN(HalfPrecision.bf16ToF32(bf16)), "BF16 of NaN");
            assertEquals(sign, (f16 >>> 15) & 1);
            assertEquals(sign, (bf16 >>> 15) & 1);
        }
    }

    @Test
    void roundTripThroughHalfIsExactForHalfValues() {
        for (int h = 0; h < 1 << 16; h++) {
            float f16 = HalfPrecision.f16ToF32(h);
            if (!Float.isNaN(f16)) {
                assertEquals(h, HalfPrecision.f32ToF16(f16) & 0xFFFF);
            }
            float bf16 = HalfPrecision.bf16ToF32(h);
            if (!Float.isNaN(bf16)) {
                assertEquals(h, HalfPrecision.f32ToBf16(bf16) & 0xFFFF);
            }
        }
    }

    private static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static String sha256(ByteBuffer bytes) throws NoSuchAlgorithmException {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        digest.update(bytes);
        return HexFormat.of().formatHex(digest.digest());
    }
}
