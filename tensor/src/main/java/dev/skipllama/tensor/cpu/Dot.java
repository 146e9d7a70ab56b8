package dev.skipllama.tensor.cpu;

import static dev.skipllama.tensor.cpu.Decode.F32;
import static dev.skipllama.tensor.cpu.Simd.F;
import static dev.skipllama.tensor.cpu.Simd.L;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * Dot products of one F32 weight row with one or four F32 activation rows (half-precision weights
 * have {@link HalfDot}, quantized ones their own integer kernels, {@link TileGemv}). The four-row forms decode each weight vector once for four tokens, which is what makes
 * batched prefill and speculative verification cheaper per token than decoding one at a time.
 *
 * <p><b>Batch invariance.</b> The one-row and four-row forms accumulate each row in exactly the same
 * order (one vector accumulator, lane reduction, then the scalar tail), so a token's result does not
 * depend on how many tokens share the call. Self-speculative verification relies on this: a batch
 * of drafted tokens verified together gets bit-identical logits to decoding them one by one.
 *
 * <p>Offsets are in bytes. {@code n} is the row length, any length, the tail done in scalar code.
 */
final class Dot {
    private Dot() {
    }

    // ---- F32 ------------------------------------------------------------------------------

    static float f32(MemorySegment w, long wOff, MemorySegment x, long xOff, int n) {
        FloatVector a0 = FloatVector.zero(F);
        int i = 0;
        for (int bound = n - L; i <= bound; i += L) {
            a0 = Decode.f32(w, wOff + 4L * i).fma(Decode.f32(x, xOff + 4L * i), a0);
        }
        float s = 0f; // VMath.sum's order, written here (see f32x4)
        for (int k = 0; k < L; k++) {
            s += a0.lane(k);
        }
        for (; i < n; i++) {
            s += w.get(F32, wOff + 4L * i) * x.get(F32, xOff + 4L * i);
        }
        return s;
    }

    static void f32x4(MemorySegment w, long wOff, MemorySegment x, long xOff, long xStride, int n, float[] out) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (int bound = n - L; i <= bound; i += L) {
            FloatVector wv = Decode.f32(w, wOff + 4L * i);
            long xi = xOff + 4L * i;
            a0 = wv.fma(Decode.f32(x, xi), a0);
            a1 = wv.fma(Decode.f32(x, xi + xStride), a1);
            a2 = wv.fma(Decode.f32(x, xi + 2 * xStride), a2);
            a3 = wv.fma(Decode.f32(x, xi + 3 * xStride), a3);
        }
        // Lane sums written here in VMath.sum's order: a helper of ours taking vectors could be left a
        // call past C2's inlining budget, and its arguments boxed.
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (int k = 0; k < L; k++) {
            s0 += a0.lane(k);
            s1 += a1.lane(k);
            s2 += a2.lane(k);
            s3 += a3.lane(k);
        }
        out[0] = s0;
        out[1] = s1;
        out[2] = s2;
        out[3] = s3;
        for (; i < n; i++) {
            tail4(w.get(F32, wOff + 4L * i), x, xOff + 4L * i, xStride, out);
        }
    }

    // ---- helpers --------------------------------------------------------------------------


    private static void tail4(float wi, MemorySegment x, long xi, long xStride, float[] out) {
        for (int r = 0; r < 4; r++) {
            out[r] += wi * x.get(F32, xi + r * xStride);
        }
    }
}
