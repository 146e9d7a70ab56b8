package dev.skipllama.tensor.cpu;

import static dev.skipllama.tensor.cpu.Simd.F;
import static dev.skipllama.tensor.cpu.Simd.L;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Reductions and exp whose results do not depend on how the JIT compiled them.
 *
 * <p>The Vector API lets {@code reduceLanes(ADD)} sum lanes in any order and computes
 * {@code lanewise(EXP)} with different code in the interpreter and in C2 (SVML), so the same call
 * can round differently early and late in a run. Self-speculative decoding promises output identical
 * to full decoding, which needs every op to give the same bits for the same input, every time. So
 * lane sums run in a fixed order, and exp is a polynomial built from add, mul and fma (exact IEEE
 * operations in every tier), with a scalar twin doing the same operations for loop tails.
 */
final class VMath {
    private VMath() {
    }

    /** Lanes summed from 0 to L-1, always in that order. */
    static float sum(FloatVector v) {
        float s = 0f;
        for (int i = 0; i < L; i++) {
            s += v.lane(i);
        }
        return s;
    }

    // e^x = 2^k · e^r with k = rint(x·log2 e), r = x − k·ln2 (ln2 split in two for an exact product),
    // e^r by its Taylor polynomial to degree 7 (|r| ≤ 0.35: truncation < 1e-8 relative), and 2^k
    // applied in two halves so results down to the subnormal range come out right.
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float ROUND = 0x1.8p23f; // adding and subtracting it rounds to an integer
    private static final float MAX_X = 88.8f;     // e^88.8 > Float.MAX_VALUE: overflows to infinity
    private static final float MIN_X = -104f;     // e^-104 < the smallest subnormal: underflows to 0
    private static final float C2 = 1f / 2, C3 = 1f / 6, C4 = 1f / 24, C5 = 1f / 120, C6 = 1f / 720, C7 = 1f / 5040;

    static FloatVector exp(FloatVector x0) {
        FloatVector x = x0.max(MIN_X).min(MAX_X);
        FloatVector t = x.fma(FloatVector.broadcast(F, LOG2E), FloatVector.broadcast(F, ROUND)).sub(ROUND);
        FloatVector r = t.fma(FloatVector.broadcast(F, -LN2_HI), x);
        r = t.fma(FloatVector.broadcast(F, -LN2_LO), r);
        FloatVector p = r.fma(FloatVector.broadcast(F, C7), FloatVector.broadcast(F, C6));
        p = p.fma(r, FloatVector.broadcast(F, C5));
        p = p.fma(r, FloatVector.broadcast(F, C4));
        p = p.fma(r, FloatVector.broadcast(F, C3));
        p = p.fma(r, FloatVector.broadcast(F, C2));
        p = p.fma(r, FloatVector.broadcast(F, 1f));
        p = p.fma(r, FloatVector.broadcast(F, 1f));
        IntVector k = (IntVector) t.convert(VectorOperators.F2I, 0);
        IntVector k1 = k.lanewise(VectorOperators.ASHR, 1);
        IntVector k2 = k.sub(k1);
        FloatVector s1 = k1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = k2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector e = p.mul(s1).mul(s2);
        e = e.blend(0f, x0.compare(VectorOperators.LT, MIN_X));
        return e.blend(x0, x0.test(VectorOperators.IS_NAN));
    }

    /** The same operations as {@link #exp(FloatVector)} on one value: bit-identical to a lane of it. */
    static float exp(float x0) {
        if (Float.isNaN(x0)) {
            return x0;
        }
        if (x0 < MIN_X) {
            return 0f;
        }
        float x = Math.min(Math.max(x0, MIN_X), MAX_X);
        float t = Math.fma(x, LOG2E, ROUND) - ROUND;
        float r = Math.fma(t, -LN2_HI, x);
        r = Math.fma(t, -LN2_LO, r);
        float p = Math.fma(r, C7, C6);
        p = Math.fma(p, r, C5);
        p = Math.fma(p, r, C4);
        p = Math.fma(p, r, C3);
        p = Math.fma(p, r, C2);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        int k = (int) t;
        int k1 = k >> 1;
        int k2 = k - k1;
        return p * Float.intBitsToFloat((k1 + 127) << 23) * Float.intBitsToFloat((k2 + 127) << 23);
    }
}
