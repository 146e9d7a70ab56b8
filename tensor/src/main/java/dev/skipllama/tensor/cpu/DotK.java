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
            for (int c = 0; c < 4; c++) {
                float d1 = d * Dequantize.q4_KScale(w, blk + 4, 2 * c), m1 = dmin * Dequantize.q4_KMin(w, blk + 4, 2 * c);
                float d2 = d * Dequantize.q4_KScale(w, blk + 4, 2 * c + 1), m2 = dmin * Dequantize.q4_KMin(w, blk + 4, 2 * c + 1);
                long qs = blk + 16 + 32L * c;
                long xc = xb + 4L * 64 * c;
                for (int l = 0; l < 32; l += L) {
                    IntVector q = bytes(w, qs, l);
                    acc = lowNibble(q, d1, m1).fma(Decode.f32(x, xc + 4L * l), acc);
                    acc = highNibble(q, d2, m2).fma(Decode.f32(x, xc + 4L * (32 + l)), acc);
                }
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    static void q4_Kx4(MemorySegment w, long wOff, MemorySegment x, long xOff, long xStride, int n, float[] out) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < n / 256; b++) {
            long blk = wOff + 144L * b;
            long xb = xOff + 1024L * b;
            float d = Decode.scale(w, blk), dmin = Decode.scale(w, blk + 2);
            for (int c = 0; c < 4; c++) {
                float d1 = d * Dequantize.q4_KScale(w, blk + 4, 2 * c), m1 = dmin * Dequantize.q4_KMin(w, blk + 4, 2 * c);
                float d2 = d * Dequantize.q4_KScale(w, blk + 4, 2 * c + 1), m2 = dmin * Dequantize.q4_KMin(w, blk + 4, 2 * c + 1);
                long qs = blk + 16 + 32L * c;
                long xc = xb + 4L * 64 * c;
                for (int l = 0; l < 32; l += L) {
                    IntVector q = bytes(w, qs, l);
                    FloatVector lo = lowNibble(q, d1, m1), hi = highNibble(q, d2, m2);
                    long xl = xc + 4L * l, xh = xc + 4L * (32 + l);
                    a0 = hi.fma(Decode.f32(x, xh), lo.fma(Decode.f32(x, xl), a0));
                    a1 = hi.fma(Decode.f32(x, xh + xStride), lo.fma(Decode.f32(x, xl + xStride), a1));
                    a2 = hi.fma(Decode.f32(x, xh + 2 * xStride), lo.fma(Decode.f32(x, xl + 2 * xStride), a2));
                    a3 = hi.fma(Decode.f32(x, xh + 3 * xStride), lo.fma(Decode.f32(x, xl + 3 * xStride), a3));
                }
            }
        }
        reduce4(a0, a1, a2, a3, out);
    }

    /** {@code d1·(q & 0xF) − m1}: two roundings, as Dequantize does (no fused multiply-add). */
    private static FloatVector lowNibble(IntVector q, float d1, float m1) {
        return ((FloatVector) q.and(0x0f).convert(VectorOperators.I2F, 0)).mul(d1).sub(m1);
    }

    private static FloatVector highNibble(IntVector q, float d2, float m2) {
        return ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).and(0x0f).convert(VectorOperators.I2F, 0)).mul(d2).sub(m2);
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
                    int is = l / 16;
                    IntVector lo = bytes(w, ql, l), hi = bytes(w, ql + 32, l), top = bytes(w, qh, l);
                    acc = six(lo.and(0x0f), top, 0, d * scale(w, sc + is)).fma(Decode.f32(x, xh + 4L * l), acc);
                    acc = six(hi.and(0x0f), top, 2, d * scale(w, sc + is + 2)).fma(Decode.f32(x, xh + 4L * (32 + l)), acc);
                    acc = six(lo.lanewise(VectorOperators.LSHR, 4).and(0x0f), top, 4, d * scale(w, sc + is + 4))
                            .fma(Decode.f32(x, xh + 4L * (64 + l)), acc);
                    acc = six(hi.lanewise(VectorOperators.LSHR, 4).and(0x0f), top, 6, d * scale(w, sc + is + 6))
                            .fma(Decode.f32(x, xh + 4L * (96 + l)), acc);
                }
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
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
                    int is = l / 16;
                    IntVector lo = bytes(w, ql, l), hi = bytes(w, ql + 32, l), top = bytes(w, qh, l);
                    for (int k = 0; k < 4; k++) {
                        IntVector nib = (k & 1) == 0 ? lo : hi;
                        FloatVector wv = six((k < 2 ? nib : nib.lanewise(VectorOperators.LSHR, 4)).and(0x0f), top, 2 * k,
                                d * scale(w, sc + is + 2 * k));
                        long xi = xh + 4L * (32 * k + l);
                        a0 = wv.fma(Decode.f32(x, xi), a0);
                        a1 = wv.fma(Decode.f32(x, xi + xStride), a1);
                        a2 = wv.fma(Decode.f32(x, xi + 2 * xStride), a2);
                        a3 = wv.fma(Decode.f32(x, xi + 3 * xStride), a3);
                    }
                }
            }
        }
        reduce4(a0, a1, a2, a3, out);
    }

    /** {@code (d·sc)·(nibble | ((top >> shift) & 3) << 4) − 32)}, the Q6_K value, rounded as Dequantize does. */
    private static FloatVector six(IntVector nibble, IntVector top, int shift, float dsc) {
        IntVector q = nibble.or(top.lanewise(VectorOperators.LSHR, shift).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
        return ((FloatVector) q.convert(VectorOperators.I2F, 0)).mul(dsc);
    }

    private static float scale(MemorySegment w, long at) {
        return w.get(ValueLayout.JAVA_BYTE, at);
    }

    // ---- helpers --------------------------------------------------------------------------

    /**
     * Unsigned bytes {@code at+j .. at+j+L-1} widened to int lanes. Nibbles are split in 32-bit lanes
     * because x86 has no byte-lane shifts. Loads whole byte vectors aligned within the 32-byte group,
     * so they never reach past it.
     */
    private static IntVector bytes(MemorySegment seg, long at, int j) {
        int base = j & -B.length();
        return ((IntVector) ByteVector.fromMemorySegment(B, seg, at + base, Decode.LE)
                .convertShape(VectorOperators.B2I, I, (j - base) / L)).and(0xff);
    }

    private static void reduce4(FloatVector a0, FloatVector a1, FloatVector a2, FloatVector a3, float[] out) {
        out[0] = a0.reduceLanes(VectorOperators.ADD);
        out[1] = a1.reduceLanes(VectorOperators.ADD);
        out[2] = a2.reduceLanes(VectorOperators.ADD);
        out[3] = a3.reduceLanes(VectorOperators.ADD);
    }
}
