package dev.skipllama.tensor.cpu;

import static dev.skipllama.tensor.cpu.Decode.F32;
import static dev.skipllama.tensor.cpu.Simd.F;
import static dev.skipllama.tensor.cpu.Simd.L;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * {@link Dot2x4} for eight activation rows: sixteen accumulators, so each weight vector loaded
 * serves eight rows. Only for 512-bit vectors, where 32 registers hold the tile (with 16
 * registers it spills). Each (weight row, token row) pair keeps {@link Dot}'s order exactly, so
 * batches stay invariant. {@code out[0..7]} receive weight row 0 with token rows 0..7,
 * {@code out[8..15]} weight row 1.
 */
final class Dot2x8 {
    private Dot2x8() {
    }

    /** Whether this tile fits the registers of the vector width in use. */
    static final boolean FITS = L == 16;

    static void f32(MemorySegment w, long w0, long w1, MemorySegment x, long xOff, long xStride, int n, float[] out) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0, b7 = a0;
        int i = 0;
        for (int bound = n - L; i <= bound; i += L) {
            FloatVector u = Decode.f32(w, w0 + 4L * i), v = Decode.f32(w, w1 + 4L * i);
            long xi = xOff + 4L * i;
            FloatVector x0 = Decode.f32(x, xi);
            a0 = u.fma(x0, a0);
            b0 = v.fma(x0, b0);
            FloatVector x1 = Decode.f32(x, xi + xStride);
            a1 = u.fma(x1, a1);
            b1 = v.fma(x1, b1);
            FloatVector x2 = Decode.f32(x, xi + 2 * xStride);
            a2 = u.fma(x2, a2);
            b2 = v.fma(x2, b2);
            FloatVector x3 = Decode.f32(x, xi + 3 * xStride);
            a3 = u.fma(x3, a3);
            b3 = v.fma(x3, b3);
            FloatVector x4 = Decode.f32(x, xi + 4 * xStride);
            a4 = u.fma(x4, a4);
            b4 = v.fma(x4, b4);
            FloatVector x5 = Decode.f32(x, xi + 5 * xStride);
            a5 = u.fma(x5, a5);
            b5 = v.fma(x5, b5);
            FloatVector x6 = Decode.f32(x, xi + 6 * xStride);
            a6 = u.fma(x6, a6);
            b6 = v.fma(x6, b6);
            FloatVector x7 = Decode.f32(x, xi + 7 * xStride);
            a7 = u.fma(x7, a7);
            b7 = v.fma(x7, b7);
        }
        // Lane sums in VMath.sum's order, written here: a helper taking vectors could be left a call
        // past C2's inlining budget, its arguments boxed (see Dot.f32x4).
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        float t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0, t5 = 0, t6 = 0, t7 = 0;
        for (int k = 0; k < L; k++) {
            s0 += a0.lane(k);
            s1 += a1.lane(k);
            s2 += a2.lane(k);
            s3 += a3.lane(k);
            s4 += a4.lane(k);
            s5 += a5.lane(k);
            s6 += a6.lane(k);
            s7 += a7.lane(k);
            t0 += b0.lane(k);
            t1 += b1.lane(k);
            t2 += b2.lane(k);
            t3 += b3.lane(k);
            t4 += b4.lane(k);
            t5 += b5.lane(k);
            t6 += b6.lane(k);
            t7 += b7.lane(k);
        }
        out[0] = s0;
        out[1] = s1;
        out[2] = s2;
        out[3] = s3;
        out[4] = s4;
        out[5] = s5;
        out[6] = s6;
        out[7] = s7;
        out[8] = t0;
        out[9] = t1;
        out[10] = t2;
        out[11] = t3;
        out[12] = t4;
        out[13] = t5;
        out[14] = t6;
        out[15] = t7;
        for (; i < n; i++) {
            float uw = w.get(F32, w0 + 4L * i), vw = w.get(F32, w1 + 4L * i);
            for (int r = 0; r < 8; r++) {
                float xr = x.get(F32, xOff + 4L * i + r * xStride);
                out[r] += uw * xr;
                out[8 + r] += vw * xr;
            }
        }
    }
}
