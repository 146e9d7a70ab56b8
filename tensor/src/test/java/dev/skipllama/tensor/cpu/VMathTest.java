package dev.skipllama.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.FloatVector;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.FloatRange;
import org.junit.jupiter.api.Test;

class VMathTest {

    /** Within 2 ulp of the correctly rounded e^x over the whole range where the result is normal. */
    @Property(tries = 5000)
    void expIsWithinTwoUlp(@ForAll @FloatRange(min = -87f, max = 88.7f) float x) {
        double want = Math.exp(x);
        float got = VMath.exp(x);
        assertTrue(Math.abs(got - want) <= 2 * Math.ulp((float) want), () -> "exp(" + x + ") = " + got + ", want " + want);
    }

    /** Every lane of the vector form equals the scalar form bit for bit (tails and bodies agree). */
    @Property(tries = 500)
    void vectorAndScalarExpAgreeExactly(@ForAll @FloatRange(min = -120f, max = 100f) float a, @ForAll float b) {
        float[] in = new float[Simd.L];
        for (int i = 0; i < in.length; i++) {
            in[i] = i % 2 == 0 ? a + i : b;
        }
        float[] out = new float[Simd.L];
        VMath.exp(FloatVector.fromArray(Simd.F, in, 0)).intoArray(out, 0);
        for (int i = 0; i < in.length; i++) {
            assertEquals(Float.floatToRawIntBits(VMath.exp(in[i])), Float.floatToRawIntBits(out[i]), "lane " + i + " x=" + in[i]);
        }
    }

    @Test
    void expEdgeValues() {
        assertEquals(1f, VMath.exp(0f));
        assertEquals(0f, VMath.exp(-200f));
        assertEquals(0f, VMath.exp(Float.NEGATIVE_INFINITY));
        assertEquals(Float.POSITIVE_INFINITY, VMath.exp(89f));
        assertEquals(Float.POSITIVE_INFINITY, VMath.exp(Float.POSITIVE_INFINITY));
        assertTrue(Float.isNaN(VMath.exp(Float.NaN)));
        float sub = VMath.exp(-100f); // subnormal result
        assertTrue(Math.abs(sub - Math.exp(-100)) <= Math.ulp(sub) * 2, "exp(-100) = " + sub);
    }

    @Test
    void sumIsInLaneOrder() {
        float[] v = new float[Simd.L];
        v[0] = 1e8f;
        v[1] = 1f;
        v[Simd.L - 1] = -1e8f;
        float want = 0;
        for (float f : v) {
            want += f;
        }
        assertEquals(want, VMath.sum(FloatVector.fromArray(Simd.F, v, 0)));
    }
}
