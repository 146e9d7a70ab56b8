package dev.skipllama.tensor.cpu;

import static dev.skipllama.tensor.cpu.Decode.F32;
import static dev.skipllama.tensor.cpu.Simd.F;
import static dev.skipllama.tensor.cpu.Simd.L;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * Dot products of one float weight row (F32, F16, BF16; decoded in registers) with one or four F32
 * activation rows (quantized weights have their own integer kernels, {@link TileGemv}). The four-row forms decode each weight vector once for four tokens, which is what makes
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
        float s = VMath.sum(a0);
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
        reduce4(a0, a1, a2, a3, out);
        for (; i < n; i++) {
            tail4(w.get(F32, wOff + 4L * i), x, xOff + 4L * i, xStride, out);
        }
    }

    // ---- F16 / BF16 -----------------------------------------------------------------------

    static float f16(MemorySegment w, long wOff, MemorySegment x, long xOff, int n) {
        FloatVector a0 = FloatVector.zero(F);
        int i = 0;
        for (int bound = n - L; i <= bound; i += L) {
            a0 = Decode.f16(w, wOff + 2L * i).fma(Decode.f32(x, xOff + 4L * i), a0);
        }
        float s = VMath.sum(a0);
        for (; i < n; i++) {
            s += Float.float16ToFloat(w.get(Decode.I16, wOff + 2L * i)) * x.get(F32, xOff + 4L * i);
        }
        return s;
    }

    static void f16x4(MemorySegment w, long wOff, MemorySegment x, long xOff, long xStride, int n, float[] out) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (int bound = n - L; i <= bound; i += L) {
            FloatVector wv = Decode.f16(w, wOff + 2L * i);
            long xi = xOff + 4L * i;
            a0 = wv.fma(Decode.f32(x, xi), a0);
            a1 = wv.fma(Decode.f32(x, xi + xStride), a1);
            a2 = wv.fma(Decode.f32(x, xi + 2 * xStride), a2);
            a3 = wv.fma(Decode.f32(x, xi + 3 * xStride), a3);
        }
        reduce4(a0, a1, a2, a3, out);
        for (; i < n; i++) {
            tail4(Float.float16ToFloat(w.get(Decode.I16, wOff + 2L * i)), x, xOff + 4L * i, xStride, out);
        }
    }

    static float bf16(MemorySegment w, long wOff, MemorySegment x, long xOff, int n) {
        FloatVector a0 = FloatVector.zero(F);
        int i = 0;
        for (int bound = n - L; i <= bound; i += L) {
            a0 = Decode.bf16(w, wOff + 2L * i).fma(Decode.f32(x, xOff + 4L * i), a0);
        }
        float s = VMath.sum(a0);
        for (; i < n; i++) {
            s += bf16Scalar(w, wOff + 2L * i) * x.get(F32, xOff + 4L * i);
        }
        return s;
    }

    static void bf16x4(MemorySegment w, long wOff, MemorySegment x, long xOff, long xStride, int n, float[] out) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (int bound = n - L; i <= bound; i += L) {
            FloatVector wv = Decode.bf16(w, wOff + 2L * i);
            long xi = xOff + 4L * i;
            a0 = wv.fma(Decode.f32(x, xi), a0);
            a1 = wv.fma(Decode.f32(x, xi + xStride), a1);
            a2 = wv.fma(Decode.f32(x, xi + 2 * xStride), a2);
            a3 = wv.fma(Decode.f32(x, xi + 3 * xStride), a3);
        }
        reduce4(a0, a1, a2, a3, out);
        for (; i < n; i++) {
            tail4(bf16Scalar(w, wOff + 2L * i), x, xOff + 4L * i, xStride, out);
        }
    }

    // ---- helpers --------------------------------------------------------------------------

    static void reduce4(FloatVector a0, FloatVector a1, FloatVector a2, FloatVector a3, float[] out) {
        out[0] = VMath.sum(a0);
        out[1] = VMath.sum(a1);
        out[2] = VMath.sum(a2);
        out[3] = VMath.sum(a3);
    }

    private static void tail4(float wi, MemorySegment x, long xi, long xStride, float[] out) {
        for (int r = 0; r < 4; r++) {
            out[r] += wi * x.get(F32, xi + r * xStride);
        }
    }

    private static float bf16Scalar(MemorySegment w, long at) {
        return Float.intBitsToFloat((w.get(Decode.I16, at) & 0xffff) << 16);
    }
}
