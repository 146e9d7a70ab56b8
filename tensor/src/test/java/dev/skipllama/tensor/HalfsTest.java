package dev.skipllama.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class HalfsTest {

    @Test
    void f16DecodesLikeTheJdkForAllHalfValues() {
        for (int h = 0; h < 65536; h++) {
            assertEquals(Float.floatToRawIntBits(Float.float16ToFloat((short) h)),
                    Float.floatToRawIntBits(Halfs.f16ToFloat((short) h)), "half bits " + Integer.toHexString(h));
        }
    }

    @Property(tries = 2000)
    void f16EncodesLikeTheJdk(@ForAll float f) {
        assertEquals(Float.floatToFloat16(f), Halfs.floatToF16(f));
    }

    @Test
    void bf16DecodeIsTheHighHalfOfAFloat() {
        for (int h = 0; h < 65536; h++) {
            float f = Halfs.bf16ToFloat((short) h);
            assertEquals(h << 16, Float.floatToRawIntBits(f));
        }
    }

    /** Round to nearest, ties to even, checked against exact arithmetic on the two neighbours. */
    @Property(tries = 5000)
    void bf16RoundsToNearestEven(@ForAll float f) {
        short b = Halfs.floatToBf16(f);
        float r = Halfs.bf16ToFloat(b);
        if (Float.isNaN(f)) {
            assertTrue(Float.isNaN(r));
            return;
        }
        int bits = Float.floatToRawIntBits(f);
        float down = Float.intBitsToFloat(bits & 0xffff0000);
        float up = Float.intBitsToFloat((bits & 0xffff0000) + 0x10000);
        // Past the largest finite bf16 the next step up is 2^128 (infinity), as IEEE rounding treats it.
        double upValue = Float.isInfinite(up) && !Float.isInfinite(f) ? Math.copySign(0x1p128, f) : up;
        double dd = Math.abs((double) f - down), du = Math.abs((double) f - upValue);
        float expect = dd < du ? down : du < dd ? up : (((bits >>> 16) & 1) == 0 ? down : up);
        assertEquals(Float.floatToRawIntBits(expect), Float.floatToRawIntBits(r), "for " + f);
    }

    @Test
    void bf16KeepsSpecialValues() {
        assertEquals(Float.POSITIVE_INFINITY, Halfs.bf16ToFloat(Halfs.floatToBf16(Float.POSITIVE_INFINITY)));
        assertEquals(Float.NEGATIVE_INFINITY, Halfs.bf16ToFloat(Halfs.floatToBf16(Float.NEGATIVE_INFINITY)));
        assertTrue(Float.isNaN(Halfs.bf16ToFloat(Halfs.floatToBf16(Float.NaN))));
        assertTrue(Float.isNaN(Halfs.bf16ToFloat(Halfs.floatToBf16(Float.intBitsToFloat(0x7f800001)))));
        assertEquals(-0f, Halfs.bf16ToFloat(Halfs.floatToBf16(-0f)));
    }
}
