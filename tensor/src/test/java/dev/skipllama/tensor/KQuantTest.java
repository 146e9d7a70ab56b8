package dev.skipllama.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * Q4_K and Q6_K: {@link Dequantize} against ggml's formulas on blocks worked out by hand, and the
 * error of our (simple, non-ggml) quantizer.
 */
class KQuantTest {

    /**
     * d = 0.5, dmin = 0.25; sub-block scales sc = {1, 2, 3, 4, 40, 50, 60, 63} and mins
     * m = {5, 6, 7, 8, 17, 33, 48, 63}, packed as get_scale_min_k4 unpacks them: bytes 0-3 hold
     * sc[0..3] | (sc[4..7] >> 4) << 6, bytes 4-7 hold m[0..3] | (m[4..7] >> 4) << 6, bytes 8-11 hold
     * (sc[4..7] & 15) | (m[4..7] & 15) << 4. Value = d·sc·q − dmin·m.
     */
    @Test
    void q4_KBlockByHand() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment b = arena.allocate(144);
            b.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, Halfs.floatToF16(0.5f));
            b.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2, Halfs.floatToF16(0.25f));
            int[] packed = {129, 194, 195, 196, 69, 134, 199, 200, 24, 18, 12, 255};
            for (int i = 0; i < 12; i++) {
                b.set(ValueLayout.JAVA_BYTE, 4 + i, (byte) packed[i]);
            }
            int[] sc = {1, 2, 3, 4, 40, 50, 60, 63}, m = {5, 6, 7, 8, 17, 33, 48, 63};
            for (int j = 0; j < 8; j++) {
                assertEquals(sc[j], Dequantize.q4_KScale(b, 4, j), "scale " + j);
                assertEquals(m[j], Dequantize.q4_KMin(b, 4, j), "min " + j);
            }
            b.set(ValueLayout.JAVA_BYTE, 16, (byte) 0x5A);      // values 0 (q = 10) and 32 (q = 5)
            b.set(ValueLayout.JAVA_BYTE, 16 + 64 + 31, (byte) 0x01); // values 159 (q = 1) and 191 (q = 0)
            b.set(ValueLayout.JAVA_BYTE, 16 + 96 + 7, (byte) 0xF3);  // values 199 (q = 3) and 231 (q = 15)
            float[] y = new float[256];
            Dequantize.row(b, 0, DType.Q4_K, 256, y, 0);
            assertEquals(0.5f * 1 * 10 - 0.25f * 5, y[0]);     // 3.75
            assertEquals(0.5f * 2 * 5 - 0.25f * 6, y[32]);     // 3.5
            assertEquals(-0.25f * 8, y[100]);                  // sub-block 3, q = 0
            assertEquals(0.5f * 40 * 1 - 0.25f * 17, y[159]);  // 15.75
            assertEquals(-0.25f * 33, y[191]);                 // -8.25
            assertEquals(0.5f * 60 * 3 - 0.25f * 48, y[199]);  // 78
            assertEquals(0.5f * 63 * 15 - 0.25f * 63, y[231]); // 456.75
            assertEquals(3.75f, y[0]);
            assertEquals(456.75f, y[231]);
        }
    }

    /**
     * d = 0.5 at byte 208. Value v = d·scales[v/16]·q with q = (4-bit part | 2-bit part << 4) − 32:
     * v = 0 takes ql[0] low nibble and qh[0] bits 0-1, v = 32 ql[32] low and qh[0] bits 2-3, v = 64
     * ql[0] high and qh[0] bits 4-5, v = 96 ql[32] high and qh[0] bits 6-7; v = 255 (second half,
     * l = 31) ql[127] high and qh[63] bits 6-7.
     */
    @Test
    void q6_KBlockByHand() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment b = arena.allocate(210);
            b.set(ValueLayout.JAVA_SHORT_UNALIGNED, 208, Halfs.floatToF16(0.5f));
            byte[] sc = new byte[16];
            sc[0] = 2;
            sc[1] = 1;
            sc[2] = -3;
            sc[4] = 4;
            sc[6] = -128;
            sc[15] = 127;
            MemorySegment.copy(sc, 0, b, ValueLayout.JAVA_BYTE, 192, 16);
            b.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x07);
            b.set(ValueLayout.JAVA_BYTE, 32, (byte) 0x1F);
            b.set(ValueLayout.JAVA_BYTE, 128, (byte) (2 | 3 << 2 | 0 << 4 | 1 << 6));
            b.set(ValueLayout.JAVA_BYTE, 127, (byte) 0xA0);
            b.set(ValueLayout.JAVA_BYTE, 128 + 63, (byte) 0xC0);
            float[] y = new float[256];
            Dequantize.row(b, 0, DType.Q6_K, 256, y, 0);
            assertEquals(0.5f * 2 * 7, y[0]);        // q = 7 | 2 << 4 = 39 → 7
            assertEquals(0.5f * 1 * -32, y[16]);     // all bits zero → −32, scale 1
            assertEquals(0.5f * -3 * 31, y[32]);     // q = 15 | 3 << 4 = 63 → 31
            assertEquals(0.5f * 4 * -32, y[64]);     // q = 0 → −32
            assertEquals(0.5f * -128 * -15, y[96]);  // q = 1 | 1 << 4 = 17 → −15
            assertEquals(0.5f * 127 * 26, y[255]);   // q = 10 | 3 << 4 = 58 → 26
            assertEquals(1651f, y[255]);
        }
    }

    /**
     * The quantizer's error stays within one step of the coarsest sub-block plus a 1/63 share of the
     * largest min (the 6-bit rounding of scales and mins), plus F16's subnormal floor.
     */
    @Property(tries = 200)
    void q4_KRoundTripError(@ForAll @IntRange(min = 1, max = 3) int blocks, @ForAll TestData.Values kind, @ForAll long seed) {
        float[] x = TestData.weights(new Random(seed), 256 * blocks, kind, DType.Q4_K);
        float[] y = roundTrip(x, DType.Q4_K);
        for (int b = 0; b < blocks; b++) {
            float maxScale = 0, maxMin = 0;
            for (int j = 0; j < 8; j++) {
                float lo = 0, hi = 0;
                for (int l = 0; l < 32; l++) {
                    lo = Math.min(lo, x[256 * b + 32 * j + l]);
                    hi = Math.max(hi, x[256 * b + 32 * j + l]);
                }
                maxScale = Math.max(maxScale, (hi - lo) / 15);
                maxMin = Math.max(maxMin, -lo);
            }
            double bound = maxScale * 1.01 + maxMin / 63 + 64 * 16 * 0x1p-24;
            for (int i = 256 * b; i < 256 * b + 256; i++) {
                double err = Math.abs(x[i] - y[i]);
                int at = i;
                assertTrue(err <= bound, () -> "Q4_K error " + err + " > " + bound + " at " + at);
            }
        }
    }

    @Property(tries = 200)
    void q6_KRoundTripError(@ForAll @IntRange(min = 1, max = 3) int blocks, @ForAll TestData.Values kind, @ForAll long seed) {
        float[] x = TestData.weights(new Random(seed), 256 * blocks, kind, DType.Q6_K);
        float[] y = roundTrip(x, DType.Q6_K);
        for (int b = 0; b < blocks; b++) {
            float amax = 0;
            for (int i = 256 * b; i < 256 * b + 256; i++) {
                amax = Math.max(amax, Math.abs(x[i]));
            }
            // the coarsest step is d·scale ≤ amax/31 (+1/127 from the 8-bit scale); rounding costs a step at most
            double bound = amax / 31 * 1.02 + 128 * 32 * 0x1p-24;
            for (int i = 256 * b; i < 256 * b + 256; i++) {
                double err = Math.abs(x[i] - y[i]);
                int at = i;
                assertTrue(err <= bound, () -> "Q6_K error " + err + " > " + bound + " at " + at);
            }
        }
    }

    /**
     * The case q6_KRoundTripError found at random: a sub-block holding its largest value with both signs,
     * whose scale rounds down to the nearest multiple of d, so the value of the other sign lands past
     * +31 and is clamped. Its error must stay within one step, as every other value's.
     */
    @Test
    void q6_KOppositeSignExtremesStayWithinAStep() {
        float[] x = new float[256];
        x[0] = 1f; // the block's largest value: maxScale = 1/32
        float d = Halfs.f16ToFloat(Halfs.floatToF16(1f / 32 / 127));
        float v = 120.49f * 32 * d; // |scale| / d = 120.49: to nearest, the step would be 120·d
        x[16] = v;
        x[17] = -v;
        float[] y = roundTrip(x, DType.Q6_K);
        double bound = 1f / 31 * 1.02 + 128 * 32 * 0x1p-24; // q6_KRoundTripError's bound for this block
        for (int i = 0; i < 256; i++) {
            double err = Math.abs(x[i] - y[i]);
            int at = i;
            assertTrue(err <= bound, () -> "Q6_K error " + err + " > " + bound + " at " + at);
        }
    }

    private static float[] roundTrip(float[] x, DType type) {
        try (Tensor f = Tensor.of(x, 1, x.length); Tensor q = Quantize.to(f, type)) {
            return Dequantize.toFloats(q);
        }
    }
}
