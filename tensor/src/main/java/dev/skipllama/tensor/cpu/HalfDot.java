package dev.skipllama.tensor.cpu;

import static dev.skipllama.tensor.cpu.Decode.F32;
import static dev.skipllama.tensor.cpu.Simd.F;
import static dev.skipllama.tensor.cpu.Simd.I;
import static dev.skipllama.tensor.cpu.Simd.L;
import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.EQ;
import static jdk.incubator.vector.VectorOperators.LSHL;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;

/**
 * F16 and BF16 weight rows against F32 activations, decoded without leaving their 32-bit lanes.
 *
 * <p>A load of {@code 2L} halves seen as L ints holds value {@code 2i} in the low and {@code 2i + 1}
 * in the high 16 bits of lane i. Both are turned into floats in place — the odd ones by masking, the
 * even ones after a 16-bit shift — so no lane-changing widening is needed, which is what made the
 * F16 decode cost ~14 vector operations per 16 weights (the JDK has no vector half-to-float). The
 * activations are deinterleaved to match, once per matmul ({@link #deinterleave}): per chunk of
 * {@code 2L} values, the even-indexed ones, then the odd-indexed ones. Values past the last whole
 * chunk stay in place and are added one by one.
 *
 * <p>An F16 half becomes a float exactly: its bits shifted arithmetically by 3 put the exponent and
 * mantissa where a float's are (the sign smeared into bits the mask clears), and times 2^112 rebias
 * the exponent — a subnormal half lands on a subnormal float and is scaled exactly too; infinities and
 * NaNs (exponent 31) get the float exponent 255 instead. BF16 is the top half of a float.
 *
 * <p>Order: one accumulator, per chunk the even products then the odd ones, then the scalar tail.
 * {@link #f16Panel} and {@link #bf16Panel} decode rows into the same deinterleaved order, so the F32
 * tiles of a batch over the panel add the same products in the same order: batch-invariant.
 */
final class HalfDot {
    private HalfDot() {
    }

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** Copies {@code rows} rows of n floats from {@code x} into {@code dst}, each chunk of 2L deinterleaved. */
    static void deinterleave(MemorySegment x, MemorySegment dst, int rows, int n) {
        int whole = n / (2 * L) * (2 * L);
        for (int r = 0; r < rows; r++) {
            long base = 4L * r * n;
            for (int c = 0; c < whole; c += 2 * L) {
                for (int i = 0; i < L; i++) {
                    dst.set(F32, base + 4L * (c + i), x.get(F32, base + 4L * (c + 2 * i)));
                    dst.set(F32, base + 4L * (c + L + i), x.get(F32, base + 4L * (c + 2 * i + 1)));
                }
            }
            MemorySegment.copy(x, base + 4L * whole, dst, base + 4L * whole, 4L * (n - whole));
        }
    }

    /** F16 row at byte {@code wOff} times the deinterleaved activations at byte {@code xOff}, n values. */
    static float f16(MemorySegment w, long wOff, MemorySegment x, long xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        int c = 0;
        for (int whole = n / (2 * L) * (2 * L); c < whole; c += 2 * L) {
            IntVector v = IntVector.fromMemorySegment(I, w, wOff + 2L * c, LE);
            IntVector even = v.lanewise(LSHL, 16).lanewise(ASHR, 3).and(0x8fffe000);
            IntVector odd = v.lanewise(ASHR, 3).and(0x8fffe000);
            VectorMask<Integer> evenSpecial = even.and(0x0f800000).compare(EQ, 0x0f800000);
            VectorMask<Integer> oddSpecial = odd.and(0x0f800000).compare(EQ, 0x0f800000);
            FloatVector we = even.reinterpretAsFloats().mul(0x1p112f).blend(even.or(0x70000000).reinterpretAsFloats(), evenSpecial.cast(F));
            FloatVector wo = odd.reinterpretAsFloats().mul(0x1p112f).blend(odd.or(0x70000000).reinterpretAsFloats(), oddSpecial.cast(F));
            acc = we.fma(FloatVector.fromMemorySegment(F, x, xOff + 4L * c, LE), acc);
            acc = wo.fma(FloatVector.fromMemorySegment(F, x, xOff + 4L * (c + L), LE), acc);
        }
        float s = 0f; // VMath.sum's order, written here (see Dot.f32x4)
        for (int k = 0; k < L; k++) {
            s += acc.lane(k);
        }
        for (; c < n; c++) {
            s += Float.float16ToFloat(w.get(Decode.I16, wOff + 2L * c)) * x.get(F32, xOff + 4L * c);
        }
        return s;
    }

    /** BF16 row at byte {@code wOff} times the deinterleaved activations at byte {@code xOff}, n values. */
    static float bf16(MemorySegment w, long wOff, MemorySegment x, long xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        int c = 0;
        for (int whole = n / (2 * L) * (2 * L); c < whole; c += 2 * L) {
            IntVector v = IntVector.fromMemorySegment(I, w, wOff + 2L * c, LE);
            acc = v.lanewise(LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromMemorySegment(F, x, xOff + 4L * c, LE), acc);
            acc = v.and(0xffff0000).reinterpretAsFloats().fma(FloatVector.fromMemorySegment(F, x, xOff + 4L * (c + L), LE), acc);
        }
        float s = 0f; // VMath.sum's order, written here (see Dot.f32x4)
        for (int k = 0; k < L; k++) {
            s += acc.lane(k);
        }
        for (; c < n; c++) {
            s += Float.intBitsToFloat((w.get(Decode.I16, wOff + 2L * c) & 0xffff) << 16) * x.get(F32, xOff + 4L * c);
        }
        return s;
    }

    /**
     * One F16 row against four activation rows {@code xOff + k·xStride}: each weight vector decoded once
     * for the four (speculative verification, short prompts); per row the operations of {@link #f16}.
     */
    static void f16x4(MemorySegment w, long wOff, MemorySegment x, long xOff, long xStride, int n, float[] out) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int c = 0;
        for (int whole = n / (2 * L) * (2 * L); c < whole; c += 2 * L) {
            IntVector v = IntVector.fromMemorySegment(I, w, wOff + 2L * c, LE);
            IntVector even = v.lanewise(LSHL, 16).lanewise(ASHR, 3).and(0x8fffe000);
            IntVector odd = v.lanewise(ASHR, 3).and(0x8fffe000);
            VectorMask<Integer> evenSpecial = even.and(0x0f800000).compare(EQ, 0x0f800000);
            VectorMask<Integer> oddSpecial = odd.and(0x0f800000).compare(EQ, 0x0f800000);
            FloatVector we = even.reinterpretAsFloats().mul(0x1p112f).blend(even.or(0x70000000).reinterpretAsFloats(), evenSpecial.cast(F));
            FloatVector wo = odd.reinterpretAsFloats().mul(0x1p112f).blend(odd.or(0x70000000).reinterpretAsFloats(), oddSpecial.cast(F));
            long xe = xOff + 4L * c, xo = xe + 4L * L;
            a0 = wo.fma(FloatVector.fromMemorySegment(F, x, xo, LE), we.fma(FloatVector.fromMemorySegment(F, x, xe, LE), a0));
            a1 = wo.fma(FloatVector.fromMemorySegment(F, x, xo + xStride, LE), we.fma(FloatVector.fromMemorySegment(F, x, xe + xStride, LE), a1));
            a2 = wo.fma(FloatVector.fromMemorySegment(F, x, xo + 2 * xStride, LE), we.fma(FloatVector.fromMemorySegment(F, x, xe + 2 * xStride, LE), a2));
            a3 = wo.fma(FloatVector.fromMemorySegment(F, x, xo + 3 * xStride, LE), we.fma(FloatVector.fromMemorySegment(F, x, xe + 3 * xStride, LE), a3));
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
        for (; c < n; c++) {
            float wc = Float.float16ToFloat(w.get(Decode.I16, wOff + 2L * c));
            for (int k = 0; k < 4; k++) {
                out[k] += wc * x.get(F32, xOff + k * xStride + 4L * c);
            }
        }
    }

    /** {@link #f16x4} for BF16 weights: per row the operations of {@link #bf16}. */
    static void bf16x4(MemorySegment w, long wOff, MemorySegment x, long xOff, long xStride, int n, float[] out) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int c = 0;
        for (int whole = n / (2 * L) * (2 * L); c < whole; c += 2 * L) {
            IntVector v = IntVector.fromMemorySegment(I, w, wOff + 2L * c, LE);
            FloatVector we = v.lanewise(LSHL, 16).reinterpretAsFloats(), wo = v.and(0xffff0000).reinterpretAsFloats();
            long xe = xOff + 4L * c, xo = xe + 4L * L;
            a0 = wo.fma(FloatVector.fromMemorySegment(F, x, xo, LE), we.fma(FloatVector.fromMemorySegment(F, x, xe, LE), a0));
            a1 = wo.fma(FloatVector.fromMemorySegment(F, x, xo + xStride, LE), we.fma(FloatVector.fromMemorySegment(F, x, xe + xStride, LE), a1));
            a2 = wo.fma(FloatVector.fromMemorySegment(F, x, xo + 2 * xStride, LE), we.fma(FloatVector.fromMemorySegment(F, x, xe + 2 * xStride, LE), a2));
            a3 = wo.fma(FloatVector.fromMemorySegment(F, x, xo + 3 * xStride, LE), we.fma(FloatVector.fromMemorySegment(F, x, xe + 3 * xStride, LE), a3));
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
        for (; c < n; c++) {
            float wc = Float.intBitsToFloat((w.get(Decode.I16, wOff + 2L * c) & 0xffff) << 16);
            for (int k = 0; k < 4; k++) {
                out[k] += wc * x.get(F32, xOff + k * xStride + 4L * c);
            }
        }
    }

    /** An F16 row decoded to F32 in the deinterleaved order, for the tiles of a batch (exact, as {@link #f16}). */
    static void f16Panel(MemorySegment w, long wOff, MemorySegment dst, long dstOff, int n) {
        int c = 0;
        for (int whole = n / (2 * L) * (2 * L); c < whole; c += 2 * L) {
            IntVector v = IntVector.fromMemorySegment(I, w, wOff + 2L * c, LE);
            IntVector even = v.lanewise(LSHL, 16).lanewise(ASHR, 3).and(0x8fffe000);
            IntVector odd = v.lanewise(ASHR, 3).and(0x8fffe000);
            VectorMask<Integer> evenSpecial = even.and(0x0f800000).compare(EQ, 0x0f800000);
            VectorMask<Integer> oddSpecial = odd.and(0x0f800000).compare(EQ, 0x0f800000);
            even.reinterpretAsFloats().mul(0x1p112f).blend(even.or(0x70000000).reinterpretAsFloats(), evenSpecial.cast(F))
                    .intoMemorySegment(dst, dstOff + 4L * c, LE);
            odd.reinterpretAsFloats().mul(0x1p112f).blend(odd.or(0x70000000).reinterpretAsFloats(), oddSpecial.cast(F))
                    .intoMemorySegment(dst, dstOff + 4L * (c + L), LE);
        }
        for (; c < n; c++) {
            dst.set(F32, dstOff + 4L * c, Float.float16ToFloat(w.get(Decode.I16, wOff + 2L * c)));
        }
    }

    /** A BF16 row decoded to F32 in the deinterleaved order. */
    static void bf16Panel(MemorySegment w, long wOff, MemorySegment dst, long dstOff, int n) {
        int c = 0;
        for (int whole = n / (2 * L) * (2 * L); c < whole; c += 2 * L) {
            IntVector v = IntVector.fromMemorySegment(I, w, wOff + 2L * c, LE);
            v.lanewise(LSHL, 16).reinterpretAsFloats().intoMemorySegment(dst, dstOff + 4L * c, LE);
            v.and(0xffff0000).reinterpretAsFloats().intoMemorySegment(dst, dstOff + 4L * (c + L), LE);
        }
        for (; c < n; c++) {
            dst.set(F32, dstOff + 4L * c, Float.intBitsToFloat((w.get(Decode.I16, wOff + 2L * c) & 0xffff) << 16));
        }
    }
}
