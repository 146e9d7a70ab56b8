package dev.skipllama.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class QuantizeTest {

    /**
     * Q8_0: step d = amax/127 stored as F16; rounding costs at most d/2 and the F16 scale at most
     * |q|·d·2^-11 ≤ amax·2^-11 (plus F16's subnormal floor, 2^-25 per unit of q).
     */
    @Property(tries = 300)
    void q8_0RoundTripIsWithinHalfAStep(@ForAll @IntRange(min = 1, max = 12) int blocks, @ForAll long seed,
                                        @ForAll TestData.Values kind) {
        float[] x = TestData.weights(new Random(seed), 32 * blocks, kind, DType.Q8_0);
        float[] y = roundTrip(x, DType.Q8_0);
        for (int b = 0; b < blocks; b++) {
            float amax = amax(x, b);
            double bound = amax / 254.0 * (1 + 1e-5) + amax * 0x1p-11 + 127 * 0x1p-25;
            for (int j = 32 * b; j < 32 * b + 32; j++) {
                assertTrue(Math.abs(x[j] - y[j]) <= bound, () -> "Q8_0 error too large");
            }
        }
    }

    /** Q4_0: step d = max/-8; the side opposite max can clamp at +7, so the error is at most one step. */
    @Property(tries = 300)
    void q4_0RoundTripIsWithinOneStep(@ForAll @IntRange(min = 1, max = 12) int blocks, @ForAll long seed,
                                      @ForAll TestData.Values kind) {
        float[] x = TestData.weights(new Random(seed), 32 * blocks, kind, DType.Q4_0);
        float[] y = roundTrip(x, DType.Q4_0);
        for (int b = 0; b < blocks; b++) {
            float amax = amax(x, b);
            double bound = amax / 8.0 * (1 + 0x1p-8 + 1e-6) + 8 * 0x1p-25;
            for (int j = 32 * b; j < 32 * b + 32; j++) {
                assertTrue(Math.abs(x[j] - y[j]) <= bound, "Q4_0 error " + Math.abs(x[j] - y[j]) + " > " + bound);
            }
        }
    }

    @Property(tries = 200)
    void f16AndBf16RoundTripsAreTheJdkConversions(@ForAll @IntRange(min = 1, max = 70) int n, @ForAll long seed) {
        float[] x = TestData.floats(new Random(seed), n, TestData.Values.WIDE);
        float[] h = roundTrip(x, DType.F16);
        float[] b = roundTrip(x, DType.BF16);
        for (int i = 0; i < n; i++) {
            assertEquals(Float.float16ToFloat(Float.floatToFloat16(x[i])), h[i]);
            assertEquals(Halfs.bf16ToFloat(Halfs.floatToBf16(x[i])), b[i]);
        }
    }

    /** A block worked by hand with ggml's rules: d = max/-8, q = min(15, (int)(x/d + 8.5)). */
    @Test
    void q4_0MatchesGgmlOnAKnownBlock() {
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) {
            x[j] = j - 16; // max magnitude is -16 → d = 2
        }
        try (Tensor t = Quantize.to(Tensor.of(x, 32), DType.Q4_0)) {
            assertEquals(Float.floatToFloat16(2f), t.segment().get(ValueLayout.JAVA_SHORT_UNALIGNED, 0));
            // x/d + 8.5 = j/2 + 0.5 → q[j] = floor(j/2 + 0.5), capped at 15
            for (int j = 0; j < 16; j++) {
                int lo = Math.min(15, (int) (j / 2.0 + 0.5));
                int hi = Math.min(15, (int) ((j + 16) / 2.0 + 0.5));
                assertEquals((byte) (lo | hi << 4), t.segment().get(ValueLayout.JAVA_BYTE, 2 + j), "byte " + j);
            }
        }
    }

    @Test
    void q8_0MatchesGgmlOnAKnownBlock() {
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) {
            x[j] = (j - 10) * 0.5f; // amax 10.5 → d = 10.5/127, q = round(x * 127/10.5), halves away from zero
        }
        try (Tensor t = Quantize.to(Tensor.of(x, 32), DType.Q8_0)) {
            float d = 10.5f / 127f;
            assertEquals(Float.floatToFloat16(d), t.segment().get(ValueLayout.JAVA_SHORT_UNALIGNED, 0));
            for (int j = 0; j < 32; j++) {
                long expect = Math.round(Math.abs(x[j] * (1f / d))) * (x[j] < 0 ? -1 : 1);
                assertEquals((byte) expect, t.segment().get(ValueLayout.JAVA_BYTE, 2 + j), "byte " + j);
            }
        }
        assertEquals(-3, Quantize.roundHalfAway(-2.5f));
        assertEquals(3, Quantize.roundHalfAway(2.5f));
        assertEquals(0, Quantize.roundHalfAway(0.49999997f));
    }

    @Test
    void zeroBlocksStayZero() {
        for (DType t : new DType[]{DType.Q8_0, DType.Q4_0}) {
            for (float v : roundTrip(new float[64], t)) {
                assertEquals(0f, v, 0f); // ±0: Q4_0's scale of an all-zero block is -0, as in ggml
            }
        }
    }

    static float[] roundTrip(float[] x, DType type) {
        try (Tensor f = Tensor.of(x, x.length); Tensor q = Quantize.to(f, type)) {
            return Dequantize.toFloats(q);
        }
    }

    private static float amax(float[] x, int block) {
        float m = 0;
        for (int j = 32 * block; j < 32 * block + 32; j++) {
            m = Math.max(m, Math.abs(x[j]));
        }
        return m;
    }
}
