package dev.skipllama.tensor.cpu;

import static dev.skipllama.tensor.cpu.Decode.F32;
import static dev.skipllama.tensor.cpu.Simd.F;
import static dev.skipllama.tensor.cpu.Simd.I;
import static dev.skipllama.tensor.cpu.Simd.L;
import static dev.skipllama.tensor.cpu.Simd.SW;
import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.EQ;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.NE;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;

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
 * NaNs (exponent 31) get the float exponent 255 instead, by a blend that runs only for a vector that
 * holds one (a test on the raw halves costs three operations; the blend six, on every vector before).
 * BF16 is the top half of a float.
 *
 * <p>Order: one accumulator, per chunk the even products then the odd ones, then the scalar tail.
 * Every kernel here adds, for each (weight row, token row) pair, the products of {@link #f16} (or
 * {@link #bf16}) in that order, so a result does not depend on the batch: batch-invariant.
 */
final class HalfDot {
    private HalfDot() {
    }

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** Lane i takes value 2i of a chunk: from its first vector for i &lt; L/2, its second beyond (see {@link #deinterleave}). */
    private static final VectorShuffle<Float> EVEN = VectorShuffle.fromOp(F, i -> 2 * i);
    /** Lane i takes value 2i + 1 of a chunk. */
    private static final VectorShuffle<Float> ODD = VectorShuffle.fromOp(F, i -> 2 * i + 1);

    /**
     * Copies {@code rows} rows of n floats from {@code x} into {@code dst}, each chunk of 2L
     * deinterleaved: per chunk its even-indexed values, then its odd-indexed ones. Two-vector
     * rearranges; the scalar loop before cost ~2% of a 1B F16 64-token prompt (126 µs for 64 rows of
     * 2048 values, now 46, with scaledCopy; it runs on the calling thread before the workers start).
     */
    static void deinterleave(MemorySegment x, MemorySegment dst, int rows, int n) {
        int whole = n / (2 * L) * (2 * L);
        for (int r = 0; r < rows; r++) {
            long base = 4L * r * n;
            for (int c = 0; c < whole; c += 2 * L) {
                long at = base + 4L * c;
                FloatVector a = FloatVector.fromMemorySegment(F, x, at, LE), b = FloatVector.fromMemorySegment(F, x, at + 4L * L, LE);
                a.rearrange(EVEN, b).intoMemorySegment(dst, at, LE);
                a.rearrange(ODD, b).intoMemorySegment(dst, at + 4L * L, LE);
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
            FloatVector we = even.reinterpretAsFloats().mul(0x1p112f), wo = odd.reinterpretAsFloats().mul(0x1p112f);
            if (v.reinterpretAsShorts().and((short) 0x7c00).compare(EQ, (short) 0x7c00).anyTrue()) { // an infinity or NaN
                we = we.blend(even.or(0x70000000).reinterpretAsFloats(), even.and(0x0f800000).compare(EQ, 0x0f800000).cast(F));
                wo = wo.blend(odd.or(0x70000000).reinterpretAsFloats(), odd.and(0x0f800000).compare(EQ, 0x0f800000).cast(F));
            }
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

    /**
     * {@link #f16}'s bits from activations times 2^112 ({@link #scaledCopy}), or NaN where the row holds
     * an infinity or NaN (then {@link #f16} on the activations as they are is the result). The decoded
     * halves stay at 2^-112 of their value, exact for every finite half (see {@link #f16Tile4x4}), so
     * there is no multiply, and the test for specials is a running 16-bit maximum of the exponent bits,
     * read once at the end instead of a test and branch per vector: 10 vector operations per 2L halves
     * instead of 16. Four chunks per pass, in the same order: with C2's own unrolling the speed
     * depended on where a row starts — JMH-like probe, one thread, 2048-value rows streamed from DRAM,
     * 12 GB/s for rows starting within 64 bytes of a 256-byte boundary against 19 elsewhere (a GGUF's
     * offsets decide which), where this reads 28 at every offset. {@code lanes}: room for L floats.
     */
    static float f16Scaled(MemorySegment w, long wOff, MemorySegment xs, long xOff, int n, float[] lanes) {
        if (!f16ScaledChunks(w, wOff, xs, xOff, n, lanes, 0)) {
            return Float.NaN;
        }
        float s = 0f; // VMath.sum's order, written here (see Dot.f32x4)
        for (int k = 0; k < L; k++) {
            s += lanes[k];
        }
        for (int c = n / (2 * L) * (2 * L); c < n; c++) {
            short h = w.get(Decode.I16, wOff + 2L * c);
            if ((h & 0x7c00) == 0x7c00) {
                return Float.NaN;
            }
            s += Float.float16ToFloat(h) * 0x1p-112f * xs.get(F32, xOff + 4L * c);
        }
        return s;
    }

    /**
     * {@link #f16Scaled}'s whole chunks: the accumulator's L lanes stored at {@code lanes[to..]}, their
     * sum (and the values past the last whole chunk) left to the caller; false where a chunk holds an
     * infinity or NaN. A run of rows then sums sixteen accumulators at once ({@link #sumLanes}),
     * where one row's scalar lane sum was 8% of a one-token 2048² matmul.
     */
    static boolean f16ScaledChunks(MemorySegment w, long wOff, MemorySegment xs, long xOff, int n, float[] lanes, int to) {
        FloatVector acc = FloatVector.zero(F);
        ShortVector exp = ShortVector.zero(SW); // the largest exponent field seen, 0x7c00 for a special
        int c = 0, whole = n / (2 * L) * (2 * L);
        for (; c + 8 * L <= whole; c += 8 * L) {
            long at = wOff + 2L * c, xe = xOff + 4L * c;
            IntVector v0 = IntVector.fromMemorySegment(I, w, at, LE), v1 = IntVector.fromMemorySegment(I, w, at + 4L * L, LE);
            IntVector v2 = IntVector.fromMemorySegment(I, w, at + 8L * L, LE), v3 = IntVector.fromMemorySegment(I, w, at + 12L * L, LE);
            exp = exp.max(v0.reinterpretAsShorts().and((short) 0x7c00)).max(v1.reinterpretAsShorts().and((short) 0x7c00))
                    .max(v2.reinterpretAsShorts().and((short) 0x7c00)).max(v3.reinterpretAsShorts().and((short) 0x7c00));
            acc = v0.lanewise(LSHL, 16).lanewise(ASHR, 3).and(0x8fffe000).reinterpretAsFloats().fma(FloatVector.fromMemorySegment(F, xs, xe, LE), acc);
            acc = v0.lanewise(ASHR, 3).and(0x8fffe000).reinterpretAsFloats().fma(FloatVector.fromMemorySegment(F, xs, xe + 4L * L, LE), acc);
            acc = v1.lanewise(LSHL, 16).lanewise(ASHR, 3).and(0x8fffe000).reinterpretAsFloats().fma(FloatVector.fromMemorySegment(F, xs, xe + 8L * L, LE), acc);
            acc = v1.lanewise(ASHR, 3).and(0x8fffe000).reinterpretAsFloats().fma(FloatVector.fromMemorySegment(F, xs, xe + 12L * L, LE), acc);
            acc = v2.lanewise(LSHL, 16).lanewise(ASHR, 3).and(0x8fffe000).reinterpretAsFloats().fma(FloatVector.fromMemorySegment(F, xs, xe + 16L * L, LE), acc);
            acc = v2.lanewise(ASHR, 3).and(0x8fffe000).reinterpretAsFloats().fma(FloatVector.fromMemorySegment(F, xs, xe + 20L * L, LE), acc);
            acc = v3.lanewise(LSHL, 16).lanewise(ASHR, 3).and(0x8fffe000).reinterpretAsFloats().fma(FloatVector.fromMemorySegment(F, xs, xe + 24L * L, LE), acc);
            acc = v3.lanewise(ASHR, 3).and(0x8fffe000).reinterpretAsFloats().fma(FloatVector.fromMemorySegment(F, xs, xe + 28L * L, LE), acc);
        }
        for (; c < whole; c += 2 * L) {
            IntVector v = IntVector.fromMemorySegment(I, w, wOff + 2L * c, LE);
            exp = exp.max(v.reinterpretAsShorts().and((short) 0x7c00));
            acc = v.lanewise(LSHL, 16).lanewise(ASHR, 3).and(0x8fffe000).reinterpretAsFloats().fma(FloatVector.fromMemorySegment(F, xs, xOff + 4L * c, LE), acc);
            acc = v.lanewise(ASHR, 3).and(0x8fffe000).reinterpretAsFloats().fma(FloatVector.fromMemorySegment(F, xs, xOff + 4L * (c + L), LE), acc);
        }
        acc.intoArray(lanes, to);
        return exp.reduceLanes(jdk.incubator.vector.VectorOperators.MAX) != 0x7c00;
    }

    /**
     * BF16 row at byte {@code wOff} times the deinterleaved activations at byte {@code xOff}, n values.
     * Four chunks per pass, their weights loaded first, in the same order: one chunk per pass streamed
     * 2048-value rows starting within 64 bytes of a 256-byte boundary at 16.5 GB/s against 28 elsewhere
     * (the probe of {@link #f16Scaled}); this reads 26–29 at every offset.
     */
    static float bf16(MemorySegment w, long wOff, MemorySegment x, long xOff, int n, float[] lanes) {
        bf16Chunks(w, wOff, x, xOff, n, lanes, 0);
        float s = 0f; // VMath.sum's order, written here (see Dot.f32x4)
        for (int k = 0; k < L; k++) {
            s += lanes[k];
        }
        for (int c = n / (2 * L) * (2 * L); c < n; c++) {
            s += Float.intBitsToFloat((w.get(Decode.I16, wOff + 2L * c) & 0xffff) << 16) * x.get(F32, xOff + 4L * c);
        }
        return s;
    }

    /** {@link #bf16}'s whole chunks, its accumulator's L lanes stored at {@code lanes[to..]} (as {@link #f16ScaledChunks}). */
    static void bf16Chunks(MemorySegment w, long wOff, MemorySegment x, long xOff, int n, float[] lanes, int to) {
        FloatVector acc = FloatVector.zero(F);
        int c = 0, whole = n / (2 * L) * (2 * L);
        for (; c + 8 * L <= whole; c += 8 * L) {
            long at = wOff + 2L * c, xe = xOff + 4L * c;
            IntVector v0 = IntVector.fromMemorySegment(I, w, at, LE), v1 = IntVector.fromMemorySegment(I, w, at + 4L * L, LE);
            IntVector v2 = IntVector.fromMemorySegment(I, w, at + 8L * L, LE), v3 = IntVector.fromMemorySegment(I, w, at + 12L * L, LE);
            acc = v0.lanewise(LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromMemorySegment(F, x, xe, LE), acc);
            acc = v0.and(0xffff0000).reinterpretAsFloats().fma(FloatVector.fromMemorySegment(F, x, xe + 4L * L, LE), acc);
            acc = v1.lanewise(LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromMemorySegment(F, x, xe + 8L * L, LE), acc);
            acc = v1.and(0xffff0000).reinterpretAsFloats().fma(FloatVector.fromMemorySegment(F, x, xe + 12L * L, LE), acc);
            acc = v2.lanewise(LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromMemorySegment(F, x, xe + 16L * L, LE), acc);
            acc = v2.and(0xffff0000).reinterpretAsFloats().fma(FloatVector.fromMemorySegment(F, x, xe + 20L * L, LE), acc);
            acc = v3.lanewise(LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromMemorySegment(F, x, xe + 24L * L, LE), acc);
            acc = v3.and(0xffff0000).reinterpretAsFloats().fma(FloatVector.fromMemorySegment(F, x, xe + 28L * L, LE), acc);
        }
        for (; c < whole; c += 2 * L) {
            IntVector v = IntVector.fromMemorySegment(I, w, wOff + 2L * c, LE);
            acc = v.lanewise(LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromMemorySegment(F, x, xOff + 4L * c, LE), acc);
            acc = v.and(0xffff0000).reinterpretAsFloats().fma(FloatVector.fromMemorySegment(F, x, xOff + 4L * (c + L), LE), acc);
        }
        acc.intoArray(lanes, to);
    }

    /**
     * One F16 row against {@code rows} (two to four) activation rows {@code xOff + k·xStride}, results
     * in {@code out[0, rows)}: each weight vector decoded once for them (speculative verification, short
     * prompts); per row the operations of {@link #f16}. Fewer than four rows repeat the first in the
     * unused accumulators (computed, not returned: one kernel, no bounds checks in the loop).
     */
    static void f16x4(MemorySegment w, long wOff, MemorySegment x, long xOff, long xStride, int rows, int n, float[] out) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        long x1 = rows > 1 ? xStride : 0, x2 = rows > 2 ? 2 * xStride : 0, x3 = rows > 3 ? 3 * xStride : 0;
        int c = 0;
        for (int whole = n / (2 * L) * (2 * L); c < whole; c += 2 * L) {
            IntVector v = IntVector.fromMemorySegment(I, w, wOff + 2L * c, LE);
            IntVector even = v.lanewise(LSHL, 16).lanewise(ASHR, 3).and(0x8fffe000);
            IntVector odd = v.lanewise(ASHR, 3).and(0x8fffe000);
            FloatVector we = even.reinterpretAsFloats().mul(0x1p112f), wo = odd.reinterpretAsFloats().mul(0x1p112f);
            if (v.reinterpretAsShorts().and((short) 0x7c00).compare(EQ, (short) 0x7c00).anyTrue()) { // an infinity or NaN
                we = we.blend(even.or(0x70000000).reinterpretAsFloats(), even.and(0x0f800000).compare(EQ, 0x0f800000).cast(F));
                wo = wo.blend(odd.or(0x70000000).reinterpretAsFloats(), odd.and(0x0f800000).compare(EQ, 0x0f800000).cast(F));
            }
            long xe = xOff + 4L * c, xo = xe + 4L * L;
            a0 = wo.fma(FloatVector.fromMemorySegment(F, x, xo, LE), we.fma(FloatVector.fromMemorySegment(F, x, xe, LE), a0));
            a1 = wo.fma(FloatVector.fromMemorySegment(F, x, xo + x1, LE), we.fma(FloatVector.fromMemorySegment(F, x, xe + x1, LE), a1));
            a2 = wo.fma(FloatVector.fromMemorySegment(F, x, xo + x2, LE), we.fma(FloatVector.fromMemorySegment(F, x, xe + x2, LE), a2));
            a3 = wo.fma(FloatVector.fromMemorySegment(F, x, xo + x3, LE), we.fma(FloatVector.fromMemorySegment(F, x, xe + x3, LE), a3));
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
            for (int k = 0; k < rows; k++) {
                out[k] += wc * x.get(F32, xOff + k * xStride + 4L * c);
            }
        }
    }

    /** {@link #f16x4} for BF16 weights: per row the operations of {@link #bf16}. */
    static void bf16x4(MemorySegment w, long wOff, MemorySegment x, long xOff, long xStride, int rows, int n, float[] out) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        long x1 = rows > 1 ? xStride : 0, x2 = rows > 2 ? 2 * xStride : 0, x3 = rows > 3 ? 3 * xStride : 0;
        int c = 0;
        for (int whole = n / (2 * L) * (2 * L); c < whole; c += 2 * L) {
            IntVector v = IntVector.fromMemorySegment(I, w, wOff + 2L * c, LE);
            FloatVector we = v.lanewise(LSHL, 16).reinterpretAsFloats(), wo = v.and(0xffff0000).reinterpretAsFloats();
            long xe = xOff + 4L * c, xo = xe + 4L * L;
            a0 = wo.fma(FloatVector.fromMemorySegment(F, x, xo, LE), we.fma(FloatVector.fromMemorySegment(F, x, xe, LE), a0));
            a1 = wo.fma(FloatVector.fromMemorySegment(F, x, xo + x1, LE), we.fma(FloatVector.fromMemorySegment(F, x, xe + x1, LE), a1));
            a2 = wo.fma(FloatVector.fromMemorySegment(F, x, xo + x2, LE), we.fma(FloatVector.fromMemorySegment(F, x, xe + x2, LE), a2));
            a3 = wo.fma(FloatVector.fromMemorySegment(F, x, xo + x3, LE), we.fma(FloatVector.fromMemorySegment(F, x, xe + x3, LE), a3));
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
            for (int k = 0; k < rows; k++) {
                out[k] += wc * x.get(F32, xOff + k * xStride + 4L * c);
            }
        }
    }

    /**
     * Four consecutive F16 weight rows ({@code wRow} bytes apart) against one activation row, results in
     * {@code out[0, 4)}: per row the operations of {@link #f16}, but each activation vector is loaded
     * once for the four. With one row per pass a long row's activations (ffn_down: 8192 floats, all of
     * L1) come from L2 at twice the rate of the weight bytes and ffn_down streamed at ~18 GB/s where
     * the other matrices reached ~29 (OpProfile, 1B F16, 2 threads). With {@code scaled}, from
     * activations times 2^112 as {@link #f16Scaled} is {@link #f16}: false, and {@code out} not to be
     * used, where one of the four rows holds an infinity or NaN in its whole chunks (a tail's special
     * is added as the unscaled kernel adds it).
     */
    static boolean f16Rows4(MemorySegment w, long wOff, long wRow, MemorySegment x, long xOff, int n, float[] out, boolean scaled) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        ShortVector exp = ShortVector.zero(SW); // with scaled: the largest exponent field seen, 0x7c00 for a special
        int c = 0;
        for (int whole = n / (2 * L) * (2 * L); c < whole; c += 2 * L) {
            FloatVector xe = FloatVector.fromMemorySegment(F, x, xOff + 4L * c, LE), xo = FloatVector.fromMemorySegment(F, x, xOff + 4L * (c + L), LE);
            long at = wOff + 2L * c;
            IntVector v0 = IntVector.fromMemorySegment(I, w, at, LE), v1 = IntVector.fromMemorySegment(I, w, at + wRow, LE);
            IntVector v2 = IntVector.fromMemorySegment(I, w, at + 2 * wRow, LE), v3 = IntVector.fromMemorySegment(I, w, at + 3 * wRow, LE);
            IntVector e0 = v0.lanewise(LSHL, 16).lanewise(ASHR, 3).and(0x8fffe000), o0 = v0.lanewise(ASHR, 3).and(0x8fffe000);
            IntVector e1 = v1.lanewise(LSHL, 16).lanewise(ASHR, 3).and(0x8fffe000), o1 = v1.lanewise(ASHR, 3).and(0x8fffe000);
            IntVector e2 = v2.lanewise(LSHL, 16).lanewise(ASHR, 3).and(0x8fffe000), o2 = v2.lanewise(ASHR, 3).and(0x8fffe000);
            IntVector e3 = v3.lanewise(LSHL, 16).lanewise(ASHR, 3).and(0x8fffe000), o3 = v3.lanewise(ASHR, 3).and(0x8fffe000);
            FloatVector we0 = e0.reinterpretAsFloats(), wo0 = o0.reinterpretAsFloats(), we1 = e1.reinterpretAsFloats(), wo1 = o1.reinterpretAsFloats();
            FloatVector we2 = e2.reinterpretAsFloats(), wo2 = o2.reinterpretAsFloats(), we3 = e3.reinterpretAsFloats(), wo3 = o3.reinterpretAsFloats();
            if (scaled) {
                exp = exp.max(v0.reinterpretAsShorts().and((short) 0x7c00)).max(v1.reinterpretAsShorts().and((short) 0x7c00))
                        .max(v2.reinterpretAsShorts().and((short) 0x7c00)).max(v3.reinterpretAsShorts().and((short) 0x7c00));
            } else {
                we0 = we0.mul(0x1p112f);
                wo0 = wo0.mul(0x1p112f);
                we1 = we1.mul(0x1p112f);
                wo1 = wo1.mul(0x1p112f);
                we2 = we2.mul(0x1p112f);
                wo2 = wo2.mul(0x1p112f);
                we3 = we3.mul(0x1p112f);
                wo3 = wo3.mul(0x1p112f);
                if (v0.reinterpretAsShorts().and((short) 0x7c00).compare(EQ, (short) 0x7c00)
                        .or(v1.reinterpretAsShorts().and((short) 0x7c00).compare(EQ, (short) 0x7c00))
                        .or(v2.reinterpretAsShorts().and((short) 0x7c00).compare(EQ, (short) 0x7c00))
                        .or(v3.reinterpretAsShorts().and((short) 0x7c00).compare(EQ, (short) 0x7c00)).anyTrue()) { // an infinity or NaN
                    we0 = we0.blend(e0.or(0x70000000).reinterpretAsFloats(), e0.and(0x0f800000).compare(EQ, 0x0f800000).cast(F));
                    wo0 = wo0.blend(o0.or(0x70000000).reinterpretAsFloats(), o0.and(0x0f800000).compare(EQ, 0x0f800000).cast(F));
                    we1 = we1.blend(e1.or(0x70000000).reinterpretAsFloats(), e1.and(0x0f800000).compare(EQ, 0x0f800000).cast(F));
                    wo1 = wo1.blend(o1.or(0x70000000).reinterpretAsFloats(), o1.and(0x0f800000).compare(EQ, 0x0f800000).cast(F));
                    we2 = we2.blend(e2.or(0x70000000).reinterpretAsFloats(), e2.and(0x0f800000).compare(EQ, 0x0f800000).cast(F));
                    wo2 = wo2.blend(o2.or(0x70000000).reinterpretAsFloats(), o2.and(0x0f800000).compare(EQ, 0x0f800000).cast(F));
                    we3 = we3.blend(e3.or(0x70000000).reinterpretAsFloats(), e3.and(0x0f800000).compare(EQ, 0x0f800000).cast(F));
                    wo3 = wo3.blend(o3.or(0x70000000).reinterpretAsFloats(), o3.and(0x0f800000).compare(EQ, 0x0f800000).cast(F));
                }
            }
            a0 = wo0.fma(xo, we0.fma(xe, a0));
            a1 = wo1.fma(xo, we1.fma(xe, a1));
            a2 = wo2.fma(xo, we2.fma(xe, a2));
            a3 = wo3.fma(xo, we3.fma(xe, a3));
        }
        if (scaled && exp.reduceLanes(jdk.incubator.vector.VectorOperators.MAX) == 0x7c00) {
            return false;
        }
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0; // VMath.sum's order, written here (see f16x4)
        for (int k = 0; k < L; k++) {
            s0 += a0.lane(k);
            s1 += a1.lane(k);
            s2 += a2.lane(k);
            s3 += a3.lane(k);
        }
        for (; c < n; c++) {
            float xc = x.get(F32, xOff + 4L * c) * (scaled ? 0x1p-112f : 1f); // exact: back to the value deinterleave left, as |x| < 2^16
            long at = wOff + 2L * c;
            s0 += Float.float16ToFloat(w.get(Decode.I16, at)) * xc;
            s1 += Float.float16ToFloat(w.get(Decode.I16, at + wRow)) * xc;
            s2 += Float.float16ToFloat(w.get(Decode.I16, at + 2 * wRow)) * xc;
            s3 += Float.float16ToFloat(w.get(Decode.I16, at + 3 * wRow)) * xc;
        }
        out[0] = s0;
        out[1] = s1;
        out[2] = s2;
        out[3] = s3;
        return true;
    }

    /** {@link #f16Rows4} for BF16 weights: per row the operations of {@link #bf16}. */
    static void bf16Rows4(MemorySegment w, long wOff, long wRow, MemorySegment x, long xOff, int n, float[] out) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int c = 0;
        for (int whole = n / (2 * L) * (2 * L); c < whole; c += 2 * L) {
            FloatVector xe = FloatVector.fromMemorySegment(F, x, xOff + 4L * c, LE), xo = FloatVector.fromMemorySegment(F, x, xOff + 4L * (c + L), LE);
            long at = wOff + 2L * c;
            IntVector v0 = IntVector.fromMemorySegment(I, w, at, LE), v1 = IntVector.fromMemorySegment(I, w, at + wRow, LE);
            IntVector v2 = IntVector.fromMemorySegment(I, w, at + 2 * wRow, LE), v3 = IntVector.fromMemorySegment(I, w, at + 3 * wRow, LE);
            a0 = v0.and(0xffff0000).reinterpretAsFloats().fma(xo, v0.lanewise(LSHL, 16).reinterpretAsFloats().fma(xe, a0));
            a1 = v1.and(0xffff0000).reinterpretAsFloats().fma(xo, v1.lanewise(LSHL, 16).reinterpretAsFloats().fma(xe, a1));
            a2 = v2.and(0xffff0000).reinterpretAsFloats().fma(xo, v2.lanewise(LSHL, 16).reinterpretAsFloats().fma(xe, a2));
            a3 = v3.and(0xffff0000).reinterpretAsFloats().fma(xo, v3.lanewise(LSHL, 16).reinterpretAsFloats().fma(xe, a3));
        }
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0; // VMath.sum's order, written here (see f16x4)
        for (int k = 0; k < L; k++) {
            s0 += a0.lane(k);
            s1 += a1.lane(k);
            s2 += a2.lane(k);
            s3 += a3.lane(k);
        }
        for (; c < n; c++) {
            float xc = x.get(F32, xOff + 4L * c);
            long at = wOff + 2L * c;
            s0 += Float.intBitsToFloat((w.get(Decode.I16, at) & 0xffff) << 16) * xc;
            s1 += Float.intBitsToFloat((w.get(Decode.I16, at + wRow) & 0xffff) << 16) * xc;
            s2 += Float.intBitsToFloat((w.get(Decode.I16, at + 2 * wRow) & 0xffff) << 16) * xc;
            s3 += Float.intBitsToFloat((w.get(Decode.I16, at + 3 * wRow) & 0xffff) << 16) * xc;
        }
        out[0] = s0;
        out[1] = s1;
        out[2] = s2;
        out[3] = s3;
    }

    /**
     * Four consecutive F16 weight rows ({@code wRow} bytes apart) against {@code rows} (two to four)
     * activation rows {@code xOff + k·xStride}: {@code out[4j + k]} is weight row j times token row k,
     * per pair the operations of {@link #f16}. Each weight vector is decoded once for the token rows and
     * each activation vector loaded once for the four weight rows: one weight row per pass re-read the
     * activations of every token row for every weight row, from L2 where they outgrow L1 (4 rows of
     * 2048+ floats), and a batch of four cost ~3× one row (JMH, 4096², 2 threads). Fewer than four
     * token rows repeat the first in the unused accumulators (computed, not returned). The lane sums go
     * through {@code lanes} (16·L floats) and are added in {@link #f16}'s order.
     *
     * <p>With {@code scaled}, the four rows hold no infinity or NaN ({@link #f16Finite}) and the
     * activations are times 2^112 ({@link #scaledCopy}): the decoded halves are left at 2^-112
     * of their value, which is exact for every finite half (normal ones land on normal floats,
     * subnormal ones on subnormal floats), so each product is the same real number as {@link #f16}'s
     * and each fused multiply-add rounds it the same way: the same bits, without the 2^112 multiplies
     * and the test for specials in the loop (prompt processing, 1B F16, 2 threads: about a fifth less
     * time). The flag is the same for the whole call, so the loop's tests of it are predicted.
     *
     * <p>With {@code check} (and {@code scaled}) the rows are not known to be finite: the loop keeps the
     * largest exponent field of the four rows' halves, as {@link #f16Rows4} does (0x7c00 for an infinity
     * or NaN), and the tail is tested half by half. A special half
     * makes the call return false without storing: the caller then runs the rows on the activations
     * as they are. Otherwise, and without {@code check}, it returns true.
     */
    static boolean f16Tile4x4(MemorySegment w, long wOff, long wRow, MemorySegment x, long xOff, long xStride, int rows, int n,
                              float[] lanes, float[] out, boolean scaled, boolean check) {
        FloatVector z = FloatVector.zero(F);
        ShortVector exp = ShortVector.zero(SW); // with check: the largest exponent field seen, 0x7c00 for a special
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z, a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z, a30 = z, a31 = z, a32 = z, a33 = z;
        long x1 = rows > 1 ? xStride : 0, x2 = rows > 2 ? 2 * xStride : 0, x3 = rows > 3 ? 3 * xStride : 0;
        int c = 0;
        for (int whole = n / (2 * L) * (2 * L); c < whole; c += 2 * L) {
            long xe = xOff + 4L * c, xo = xe + 4L * L;
            FloatVector e0 = FloatVector.fromMemorySegment(F, x, xe, LE), o0 = FloatVector.fromMemorySegment(F, x, xo, LE);
            FloatVector e1 = FloatVector.fromMemorySegment(F, x, xe + x1, LE), o1 = FloatVector.fromMemorySegment(F, x, xo + x1, LE);
            FloatVector e2 = FloatVector.fromMemorySegment(F, x, xe + x2, LE), o2 = FloatVector.fromMemorySegment(F, x, xo + x2, LE);
            FloatVector e3 = FloatVector.fromMemorySegment(F, x, xe + x3, LE), o3 = FloatVector.fromMemorySegment(F, x, xo + x3, LE);
            long at = wOff + 2L * c;
            IntVector v0 = IntVector.fromMemorySegment(I, w, at, LE), v1 = IntVector.fromMemorySegment(I, w, at + wRow, LE);
            IntVector v2 = IntVector.fromMemorySegment(I, w, at + 2 * wRow, LE), v3 = IntVector.fromMemorySegment(I, w, at + 3 * wRow, LE);
            boolean special = !scaled && v0.reinterpretAsShorts().and((short) 0x7c00).compare(EQ, (short) 0x7c00)
                    .or(v1.reinterpretAsShorts().and((short) 0x7c00).compare(EQ, (short) 0x7c00))
                    .or(v2.reinterpretAsShorts().and((short) 0x7c00).compare(EQ, (short) 0x7c00))
                    .or(v3.reinterpretAsShorts().and((short) 0x7c00).compare(EQ, (short) 0x7c00)).anyTrue(); // an infinity or NaN
            if (check) { // as f16Rows4
                exp = exp.max(v0.reinterpretAsShorts().and((short) 0x7c00)).max(v1.reinterpretAsShorts().and((short) 0x7c00))
                        .max(v2.reinterpretAsShorts().and((short) 0x7c00)).max(v3.reinterpretAsShorts().and((short) 0x7c00));
            }
            IntVector ie = v0.lanewise(LSHL, 16).lanewise(ASHR, 3).and(0x8fffe000), io = v0.lanewise(ASHR, 3).and(0x8fffe000);
            FloatVector we = ie.reinterpretAsFloats(), wo = io.reinterpretAsFloats();
            if (!scaled) {
                we = we.mul(0x1p112f);
                wo = wo.mul(0x1p112f);
            }
            if (special) {
                we = we.blend(ie.or(0x70000000).reinterpretAsFloats(), ie.and(0x0f800000).compare(EQ, 0x0f800000).cast(F));
                wo = wo.blend(io.or(0x70000000).reinterpretAsFloats(), io.and(0x0f800000).compare(EQ, 0x0f800000).cast(F));
            }
            a00 = wo.fma(o0, we.fma(e0, a00));
            a01 = wo.fma(o1, we.fma(e1, a01));
            a02 = wo.fma(o2, we.fma(e2, a02));
            a03 = wo.fma(o3, we.fma(e3, a03));
            ie = v1.lanewise(LSHL, 16).lanewise(ASHR, 3).and(0x8fffe000);
            io = v1.lanewise(ASHR, 3).and(0x8fffe000);
            we = ie.reinterpretAsFloats();
            wo = io.reinterpretAsFloats();
            if (!scaled) {
                we = we.mul(0x1p112f);
                wo = wo.mul(0x1p112f);
            }
            if (special) {
                we = we.blend(ie.or(0x70000000).reinterpretAsFloats(), ie.and(0x0f800000).compare(EQ, 0x0f800000).cast(F));
                wo = wo.blend(io.or(0x70000000).reinterpretAsFloats(), io.and(0x0f800000).compare(EQ, 0x0f800000).cast(F));
            }
            a10 = wo.fma(o0, we.fma(e0, a10));
            a11 = wo.fma(o1, we.fma(e1, a11));
            a12 = wo.fma(o2, we.fma(e2, a12));
            a13 = wo.fma(o3, we.fma(e3, a13));
            ie = v2.lanewise(LSHL, 16).lanewise(ASHR, 3).and(0x8fffe000);
            io = v2.lanewise(ASHR, 3).and(0x8fffe000);
            we = ie.reinterpretAsFloats();
            wo = io.reinterpretAsFloats();
            if (!scaled) {
                we = we.mul(0x1p112f);
                wo = wo.mul(0x1p112f);
            }
            if (special) {
                we = we.blend(ie.or(0x70000000).reinterpretAsFloats(), ie.and(0x0f800000).compare(EQ, 0x0f800000).cast(F));
                wo = wo.blend(io.or(0x70000000).reinterpretAsFloats(), io.and(0x0f800000).compare(EQ, 0x0f800000).cast(F));
            }
            a20 = wo.fma(o0, we.fma(e0, a20));
            a21 = wo.fma(o1, we.fma(e1, a21));
            a22 = wo.fma(o2, we.fma(e2, a22));
            a23 = wo.fma(o3, we.fma(e3, a23));
            ie = v3.lanewise(LSHL, 16).lanewise(ASHR, 3).and(0x8fffe000);
            io = v3.lanewise(ASHR, 3).and(0x8fffe000);
            we = ie.reinterpretAsFloats();
            wo = io.reinterpretAsFloats();
            if (!scaled) {
                we = we.mul(0x1p112f);
                wo = wo.mul(0x1p112f);
            }
            if (special) {
                we = we.blend(ie.or(0x70000000).reinterpretAsFloats(), ie.and(0x0f800000).compare(EQ, 0x0f800000).cast(F));
                wo = wo.blend(io.or(0x70000000).reinterpretAsFloats(), io.and(0x0f800000).compare(EQ, 0x0f800000).cast(F));
            }
            a30 = wo.fma(o0, we.fma(e0, a30));
            a31 = wo.fma(o1, we.fma(e1, a31));
            a32 = wo.fma(o2, we.fma(e2, a32));
            a33 = wo.fma(o3, we.fma(e3, a33));
        }
        a00.intoArray(lanes, 0);
        a01.intoArray(lanes, L);
        a02.intoArray(lanes, 2 * L);
        a03.intoArray(lanes, 3 * L);
        a10.intoArray(lanes, 4 * L);
        a11.intoArray(lanes, 5 * L);
        a12.intoArray(lanes, 6 * L);
        a13.intoArray(lanes, 7 * L);
        a20.intoArray(lanes, 8 * L);
        a21.intoArray(lanes, 9 * L);
        a22.intoArray(lanes, 10 * L);
        a23.intoArray(lanes, 11 * L);
        a30.intoArray(lanes, 12 * L);
        a31.intoArray(lanes, 13 * L);
        a32.intoArray(lanes, 14 * L);
        a33.intoArray(lanes, 15 * L);
        if (check && exp.reduceLanes(jdk.incubator.vector.VectorOperators.MAX) == 0x7c00) {
            return false;
        }
        sumLanes(lanes, out);
        for (; c < n; c++) {
            for (int j = 0; j < 4; j++) {
                short h = w.get(Decode.I16, wOff + j * wRow + 2L * c);
                if (check && (h & 0x7c00) == 0x7c00) {
                    return false;
                }
                float wc = Float.float16ToFloat(h) * (scaled ? 0x1p-112f : 1f);
                for (int k = 0; k < rows; k++) {
                    out[4 * j + k] += wc * x.get(F32, xOff + k * xStride + 4L * c);
                }
            }
        }
        return true;
    }

    /** Whether none of four F16 rows ({@code wRow} bytes apart, n values) holds an infinity or NaN. */
    static boolean f16Finite(MemorySegment w, long wOff, long wRow, int n) {
        for (int j = 0; j < 4; j++) {
            long row = wOff + j * wRow;
            int c = 0;
            var any = ShortVector.zero(SW).compare(NE, (short) 0);
            for (int whole = n / (2 * L) * (2 * L); c < whole; c += 2 * L) {
                any = any.or(ShortVector.fromMemorySegment(SW, w, row + 2L * c, LE).and((short) 0x7c00).compare(EQ, (short) 0x7c00));
            }
            if (any.anyTrue()) {
                return false;
            }
            for (; c < n; c++) {
                if ((w.get(Decode.I16, row + 2L * c) & 0x7c00) == 0x7c00) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * {@code count} floats of {@code src} (activations as {@link #deinterleave} left them) times 2^112
     * into {@code dst}, which is exact; true when every |x| is below 2^16, so that no product with a
     * decoded half overflows (false for a larger value, an infinity or a NaN: then {@code dst} is not
     * to be used). One vector pass over what {@link #deinterleave} wrote.
     */
    static boolean scaledCopy(MemorySegment src, MemorySegment dst, long count) {
        FloatVector max = FloatVector.zero(F);
        long i = 0;
        for (long whole = count / L * L; i < whole; i += L) {
            FloatVector v = FloatVector.fromMemorySegment(F, src, 4 * i, LE);
            max = max.max(v.abs()); // a NaN stays NaN through max, and fails the test below
            v.mul(0x1p112f).intoMemorySegment(dst, 4 * i, LE);
        }
        float m = max.reduceLanes(jdk.incubator.vector.VectorOperators.MAX);
        for (; i < count; i++) {
            float v = src.get(F32, 4 * i);
            m = Math.max(m, Math.abs(v));
            dst.set(F32, 4 * i, v * 0x1p112f);
        }
        return m < 0x1p16f;
    }

    /** {@link #f16Tile4x4} for BF16 weights: per pair the operations of {@link #bf16}. */
    static void bf16Tile4x4(MemorySegment w, long wOff, long wRow, MemorySegment x, long xOff, long xStride, int rows, int n,
                            float[] lanes, float[] out) {
        FloatVector z = FloatVector.zero(F);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z, a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z, a30 = z, a31 = z, a32 = z, a33 = z;
        long x1 = rows > 1 ? xStride : 0, x2 = rows > 2 ? 2 * xStride : 0, x3 = rows > 3 ? 3 * xStride : 0;
        int c = 0;
        for (int whole = n / (2 * L) * (2 * L); c < whole; c += 2 * L) {
            long xe = xOff + 4L * c, xo = xe + 4L * L;
            FloatVector e0 = FloatVector.fromMemorySegment(F, x, xe, LE), o0 = FloatVector.fromMemorySegment(F, x, xo, LE);
            FloatVector e1 = FloatVector.fromMemorySegment(F, x, xe + x1, LE), o1 = FloatVector.fromMemorySegment(F, x, xo + x1, LE);
            FloatVector e2 = FloatVector.fromMemorySegment(F, x, xe + x2, LE), o2 = FloatVector.fromMemorySegment(F, x, xo + x2, LE);
            FloatVector e3 = FloatVector.fromMemorySegment(F, x, xe + x3, LE), o3 = FloatVector.fromMemorySegment(F, x, xo + x3, LE);
            long at = wOff + 2L * c;
            IntVector v = IntVector.fromMemorySegment(I, w, at, LE);
            FloatVector we = v.lanewise(LSHL, 16).reinterpretAsFloats(), wo = v.and(0xffff0000).reinterpretAsFloats();
            a00 = wo.fma(o0, we.fma(e0, a00));
            a01 = wo.fma(o1, we.fma(e1, a01));
            a02 = wo.fma(o2, we.fma(e2, a02));
            a03 = wo.fma(o3, we.fma(e3, a03));
            v = IntVector.fromMemorySegment(I, w, at + wRow, LE);
            we = v.lanewise(LSHL, 16).reinterpretAsFloats();
            wo = v.and(0xffff0000).reinterpretAsFloats();
            a10 = wo.fma(o0, we.fma(e0, a10));
            a11 = wo.fma(o1, we.fma(e1, a11));
            a12 = wo.fma(o2, we.fma(e2, a12));
            a13 = wo.fma(o3, we.fma(e3, a13));
            v = IntVector.fromMemorySegment(I, w, at + 2 * wRow, LE);
            we = v.lanewise(LSHL, 16).reinterpretAsFloats();
            wo = v.and(0xffff0000).reinterpretAsFloats();
            a20 = wo.fma(o0, we.fma(e0, a20));
            a21 = wo.fma(o1, we.fma(e1, a21));
            a22 = wo.fma(o2, we.fma(e2, a22));
            a23 = wo.fma(o3, we.fma(e3, a23));
            v = IntVector.fromMemorySegment(I, w, at + 3 * wRow, LE);
            we = v.lanewise(LSHL, 16).reinterpretAsFloats();
            wo = v.and(0xffff0000).reinterpretAsFloats();
            a30 = wo.fma(o0, we.fma(e0, a30));
            a31 = wo.fma(o1, we.fma(e1, a31));
            a32 = wo.fma(o2, we.fma(e2, a32));
            a33 = wo.fma(o3, we.fma(e3, a33));
        }
        a00.intoArray(lanes, 0);
        a01.intoArray(lanes, L);
        a02.intoArray(lanes, 2 * L);
        a03.intoArray(lanes, 3 * L);
        a10.intoArray(lanes, 4 * L);
        a11.intoArray(lanes, 5 * L);
        a12.intoArray(lanes, 6 * L);
        a13.intoArray(lanes, 7 * L);
        a20.intoArray(lanes, 8 * L);
        a21.intoArray(lanes, 9 * L);
        a22.intoArray(lanes, 10 * L);
        a23.intoArray(lanes, 11 * L);
        a30.intoArray(lanes, 12 * L);
        a31.intoArray(lanes, 13 * L);
        a32.intoArray(lanes, 14 * L);
        a33.intoArray(lanes, 15 * L);
        sumLanes(lanes, out);
        for (; c < n; c++) {
            for (int j = 0; j < 4; j++) {
                float wc = Float.intBitsToFloat((w.get(Decode.I16, wOff + j * wRow + 2L * c) & 0xffff) << 16);
                for (int k = 0; k < rows; k++) {
                    out[4 * j + k] += wc * x.get(F32, xOff + k * xStride + 4L * c);
                }
            }
        }
    }

    /**
     * {@link #f16Tile4x4} for exactly two token rows ({@code out[2j + k]}): half the accumulators, so a
     * pair of rows (speculative verification of one draft) does not pay for four; {@code scaled} as there.
     */
    static void f16Tile4x2(MemorySegment w, long wOff, long wRow, MemorySegment x, long xOff, long xStride, int n,
                           float[] lanes, float[] out, boolean scaled) {
        FloatVector z = FloatVector.zero(F);
        FloatVector a00 = z, a01 = z, a10 = z, a11 = z, a20 = z, a21 = z, a30 = z, a31 = z;
        int c = 0;
        for (int whole = n / (2 * L) * (2 * L); c < whole; c += 2 * L) {
            long xe = xOff + 4L * c, xo = xe + 4L * L;
            FloatVector e0 = FloatVector.fromMemorySegment(F, x, xe, LE), o0 = FloatVector.fromMemorySegment(F, x, xo, LE);
            FloatVector e1 = FloatVector.fromMemorySegment(F, x, xe + xStride, LE), o1 = FloatVector.fromMemorySegment(F, x, xo + xStride, LE);
            long at = wOff + 2L * c;
            IntVector v0 = IntVector.fromMemorySegment(I, w, at, LE), v1 = IntVector.fromMemorySegment(I, w, at + wRow, LE);
            IntVector v2 = IntVector.fromMemorySegment(I, w, at + 2 * wRow, LE), v3 = IntVector.fromMemorySegment(I, w, at + 3 * wRow, LE);
            boolean special = !scaled && v0.reinterpretAsShorts().and((short) 0x7c00).compare(EQ, (short) 0x7c00)
                    .or(v1.reinterpretAsShorts().and((short) 0x7c00).compare(EQ, (short) 0x7c00))
                    .or(v2.reinterpretAsShorts().and((short) 0x7c00).compare(EQ, (short) 0x7c00))
                    .or(v3.reinterpretAsShorts().and((short) 0x7c00).compare(EQ, (short) 0x7c00)).anyTrue(); // an infinity or NaN
            IntVector ie = v0.lanewise(LSHL, 16).lanewise(ASHR, 3).and(0x8fffe000), io = v0.lanewise(ASHR, 3).and(0x8fffe000);
            FloatVector we = ie.reinterpretAsFloats(), wo = io.reinterpretAsFloats();
            if (!scaled) {
                we = we.mul(0x1p112f);
                wo = wo.mul(0x1p112f);
            }
            if (special) {
                we = we.blend(ie.or(0x70000000).reinterpretAsFloats(), ie.and(0x0f800000).compare(EQ, 0x0f800000).cast(F));
                wo = wo.blend(io.or(0x70000000).reinterpretAsFloats(), io.and(0x0f800000).compare(EQ, 0x0f800000).cast(F));
            }
            a00 = wo.fma(o0, we.fma(e0, a00));
            a01 = wo.fma(o1, we.fma(e1, a01));
            ie = v1.lanewise(LSHL, 16).lanewise(ASHR, 3).and(0x8fffe000);
            io = v1.lanewise(ASHR, 3).and(0x8fffe000);
            we = ie.reinterpretAsFloats();
            wo = io.reinterpretAsFloats();
            if (!scaled) {
                we = we.mul(0x1p112f);
                wo = wo.mul(0x1p112f);
            }
            if (special) {
                we = we.blend(ie.or(0x70000000).reinterpretAsFloats(), ie.and(0x0f800000).compare(EQ, 0x0f800000).cast(F));
                wo = wo.blend(io.or(0x70000000).reinterpretAsFloats(), io.and(0x0f800000).compare(EQ, 0x0f800000).cast(F));
            }
            a10 = wo.fma(o0, we.fma(e0, a10));
            a11 = wo.fma(o1, we.fma(e1, a11));
            ie = v2.lanewise(LSHL, 16).lanewise(ASHR, 3).and(0x8fffe000);
            io = v2.lanewise(ASHR, 3).and(0x8fffe000);
            we = ie.reinterpretAsFloats();
            wo = io.reinterpretAsFloats();
            if (!scaled) {
                we = we.mul(0x1p112f);
                wo = wo.mul(0x1p112f);
            }
            if (special) {
                we = we.blend(ie.or(0x70000000).reinterpretAsFloats(), ie.and(0x0f800000).compare(EQ, 0x0f800000).cast(F));
                wo = wo.blend(io.or(0x70000000).reinterpretAsFloats(), io.and(0x0f800000).compare(EQ, 0x0f800000).cast(F));
            }
            a20 = wo.fma(o0, we.fma(e0, a20));
            a21 = wo.fma(o1, we.fma(e1, a21));
            ie = v3.lanewise(LSHL, 16).lanewise(ASHR, 3).and(0x8fffe000);
            io = v3.lanewise(ASHR, 3).and(0x8fffe000);
            we = ie.reinterpretAsFloats();
            wo = io.reinterpretAsFloats();
            if (!scaled) {
                we = we.mul(0x1p112f);
                wo = wo.mul(0x1p112f);
            }
            if (special) {
                we = we.blend(ie.or(0x70000000).reinterpretAsFloats(), ie.and(0x0f800000).compare(EQ, 0x0f800000).cast(F));
                wo = wo.blend(io.or(0x70000000).reinterpretAsFloats(), io.and(0x0f800000).compare(EQ, 0x0f800000).cast(F));
            }
            a30 = wo.fma(o0, we.fma(e0, a30));
            a31 = wo.fma(o1, we.fma(e1, a31));
        }
        a00.intoArray(lanes, 0);
        a01.intoArray(lanes, L);
        a10.intoArray(lanes, 2 * L);
        a11.intoArray(lanes, 3 * L);
        a20.intoArray(lanes, 4 * L);
        a21.intoArray(lanes, 5 * L);
        a30.intoArray(lanes, 6 * L);
        a31.intoArray(lanes, 7 * L);
        sumLanes(lanes, 8, out);
        for (; c < n; c++) {
            for (int j = 0; j < 4; j++) {
                float wc = Float.float16ToFloat(w.get(Decode.I16, wOff + j * wRow + 2L * c)) * (scaled ? 0x1p-112f : 1f);
                for (int k = 0; k < 2; k++) {
                    out[2 * j + k] += wc * x.get(F32, xOff + k * xStride + 4L * c);
                }
            }
        }
    }

    /** {@link #f16Tile4x2} for BF16 weights. */
    static void bf16Tile4x2(MemorySegment w, long wOff, long wRow, MemorySegment x, long xOff, long xStride, int n,
                            float[] lanes, float[] out) {
        FloatVector z = FloatVector.zero(F);
        FloatVector a00 = z, a01 = z, a10 = z, a11 = z, a20 = z, a21 = z, a30 = z, a31 = z;
        int c = 0;
        for (int whole = n / (2 * L) * (2 * L); c < whole; c += 2 * L) {
            long xe = xOff + 4L * c, xo = xe + 4L * L;
            FloatVector e0 = FloatVector.fromMemorySegment(F, x, xe, LE), o0 = FloatVector.fromMemorySegment(F, x, xo, LE);
            FloatVector e1 = FloatVector.fromMemorySegment(F, x, xe + xStride, LE), o1 = FloatVector.fromMemorySegment(F, x, xo + xStride, LE);
            long at = wOff + 2L * c;
            IntVector v = IntVector.fromMemorySegment(I, w, at, LE);
            FloatVector we = v.lanewise(LSHL, 16).reinterpretAsFloats(), wo = v.and(0xffff0000).reinterpretAsFloats();
            a00 = wo.fma(o0, we.fma(e0, a00));
            a01 = wo.fma(o1, we.fma(e1, a01));
            v = IntVector.fromMemorySegment(I, w, at + wRow, LE);
            we = v.lanewise(LSHL, 16).reinterpretAsFloats();
            wo = v.and(0xffff0000).reinterpretAsFloats();
            a10 = wo.fma(o0, we.fma(e0, a10));
            a11 = wo.fma(o1, we.fma(e1, a11));
            v = IntVector.fromMemorySegment(I, w, at + 2 * wRow, LE);
            we = v.lanewise(LSHL, 16).reinterpretAsFloats();
            wo = v.and(0xffff0000).reinterpretAsFloats();
            a20 = wo.fma(o0, we.fma(e0, a20));
            a21 = wo.fma(o1, we.fma(e1, a21));
            v = IntVector.fromMemorySegment(I, w, at + 3 * wRow, LE);
            we = v.lanewise(LSHL, 16).reinterpretAsFloats();
            wo = v.and(0xffff0000).reinterpretAsFloats();
            a30 = wo.fma(o0, we.fma(e0, a30));
            a31 = wo.fma(o1, we.fma(e1, a31));
        }
        a00.intoArray(lanes, 0);
        a01.intoArray(lanes, L);
        a10.intoArray(lanes, 2 * L);
        a11.intoArray(lanes, 3 * L);
        a20.intoArray(lanes, 4 * L);
        a21.intoArray(lanes, 5 * L);
        a30.intoArray(lanes, 6 * L);
        a31.intoArray(lanes, 7 * L);
        sumLanes(lanes, 8, out);
        for (; c < n; c++) {
            for (int j = 0; j < 4; j++) {
                float wc = Float.intBitsToFloat((w.get(Decode.I16, wOff + j * wRow + 2L * c) & 0xffff) << 16);
                for (int k = 0; k < 2; k++) {
                    out[2 * j + k] += wc * x.get(F32, xOff + k * xStride + 4L * c);
                }
            }
        }
    }

    /** {@code out[i]} = the L lanes at {@code lanes[i·L..]} added from 0 in lane order (VMath.sum's), sixteen sums side by side. */
    private static void sumLanes(float[] lanes, float[] out) {
        sumLanes(lanes, 16, out);
    }

    /**
     * {@code out[i]} for {@code i < count} (8 or 16), as {@link #sumLanes(float[], float[])}; {@code lanes}
     * may be overwritten. Each block of L sums is an L × L transpose (log2 L stages of two-vector
     * rearranges), after which lane i of row k is sum i's lane k, and then L vector additions in lane
     * order: the same additions in the same order as one lane after another, a few dozen vector operations where the scalar loop's 16·L dependent loads and
     * additions took a sixth of a 64-row F16 matmul's time (JFR samples on a 2048² matmul).
     */
    static void sumLanes(float[] lanes, int count, float[] out) {
        if (count != 8 && count != 16) {
            throw new IllegalArgumentException(count + " lane sums: the tiles sum 8 or 16");
        }
        if (L == 16) {
            sumLanes16x16(lanes, count, out);
        } else if (L == 8) {
            sumLanes8(lanes, count, out);
        } else { // 4 lanes (Simd's narrowest): 4 × 4 transposes through the array
            for (int b = 0; b < count; b += L) {
                int base = b * L;
                transposeStage(lanes, base, 2, LOW2, HIGH2);
                transposeStage(lanes, base, 1, LOW1, HIGH1);
                FloatVector sum = FloatVector.zero(F);
                for (int k = 0; k < L; k++) {
                    sum = sum.add(FloatVector.fromArray(F, lanes, base + k * L));
                }
                sum.intoArray(out, b);
            }
        }
    }

    /**
     * {@link #sumLanes(float[], int, float[])} for {@code count} (8 or 16) sums at 16 lanes: the 16 × 16
     * transpose in registers, with zero rows past {@code count} (the 4×2 tile's eight sums), and
     * {@code count} lanes stored.
     */
    private static void sumLanes16x16(float[] lanes, int count, float[] out) {
        FloatVector z = FloatVector.zero(F);
        boolean full = count == 16;
        FloatVector v0 = FloatVector.fromArray(F, lanes, 0 * 16);
        FloatVector v1 = FloatVector.fromArray(F, lanes, 1 * 16);
        FloatVector v2 = FloatVector.fromArray(F, lanes, 2 * 16);
        FloatVector v3 = FloatVector.fromArray(F, lanes, 3 * 16);
        FloatVector v4 = FloatVector.fromArray(F, lanes, 4 * 16);
        FloatVector v5 = FloatVector.fromArray(F, lanes, 5 * 16);
        FloatVector v6 = FloatVector.fromArray(F, lanes, 6 * 16);
        FloatVector v7 = FloatVector.fromArray(F, lanes, 7 * 16);
        FloatVector v8 = full ? FloatVector.fromArray(F, lanes, 8 * 16) : z;
        FloatVector v9 = full ? FloatVector.fromArray(F, lanes, 9 * 16) : z;
        FloatVector v10 = full ? FloatVector.fromArray(F, lanes, 10 * 16) : z;
        FloatVector v11 = full ? FloatVector.fromArray(F, lanes, 11 * 16) : z;
        FloatVector v12 = full ? FloatVector.fromArray(F, lanes, 12 * 16) : z;
        FloatVector v13 = full ? FloatVector.fromArray(F, lanes, 13 * 16) : z;
        FloatVector v14 = full ? FloatVector.fromArray(F, lanes, 14 * 16) : z;
        FloatVector v15 = full ? FloatVector.fromArray(F, lanes, 15 * 16) : z;
        FloatVector t;
        t = v0.rearrange(LOW8, v8);
        v8 = v0.rearrange(HIGH8, v8);
        v0 = t;
        t = v1.rearrange(LOW8, v9);
        v9 = v1.rearrange(HIGH8, v9);
        v1 = t;
        t = v2.rearrange(LOW8, v10);
        v10 = v2.rearrange(HIGH8, v10);
        v2 = t;
        t = v3.rearrange(LOW8, v11);
        v11 = v3.rearrange(HIGH8, v11);
        v3 = t;
        t = v4.rearrange(LOW8, v12);
        v12 = v4.rearrange(HIGH8, v12);
        v4 = t;
        t = v5.rearrange(LOW8, v13);
        v13 = v5.rearrange(HIGH8, v13);
        v5 = t;
        t = v6.rearrange(LOW8, v14);
        v14 = v6.rearrange(HIGH8, v14);
        v6 = t;
        t = v7.rearrange(LOW8, v15);
        v15 = v7.rearrange(HIGH8, v15);
        v7 = t;
        t = v0.rearrange(LOW4, v4);
        v4 = v0.rearrange(HIGH4, v4);
        v0 = t;
        t = v1.rearrange(LOW4, v5);
        v5 = v1.rearrange(HIGH4, v5);
        v1 = t;
        t = v2.rearrange(LOW4, v6);
        v6 = v2.rearrange(HIGH4, v6);
        v2 = t;
        t = v3.rearrange(LOW4, v7);
        v7 = v3.rearrange(HIGH4, v7);
        v3 = t;
        t = v8.rearrange(LOW4, v12);
        v12 = v8.rearrange(HIGH4, v12);
        v8 = t;
        t = v9.rearrange(LOW4, v13);
        v13 = v9.rearrange(HIGH4, v13);
        v9 = t;
        t = v10.rearrange(LOW4, v14);
        v14 = v10.rearrange(HIGH4, v14);
        v10 = t;
        t = v11.rearrange(LOW4, v15);
        v15 = v11.rearrange(HIGH4, v15);
        v11 = t;
        t = v0.rearrange(LOW2, v2);
        v2 = v0.rearrange(HIGH2, v2);
        v0 = t;
        t = v1.rearrange(LOW2, v3);
        v3 = v1.rearrange(HIGH2, v3);
        v1 = t;
        t = v4.rearrange(LOW2, v6);
        v6 = v4.rearrange(HIGH2, v6);
        v4 = t;
        t = v5.rearrange(LOW2, v7);
        v7 = v5.rearrange(HIGH2, v7);
        v5 = t;
        t = v8.rearrange(LOW2, v10);
        v10 = v8.rearrange(HIGH2, v10);
        v8 = t;
        t = v9.rearrange(LOW2, v11);
        v11 = v9.rearrange(HIGH2, v11);
        v9 = t;
        t = v12.rearrange(LOW2, v14);
        v14 = v12.rearrange(HIGH2, v14);
        v12 = t;
        t = v13.rearrange(LOW2, v15);
        v15 = v13.rearrange(HIGH2, v15);
        v13 = t;
        t = v0.rearrange(LOW1, v1);
        v1 = v0.rearrange(HIGH1, v1);
        v0 = t;
        t = v2.rearrange(LOW1, v3);
        v3 = v2.rearrange(HIGH1, v3);
        v2 = t;
        t = v4.rearrange(LOW1, v5);
        v5 = v4.rearrange(HIGH1, v5);
        v4 = t;
        t = v6.rearrange(LOW1, v7);
        v7 = v6.rearrange(HIGH1, v7);
        v6 = t;
        t = v8.rearrange(LOW1, v9);
        v9 = v8.rearrange(HIGH1, v9);
        v8 = t;
        t = v10.rearrange(LOW1, v11);
        v11 = v10.rearrange(HIGH1, v11);
        v10 = t;
        t = v12.rearrange(LOW1, v13);
        v13 = v12.rearrange(HIGH1, v13);
        v12 = t;
        t = v14.rearrange(LOW1, v15);
        v15 = v14.rearrange(HIGH1, v15);
        v14 = t;
        FloatVector sum = FloatVector.zero(F);
        sum = sum.add(v0);
        sum = sum.add(v1);
        sum = sum.add(v2);
        sum = sum.add(v3);
        sum = sum.add(v4);
        sum = sum.add(v5);
        sum = sum.add(v6);
        sum = sum.add(v7);
        sum = sum.add(v8);
        sum = sum.add(v9);
        sum = sum.add(v10);
        sum = sum.add(v11);
        sum = sum.add(v12);
        sum = sum.add(v13);
        sum = sum.add(v14);
        sum = sum.add(v15);
        sum.intoArray(out, 0, full ? ALL16 : FIRST8);
    }

    /** {@link #sumLanes(float[], int, float[])} at 8 lanes (AVX2): each block of eight sums an 8×8 transpose in registers. */
    private static void sumLanes8(float[] lanes, int count, float[] out) {
        for (int b = 0; b < count; b += 8) {
            int base = b * 8;
            FloatVector v0 = FloatVector.fromArray(F, lanes, base + 0 * 8);
            FloatVector v1 = FloatVector.fromArray(F, lanes, base + 1 * 8);
            FloatVector v2 = FloatVector.fromArray(F, lanes, base + 2 * 8);
            FloatVector v3 = FloatVector.fromArray(F, lanes, base + 3 * 8);
            FloatVector v4 = FloatVector.fromArray(F, lanes, base + 4 * 8);
            FloatVector v5 = FloatVector.fromArray(F, lanes, base + 5 * 8);
            FloatVector v6 = FloatVector.fromArray(F, lanes, base + 6 * 8);
            FloatVector v7 = FloatVector.fromArray(F, lanes, base + 7 * 8);
            FloatVector t;
            t = v0.rearrange(LOW4, v4);
            v4 = v0.rearrange(HIGH4, v4);
            v0 = t;
            t = v1.rearrange(LOW4, v5);
            v5 = v1.rearrange(HIGH4, v5);
            v1 = t;
            t = v2.rearrange(LOW4, v6);
            v6 = v2.rearrange(HIGH4, v6);
            v2 = t;
            t = v3.rearrange(LOW4, v7);
            v7 = v3.rearrange(HIGH4, v7);
            v3 = t;
            t = v0.rearrange(LOW2, v2);
            v2 = v0.rearrange(HIGH2, v2);
            v0 = t;
            t = v1.rearrange(LOW2, v3);
            v3 = v1.rearrange(HIGH2, v3);
            v1 = t;
            t = v4.rearrange(LOW2, v6);
            v6 = v4.rearrange(HIGH2, v6);
            v4 = t;
            t = v5.rearrange(LOW2, v7);
            v7 = v5.rearrange(HIGH2, v7);
            v5 = t;
            t = v0.rearrange(LOW1, v1);
            v1 = v0.rearrange(HIGH1, v1);
            v0 = t;
            t = v2.rearrange(LOW1, v3);
            v3 = v2.rearrange(HIGH1, v3);
            v2 = t;
            t = v4.rearrange(LOW1, v5);
            v5 = v4.rearrange(HIGH1, v5);
            v4 = t;
            t = v6.rearrange(LOW1, v7);
            v7 = v6.rearrange(HIGH1, v7);
            v6 = t;
            FloatVector sum = FloatVector.zero(F);
            sum = sum.add(v0);
            sum = sum.add(v1);
            sum = sum.add(v2);
            sum = sum.add(v3);
            sum = sum.add(v4);
            sum = sum.add(v5);
            sum = sum.add(v6);
            sum = sum.add(v7);
            sum.intoArray(out, b);
        }
    }

    /**
     * One stage of an L × L transpose of the vectors at {@code lanes[base + i·L]}: vectors i and i + s
     * (for i with bit s clear) exchange their lane blocks of s, by the stage's two shuffles ({@link #stageShuffle}).
     */
    private static void transposeStage(float[] lanes, int base, int s, VectorShuffle<Float> low, VectorShuffle<Float> high) {
        for (int i = 0; i < L; i++) {
            if ((i & s) == 0) {
                FloatVector a = FloatVector.fromArray(F, lanes, base + i * L), b = FloatVector.fromArray(F, lanes, base + (i + s) * L);
                a.rearrange(low, b).intoArray(lanes, base + i * L);
                a.rearrange(high, b).intoArray(lanes, base + (i + s) * L);
            }
        }
    }

    /**
     * A transpose stage's two shuffles for block size s: lane k of the low result is a's lane k where
     * bit s of k is clear, else b's lane k − s; of the high result, a's lane k + s, else b's lane k
     * (indices from L on take the second vector of a two-vector rearrange).
     */
    private static VectorShuffle<Float> stageShuffle(int s, boolean high) {
        return VectorShuffle.fromOp(F, k -> (k & s) == 0 ? (high ? k + s : k) : (high ? L + k : L + k - s));
    }

    /** The first eight lanes and all sixteen (of 16, where {@link #sumLanes16x16} runs). */
    private static final VectorMask<Float> FIRST8 = VectorMask.fromLong(F, 0xffL), ALL16 = VectorMask.fromLong(F, 0xffffL);
    private static final VectorShuffle<Float> LOW1 = stageShuffle(1, false), HIGH1 = stageShuffle(1, true);
    private static final VectorShuffle<Float> LOW2 = stageShuffle(2, false), HIGH2 = stageShuffle(2, true);
    private static final VectorShuffle<Float> LOW4 = stageShuffle(Math.min(4, L / 2), false), HIGH4 = stageShuffle(Math.min(4, L / 2), true);
    private static final VectorShuffle<Float> LOW8 = stageShuffle(Math.min(8, L / 2), false), HIGH8 = stageShuffle(Math.min(8, L / 2), true);
}
