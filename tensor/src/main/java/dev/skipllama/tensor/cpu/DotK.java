package dev.skipllama.tensor.cpu;

import static dev.skipllama.tensor.cpu.Simd.B;
import static dev.skipllama.tensor.cpu.Simd.F;
import static dev.skipllama.tensor.cpu.Simd.I;
import static dev.skipllama.tensor.cpu.Simd.L;

import dev.skipllama.tensor.Dequantize;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Dot products of K-quant weight rows (Q4_K, Q6_K: 256-value super-blocks) with one or four F32
 * rows. Weights are decoded in registers to exactly the floats {@link Dequantize} defines — the same
 * products, rounded the same way — so only the summation order differs from the reference.
 *
 * <p>Every vector of {@link Simd#L} ≤ 16 lanes lies inside one sub-block (32 values for Q4_K, 16 for
 * Q6_K), so each needs a single scale.
 */
final class DotK {
    private DotK() {
    }

    // ---- Q4_K: 144-byte super-blocks {f16 d; f16 dmin; uint8 scales[12]; uint8 qs[128]} ------

    static float q4_K(MemorySegment w, long wOff, MemorySegment x, long xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < n / 256; b++) {
            long blk = wOff + 144L * b;
            long xb = xOff + 1024L * b;
            float d = Decode.scale(w, blk), dmin = Decode.scale(w, blk + 2);
            // Sub-block j holds values 32j..32j+31: nibble (j & 1) of bytes qs[32·(j/2) ..].
            // One decode call site per step keeps the method within C2's inlining budget.
            for (int j = 0; j < 8; j++) {
                float dj = d * Dequantize.q4_KScale(w, blk + 4, j), mj = dmin * Dequantize.q4_KMin(w, blk + 4, j);
                long qs = blk + 16 + 32L * (j >> 1);
                long xj = xb + 4L * 32 * j;
                for (int l = 0; l < 32; l += L) {
                    acc = nibble(w, qs, l, j & 1, dj, mj).fma(Decode.f32(x, xj + 4L * l), acc);
                }
            }
        }
        return VMath.sum(acc);
    }

    static void q4_Kx4(MemorySegment w, long wOff, MemorySegment x, long xOff, long xStride, int n, float[] out) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < n / 256; b++) {
            long blk = wOff + 144L * b;
            long xb = xOff + 1024L * b;
            float d = Decode.scale(w, blk), dmin = Decode.scale(w, blk + 2);
            for (int j = 0; j < 8; j++) {
                float dj = d * Dequantize.q4_KScale(w, blk + 4, j), mj = dmin * Dequantize.q4_KMin(w, blk + 4, j);
                long qs = blk + 16 + 32L * (j >> 1);
                long xj = xb + 4L * 32 * j;
                for (int l = 0; l < 32; l += L) {
                    FloatVector wv = nibble(w, qs, l, j & 1, dj, mj);
                    long xi = xj + 4L * l;
                    a0 = wv.fma(Decode.f32(x, xi), a0);
                    a1 = wv.fma(Decode.f32(x, xi + xStride), a1);
                    a2 = wv.fma(Decode.f32(x, xi + 2 * xStride), a2);
                    a3 = wv.fma(Decode.f32(x, xi + 3 * xStride), a3);
                }
            }
        }
        Dot.reduce4(a0, a1, a2, a3, out);
    }

    /**
     * {@code dj·q − mj} for the low ({@code high} = 0) or high nibbles of bytes {@code qs[l .. l+L-1]}:
     * two roundings, as Dequantize does (no fused multiply-add).
     */
    private static FloatVector nibble(MemorySegment w, long qs, int l, int high, float dj, float mj) {
        IntVector q = bytes(w, qs, l).lanewise(VectorOperators.LSHR, 4 * high).and(0x0f);
        return ((FloatVector) q.convert(VectorOperators.I2F, 0)).mul(dj).sub(mj);
    }

    // ---- Q6_K: 210-byte super-blocks {uint8 ql[128]; uint8 qh[64]; int8 scales[16]; f16 d} -----

    static float q6_K(MemorySegment w, long wOff, MemorySegment x, long xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < n / 256; b++) {
            long blk = wOff + 210L * b;
            long xb = xOff + 1024L * b;
            float d = Decode.scale(w, blk + 208);
            for (int h = 0; h < 2; h++) {
                long ql = blk + 64L * h, qh = blk + 128 + 32L * h, sc = blk + 192 + 8L * h;
                long xh = xb + 4L * 128 * h;
                for (int l = 0; l < 32; l += L) {
                    IntVector top = bytes(w, qh, l);
                    // One call site per step keeps the method within C2's inlining budget: past it,
                    // calls are left un-inlined and every vector they pass is boxed.
                    for (int k = 0; k < 4; k++) {
                        FloatVector wv = six(w, ql, top, k, l, d * scale(w, sc + l / 16 + 2 * k));
                        acc = wv.fma(Decode.f32(x, xh + 4L * (32 * k + l)), acc);
                    }
                }
            }
        }
        return VMath.sum(acc);
    }

    static void q6_Kx4(MemorySegment w, long wOff, MemorySegment x, long xOff, long xStride, int n, float[] out) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < n / 256; b++) {
            long blk = wOff + 210L * b;
            long xb = xOff + 1024L * b;
            float d = Decode.scale(w, blk + 208);
            for (int h = 0; h < 2; h++) {
                long ql = blk + 64L * h, qh = blk + 128 + 32L * h, sc = blk + 192 + 8L * h;
                long xh = xb + 4L * 128 * h;
                for (int l = 0; l < 32; l += L) {
                    IntVector top = bytes(w, qh, l);
                    for (int k = 0; k < 4; k++) {
                        FloatVector wv = six(w, ql, top, k, l, d * scale(w, sc + l / 16 + 2 * k));
                        long xi = xh + 4L * (32 * k + l);
                        a0 = wv.fma(Decode.f32(x, xi), a0);
                        a1 = wv.fma(Decode.f32(x, xi + xStride), a1);
                        a2 = wv.fma(Decode.f32(x, xi + 2 * xStride), a2);
                        a3 = wv.fma(Decode.f32(x, xi + 3 * xStride), a3);
                    }
                }
            }
        }
        Dot.reduce4(a0, a1, a2, a3, out);
    }

    /**
     * Values {@code 32k + l .. 32k + l + L-1} of a Q6_K half-block, times {@code dsc}: the low
     * (k = 0, 1) or high (k = 2, 3) nibbles of {@code ql[32·(k & 1) + l ..]}, with bits
     * {@code 2k, 2k+1} of {@code qh[l ..]} ({@code top}) on top, minus 32 — rounded as Dequantize does.
     */
    private static FloatVector six(MemorySegment w, long ql, IntVector top, int k, int l, float dsc) {
        IntVector nibble = bytes(w, ql + 32L * (k & 1), l).lanewise(VectorOperators.LSHR, 4 * (k >> 1)).and(0x0f);
        IntVector q = nibble.or(top.lanewise(VectorOperators.LSHR, 2 * k).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
        return ((FloatVector) q.convert(VectorOperators.I2F, 0)).mul(dsc);
    }

    private static float scale(MemorySegment w, long at) {
        return w.get(ValueLayout.JAVA_BYTE, at);
    }

    // ---- helpers --------------------------------------------------------------------------

    /**
     * Unsigned bytes {@code at+j .. at+j+L-1} widened to int lanes. Nibbles are split in 32-bit lanes
     * because x86 has no byte-lane shifts. When a byte vector has more than L lanes, whole byte vectors
     * are loaded aligned within the 32-byte group (so never past it) and the wanted part widened.
     */
    private static IntVector bytes(MemorySegment seg, long at, int j) {
        if (Simd.BYTE_LANES_MATCH) { // part 0 as a constant: a computed part number defeats the intrinsic
            return (IntVector) ByteVector.fromMemorySegment(B, seg, at + j, Decode.LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
        }
        int base = j & -B.length();
        return (IntVector) ByteVector.fromMemorySegment(B, seg, at + base, Decode.LE)
                .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, (j - base) / L);
    }
}
