package dev.skipllama.tensor.cpu;

import static dev.skipllama.tensor.cpu.Decode.F32;
import static dev.skipllama.tensor.cpu.Simd.F;
import static dev.skipllama.tensor.cpu.Simd.L;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * Dot products of two weight rows with four F32 activation rows: the 2×4 register tile of batched
 * matmul (prefill, speculative verification). Against {@link Dot}'s 1×4 forms, each activation
 * vector loaded is used by two weight rows, which halves the activation loads per multiply-add —
 * the loads, not the FMAs, were what limited the 1×4 tile.
 *
 * <p><b>Batch invariance.</b> Every (weight row, token row) pair accumulates in exactly the order of
 * {@link Dot}'s one-row and four-row forms (one vector accumulator, lane sum in fixed order, then the
 * scalar tail), so a result does not
 * depend on which tile computed it. {@code out[0..3]} receive weight row 0 with token rows 0..3,
 * {@code out[4..7]} weight row 1.
 */
final class Dot2x4 {
    private Dot2x4() {
    }

    static void f32(MemorySegment w, long w0, long w1, MemorySegment x, long xOff, long xStride, int n, float[] out) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        int i = 0;
        for (int bound = n - L; i <= bound; i += L) {
            FloatVector u = Decode.f32(w, w0 + 4L * i), v = Decode.f32(w, w1 + 4L * i);
            long xi = xOff + 4L * i;
            FloatVector x0 = Decode.f32(x, xi), x1 = Decode.f32(x, xi + xStride);
            FloatVector x2 = Decode.f32(x, xi + 2 * xStride), x3 = Decode.f32(x, xi + 3 * xStride);
            a0 = u.fma(x0, a0);
            a1 = u.fma(x1, a1);
            a2 = u.fma(x2, a2);
            a3 = u.fma(x3, a3);
            b0 = v.fma(x0, b0);
            b1 = v.fma(x1, b1);
            b2 = v.fma(x2, b2);
            b3 = v.fma(x3, b3);
        }
        // Lane sums in VMath.sum's order, written here (see Dot.f32x4).
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, t0 = 0, t1 = 0, t2 = 0, t3 = 0;
        for (int k = 0; k < L; k++) {
            s0 += a0.lane(k);
            s1 += a1.lane(k);
            s2 += a2.lane(k);
            s3 += a3.lane(k);
            t0 += b0.lane(k);
            t1 += b1.lane(k);
            t2 += b2.lane(k);
            t3 += b3.lane(k);
        }
        out[0] = s0;
        out[1] = s1;
        out[2] = s2;
        out[3] = s3;
        out[4] = t0;
        out[5] = t1;
        out[6] = t2;
        out[7] = t3;
        for (; i < n; i++) {
            tail8(w.get(F32, w0 + 4L * i), w.get(F32, w1 + 4L * i), x, xOff + 4L * i, xStride, out);
        }
    }


    private static void tail8(float u, float v, MemorySegment x, long xi, long xStride, float[] out) {
        for (int r = 0; r < 4; r++) {
            float xr = x.get(F32, xi + r * xStride);
            out[r] += u * xr;
            out[4 + r] += v * xr;
        }
    }
}
