package dev.skipllama.tensor.cpu;

import static dev.skipllama.tensor.cpu.Simd.F;
import static dev.skipllama.tensor.cpu.Simd.I;
import static dev.skipllama.tensor.cpu.Simd.S;
import static dev.skipllama.tensor.cpu.Simd.SW;
import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;

import dev.skipllama.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The integer kernels over {@link Packing}'s tiles: one call computes one slice ({@link Simd#L} rows)
 * of a 16-row group against one quantized activation row, and stores the L results.
 *
 * <p><b>How a lane sums a block.</b> Each 32-bit lane is one weight row. Its low 16 bits meet values
 * 0..15 of a 32-value unit and its high 16 bits values 16..31; an activation pair (see
 * {@link QuantizedActivations}) broadcast to every lane multiplies both halves at once
 * ({@code vpmullw}) and 16-bit additions collect the products. Every product and partial sum is an
 * integer whose true total fits in 16 bits (checked per dtype below), so even where an intermediate
 * addition wraps the final 16-bit sum is exact. One sign-extending split then gives the lane's
 * 32-bit block sum — no horizontal sums and no lane-crossing conversions, which is what limited the
 * float kernels — and the block's float scaling follows {@link dev.skipllama.tensor.quant.QuantDot}
 * operation by operation, so results equal the reference bit for bit at every vector width.
 *
 * <p>Bounds per 16-bit lane: 4-bit quants 16 · 15 · 127 = 30480; Q5_0/Q5_K as signed {@code q − 16},
 * 16 · 16 · 127 = 32512; Q6_K's {@code q − 32} eight products, 8 · 32 · 127 = 32512; Q8_0 two
 * products, 2 · 128 · 127 = 32512 — all within ±32767.
 *
 * <p>Written as short loops rather than unrolled: C2 stops inlining the Vector API's calls once a
 * method's parse-time node count passes its budget, and then boxes every vector.
 */
final class PackedKernels {
    private PackedKernels() {
    }

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /**
     * Slice of group ({@code lane}: byte offset of the slice's lanes in a 64-byte quant vector) times
     * activation row {@code r} of {@code a}, stored as L floats at {@code at} of {@code out}.
     *
     * @param g0 byte offset of the group's first tile
     * @param nb blocks per row (of 32, or of 256 for the K-quants)
     */
    static void dot(DType t, MemorySegment w, long g0, int nb, int lane, QuantizedActivations a, int r,
                    MemorySegment out, long at) {
        // Each kernel stores its own result: a vector returned from a call that is not inlined is boxed,
        // and C2 then boxes the loop's accumulator on every iteration.
        switch (t) {
            case Q8_0 -> q8_0(w, g0, nb, lane, a, r, out, at);
            case Q4_0 -> q4_0(w, g0, nb, lane, a, r, out, at);
            case Q4_1 -> q4_1(w, g0, nb, lane, a, r, out, at);
            case Q5_0 -> q5_0(w, g0, nb, lane, a, r, out, at);
            case Q4_K -> q4_K(w, g0, nb, lane, a, r, out, at);
            case Q5_K -> q5_K(w, g0, nb, lane, a, r, out, at);
            case Q6_K -> q6_K(w, g0, nb, lane, a, r, out, at);
            case F32, F16, BF16 -> throw new IllegalArgumentException(t + " has no packed kernel");
        }
    }

    // ---- helpers ---------------------------------------------------------------------------

    /** Activation pair {@code i} in every lane. */
    private static ShortVector pair(int[] pairs, int i) {
        return IntVector.broadcast(I, pairs[i]).reinterpretAsShorts();
    }

    private static ShortVector quants(MemorySegment w, long at) {
        return ShortVector.fromMemorySegment(SW, w, at, LE);
    }

    private static FloatVector floats(MemorySegment w, long at) {
        return FloatVector.fromMemorySegment(F, w, at, LE);
    }

    private static IntVector ints(MemorySegment w, long at) {
        return IntVector.fromMemorySegment(I, w, at, LE);
    }

    /** Low and high 16-bit halves of each lane, sign-extended and added: the lane's 32-bit sum. */
    private static IntVector widen(ShortVector s) {
        IntVector v = s.reinterpretAsInts();
        return v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16));
    }

    private static IntVector low(ShortVector s) {
        return s.reinterpretAsInts().lanewise(LSHL, 16).lanewise(ASHR, 16);
    }

    private static IntVector high(ShortVector s) {
        return s.reinterpretAsInts().lanewise(ASHR, 16);
    }

    private static FloatVector toFloat(IntVector v) {
        return (FloatVector) v.convert(VectorOperators.I2F, 0);
    }

    /**
     * L F16 values at {@code at} as floats, exact for every finite half: the half's exponent and
     * mantissa placed in a float's, times 2^112 (a subnormal half lands on a subnormal float and is
     * scaled exactly too). Infinite and NaN scales are refused when a weight is packed.
     */
    private static FloatVector halves(MemorySegment w, long at) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, at, LE).convertShape(VectorOperators.S2I, I, 0);
        IntVector bits = h.and(0x7fff).lanewise(LSHL, 13).or(h.and(0x8000).lanewise(LSHL, 16));
        return bits.reinterpretAsFloats().mul(0x1p112f);
    }

    /** Σ over the four nibbles t of each 16-bit half: nibble · pair(p + t). */
    private static ShortVector nibbles(ShortVector q, int[] pairs, int p) {
        ShortVector s = ShortVector.zero(SW);
        for (int t = 0; t < 4; t++) {
            s = s.add(q.lanewise(LSHR, 4 * t).and((short) 0xf).mul(pair(pairs, p + t)));
        }
        return s;
    }

    /**
     * As {@link #nibbles} with a fifth bit: value {@code nibble − 16·h̄} where {@code hbar} holds the
     * complemented fifth bit of slot s at bit s of each half; slots {@code s0 .. s0 + 3}.
     */
    private static ShortVector fives(ShortVector q, IntVector hbar, int s0, int[] pairs, int p) {
        ShortVector s = ShortVector.zero(SW);
        for (int t = 0; t < 4; t++) {
            ShortVector sixteen = hbar.lanewise(LSHR, s0 + t).and(0x00010001).lanewise(LSHL, 4).reinterpretAsShorts();
            s = s.add(q.lanewise(LSHR, 4 * t).and((short) 0xf).sub(sixteen).mul(pair(pairs, p + t)));
        }
        return s;
    }

    /** Byte k (0..3) of each lane, unsigned. */
    private static IntVector byteOf(IntVector v, int k) {
        return v.lanewise(LSHR, 8 * k).and(0xff);
    }

    // ---- 32-value blocks ---------------------------------------------------------------------

    private static void q8_0(MemorySegment w, long g0, int nb, int lane, QuantizedActivations a, int r, MemorySegment out, long at) {
        int[] pairs = a.pairs;
        float[] d = a.d;
        int p0 = r * a.pairsPerRow(), b0 = r * a.blocksPerRow();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long t = g0 + 544L * b;
            int p = p0 + 16 * b;
            IntVector sumi = IntVector.zero(I);
            for (int m = 0; m < 8; m++) {
                ShortVector q = quants(w, t + 64L * m + lane);
                ShortVector even = q.lanewise(LSHL, 8).lanewise(ASHR, 8), odd = q.lanewise(ASHR, 8);
                sumi = sumi.add(widen(even.mul(pair(pairs, p + 2 * m)).add(odd.mul(pair(pairs, p + 2 * m + 1)))));
            }
            acc = toFloat(sumi).fma(halves(w, t + 512 + lane / 2).mul(d[b0 + b]), acc);
        }
        acc.intoMemorySegment(out, at, LE);
    }

    private static void q4_0(MemorySegment w, long g0, int nb, int lane, QuantizedActivations a, int r, MemorySegment out, long at) {
        int[] pairs = a.pairs, sum = a.sum;
        float[] d = a.d;
        int p0 = r * a.pairsPerRow(), b0 = r * a.blocksPerRow();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long t = g0 + 288L * b;
            ShortVector s = ShortVector.zero(SW);
            for (int m = 0; m < 4; m++) {
                s = s.add(nibbles(quants(w, t + 64L * m + lane), pairs, p0 + 16 * b + 4 * m));
            }
            IntVector sumi = widen(s).sub(8 * sum[b0 + b]); // Σ (q − 8)·y = Σ q·y − 8·Σy
            acc = toFloat(sumi).fma(halves(w, t + 256 + lane / 2).mul(d[b0 + b]), acc);
        }
        acc.intoMemorySegment(out, at, LE);
    }

    private static void q4_1(MemorySegment w, long g0, int nb, int lane, QuantizedActivations a, int r, MemorySegment out, long at) {
        int[] pairs = a.pairs;
        float[] d = a.d, sx = a.s;
        int p0 = r * a.pairsPerRow(), b0 = r * a.blocksPerRow();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long t = g0 + 320L * b;
            ShortVector s = ShortVector.zero(SW);
            for (int m = 0; m < 4; m++) {
                s = s.add(nibbles(quants(w, t + 64L * m + lane), pairs, p0 + 16 * b + 4 * m));
            }
            FloatVector mins = halves(w, t + 288 + lane / 2).mul(sx[b0 + b]);
            acc = acc.add(toFloat(widen(s)).fma(halves(w, t + 256 + lane / 2).mul(d[b0 + b]), mins));
        }
        acc.intoMemorySegment(out, at, LE);
    }

    private static void q5_0(MemorySegment w, long g0, int nb, int lane, QuantizedActivations a, int r, MemorySegment out, long at) {
        int[] pairs = a.pairs;
        float[] d = a.d;
        int p0 = r * a.pairsPerRow(), b0 = r * a.blocksPerRow();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long t = g0 + 352L * b;
            IntVector hbar = ints(w, t + 256 + lane);
            ShortVector s = ShortVector.zero(SW);
            for (int m = 0; m < 4; m++) {
                s = s.add(fives(quants(w, t + 64L * m + lane), hbar, 4 * m, pairs, p0 + 16 * b + 4 * m));
            }
            acc = toFloat(widen(s)).fma(halves(w, t + 320 + lane / 2).mul(d[b0 + b]), acc);
        }
        acc.intoMemorySegment(out, at, LE);
    }

    // ---- 256-value super-blocks --------------------------------------------------------------

    // Q4_K and Q5_K are written out twice rather than sharing a method with a flag, and with their
    // sub-block loop in the kernel itself: C2 parses every inlined body, and past its node budget it
    // leaves the remaining Vector API calls as real calls with boxed vectors (3-5x slower).

    private static void q4_K(MemorySegment w, long g0, int nb, int lane, QuantizedActivations a, int r, MemorySegment out, long at) {
        int[] pairs = a.pairs, sum = a.sum;
        float[] d = a.d;
        int p0 = r * a.pairsPerRow(), b0 = r * a.blocksPerRow(), s0 = r * a.groupsPerRow();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long t = g0 + 2432L * b;
            IntVector isum = IntVector.zero(I), msum = IntVector.zero(I);
            for (int j = 0; j < 8; j++) {
                long scales = t + 2048 + 64L * (j >> 2) + lane; // sc_j is byte j & 3 of the lane, m_j 128 bytes on
                int p = p0 + 16 * (8 * b + j);
                ShortVector s = ShortVector.zero(SW);
                for (int m = 0; m < 4; m++) {
                    s = s.add(nibbles(quants(w, t + 256L * j + 64L * m + lane), pairs, p + 4 * m));
                }
                isum = isum.add(widen(s).mul(byteOf(ints(w, scales), j & 3)));
                msum = msum.add(byteOf(ints(w, scales + 128), j & 3).mul(sum[s0 + 8 * b + j]));
            }
            float dx = d[b0 + b];
            acc = toFloat(isum).fma(floats(w, t + 2304 + lane).mul(dx), acc);
            acc = toFloat(msum).neg().fma(floats(w, t + 2368 + lane).mul(dx), acc);
        }
        acc.intoMemorySegment(out, at, LE);
    }

    private static void q5_K(MemorySegment w, long g0, int nb, int lane, QuantizedActivations a, int r, MemorySegment out, long at) {
        int[] pairs = a.pairs, sum = a.sum;
        float[] d = a.d;
        int p0 = r * a.pairsPerRow(), b0 = r * a.blocksPerRow(), s0 = r * a.groupsPerRow();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long t = g0 + 2944L * b;
            IntVector isum = IntVector.zero(I), msum = IntVector.zero(I);
            for (int j = 0; j < 8; j++) {
                long scales = t + 2560 + 64L * (j >> 2) + lane;
                IntVector hbar = ints(w, t + 2048 + 64L * j + lane);
                int p = p0 + 16 * (8 * b + j), ysum = sum[s0 + 8 * b + j];
                ShortVector s = ShortVector.zero(SW);
                for (int m = 0; m < 4; m++) {
                    s = s.add(fives(quants(w, t + 256L * j + 64L * m + lane), hbar, 4 * m, pairs, p + 4 * m));
                }
                isum = isum.add(widen(s).add(16 * ysum).mul(byteOf(ints(w, scales), j & 3))); // Σ q·y = Σ (q − 16)·y + 16·Σy
                msum = msum.add(byteOf(ints(w, scales + 128), j & 3).mul(ysum));
            }
            float dx = d[b0 + b];
            acc = toFloat(isum).fma(floats(w, t + 2816 + lane).mul(dx), acc);
            acc = toFloat(msum).neg().fma(floats(w, t + 2880 + lane).mul(dx), acc);
        }
        acc.intoMemorySegment(out, at, LE);
    }

    /**
     * Q6_K from its signed-byte tiles: per 32-value unit the Q8_0 scheme, but each 16-bit half
     * collects eight products of at most 32 · 127 before it is widened (quant vectors 0-3, then 4-7),
     * and the low halves (sub-block 2u) and high halves (sub-block 2u + 1) take their own scales.
     */
    private static void q6_K(MemorySegment w, long g0, int nb, int lane, QuantizedActivations a, int r, MemorySegment out, long at) {
        int[] pairs = a.pairs;
        float[] d = a.d;
        int p0 = r * a.pairsPerRow(), b0 = r * a.blocksPerRow();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long t = g0 + 4416L * b;
            IntVector isum = IntVector.zero(I);
            for (int u = 0; u < 8; u++) {
                int p = p0 + 16 * (8 * b + u);
                IntVector scales = ints(w, t + 4096 + 64L * (u >> 1) + lane);
                int k = 2 * (u & 1); // signed scale bytes k and k + 1 of the lane: sub-blocks 2u and 2u + 1
                IntVector scA = scales.lanewise(LSHL, 24 - 8 * k).lanewise(ASHR, 24);
                IntVector scB = scales.lanewise(LSHL, 16 - 8 * k).lanewise(ASHR, 24);
                for (int h = 0; h < 2; h++) {
                    ShortVector s = ShortVector.zero(SW);
                    for (int m = 4 * h; m < 4 * h + 4; m++) {
                        ShortVector q = quants(w, t + 512L * u + 64L * m + lane);
                        ShortVector even = q.lanewise(LSHL, 8).lanewise(ASHR, 8), odd = q.lanewise(ASHR, 8);
                        s = s.add(even.mul(pair(pairs, p + 2 * m)).add(odd.mul(pair(pairs, p + 2 * m + 1))));
                    }
                    isum = isum.add(low(s).mul(scA)).add(high(s).mul(scB));
                }
            }
            acc = toFloat(isum).fma(floats(w, t + 4352 + lane).mul(d[b0 + b]), acc);
        }
        acc.intoMemorySegment(out, at, LE);
    }
}
