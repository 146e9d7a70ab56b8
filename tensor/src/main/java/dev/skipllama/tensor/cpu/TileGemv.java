package dev.skipllama.tensor.cpu;

import static dev.skipllama.tensor.cpu.Simd.F;
import static dev.skipllama.tensor.cpu.Simd.I;
import static dev.skipllama.tensor.cpu.Simd.S;
import static dev.skipllama.tensor.cpu.Simd.SW;
import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.S2I;

import dev.skipllama.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;

/**
 * One activation row against one slice of a 16-row group of {@link Packing}'s tiles: token
 * generation, the case that streams every weight once per token and so must keep up with memory.
 * The arithmetic and its order per row are {@link TileGemm}'s (see there for how a lane sums a
 * block and why the code is written out rather than split into helpers); this is the same with the
 * per-row bookkeeping of a batch left out, which costs a single row up to half its speed. The 4-bit
 * kernels reach the same integer sums without masking nibbles, through the activations' steps
 * ({@link QuantizedActivations#steps}).
 */
final class TileGemv {
    private TileGemv() {
    }

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /**
     * Slice of a group ({@code lane}: byte offset of the slice's lanes in a 64-byte quant vector) times
     * activation row {@code r} of {@code a}, stored as L floats at {@code at} of {@code out}.
     *
     * @param g0 byte offset of the group's first tile
     * @param nb blocks per row (of 32, or of 256 for the K-quants)
     */
    static void dot(DType t, MemorySegment w, long g0, int nb, int lane, QuantizedActivations a, int r, MemorySegment out, long at) {
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

    /**
     * F32 tiles (value k of 16 rows in each 64-byte vector) times one activation row at byte
     * {@code xOff} of {@code x}: per row one fused multiply-add per value, in order, down its lane.
     */
    static void f32(MemorySegment w, long g0, int n, int lane, MemorySegment x, long xOff, MemorySegment out, long at) {
        FloatVector acc = FloatVector.zero(F);
        for (int k = 0; k < n; k++) {
            acc = FloatVector.fromMemorySegment(F, w, g0 + 64L * k + lane, LE).fma(FloatVector.broadcast(F, x.get(Decode.F32, xOff + 4L * k)), acc);
        }
        acc.intoMemorySegment(out, at, LE);
    }

    /**
     * {@link #f32} for four consecutive groups at once (tiles {@code gBytes} apart, outputs 64 bytes
     * apart): the same operations per row, but four independent chains of fused multiply-adds, so the
     * four-cycle latency of each no longer bounds the speed (a row group of a small model is short).
     */
    static void f32x4(MemorySegment w, long g0, long gBytes, int n, int lane, MemorySegment x, long xOff, MemorySegment out, long at) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int k = 0; k < n; k++) {
            FloatVector xk = FloatVector.broadcast(F, x.get(Decode.F32, xOff + 4L * k));
            long t = g0 + 64L * k + lane;
            a0 = FloatVector.fromMemorySegment(F, w, t, LE).fma(xk, a0);
            a1 = FloatVector.fromMemorySegment(F, w, t + gBytes, LE).fma(xk, a1);
            a2 = FloatVector.fromMemorySegment(F, w, t + 2 * gBytes, LE).fma(xk, a2);
            a3 = FloatVector.fromMemorySegment(F, w, t + 3 * gBytes, LE).fma(xk, a3);
        }
        a0.intoMemorySegment(out, at, LE);
        a1.intoMemorySegment(out, at + 64, LE);
        a2.intoMemorySegment(out, at + 128, LE);
        a3.intoMemorySegment(out, at + 192, LE);
    }

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
                ShortVector q = ShortVector.fromMemorySegment(SW, w, t + 64L * m + lane, LE);
                ShortVector even = q.lanewise(LSHL, 8).lanewise(ASHR, 8), odd = q.lanewise(ASHR, 8);
                IntVector v = even.mul(IntVector.broadcast(I, pairs[p + 2 * m]).reinterpretAsShorts())
                        .add(odd.mul(IntVector.broadcast(I, pairs[p + 2 * m + 1]).reinterpretAsShorts())).reinterpretAsInts();
                sumi = sumi.add(v.lanewise(LSHL, 16).lanewise(ASHR, 16)).add(v.lanewise(ASHR, 16));
            }
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, t + 512 + lane / 2, LE).convertShape(S2I, I, 0);
            FloatVector dw = h.lanewise(LSHL, 13).and(0x8fffe000).reinterpretAsFloats(); // d · 2^-112, exactly (see TileGemm)
            acc = ((FloatVector) sumi.convert(I2F, 0)).fma(dw.mul(d[b0 + b] * 0x1p112f), acc);
        }
        acc.intoMemorySegment(out, at, LE);
    }

    /**
     * Q4_0, one group per call whatever the row length. A variant ran two groups per call on rows of
     * more than 4,096 values, each activation step loaded once for both: ffn_down 21 → 27 GB/s on a
     * Zen 4 host, but 21 → 15 GB/s per thread on a Zen 5 one, where it was dropped (bench/README,
     * 2026-12-07 afternoon). The block's four quant vectors are written out: as a loop of four, C2
     * compiled a pre-, main and post-loop with the segment's bounds arithmetic in each, and the written-out
     * block ran 1.30× (1.17-1.30) faster in L2 and 1.34× in L3 on two threads (a probe alternating the
     * two in one process); from DRAM, and in the model's generation, even.
     */
    private static void q4_0(MemorySegment w, long g0, int nb, int lane, QuantizedActivations a, int r, MemorySegment out, long at) {
        int[] steps = a.steps, sum = a.sum;
        float[] d = a.d;
        int p0 = r * a.pairsPerRow(), b0 = r * a.blocksPerRow();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long t = g0 + 288L * b + lane;
            int p = p0 + 16 * b;
            ShortVector q0 = ShortVector.fromMemorySegment(SW, w, t, LE);
            ShortVector q1 = ShortVector.fromMemorySegment(SW, w, t + 64, LE);
            ShortVector q2 = ShortVector.fromMemorySegment(SW, w, t + 128, LE);
            ShortVector q3 = ShortVector.fromMemorySegment(SW, w, t + 192, LE);
            ShortVector s0 = q0.mul(IntVector.broadcast(I, steps[p]).reinterpretAsShorts())
                    .add(q0.lanewise(LSHR, 4).mul(IntVector.broadcast(I, steps[p + 1]).reinterpretAsShorts()))
                    .add(q0.lanewise(LSHR, 8).mul(IntVector.broadcast(I, steps[p + 2]).reinterpretAsShorts()))
                    .add(q0.lanewise(LSHR, 12).mul(IntVector.broadcast(I, steps[p + 3]).reinterpretAsShorts()));
            ShortVector s1 = q1.mul(IntVector.broadcast(I, steps[p + 4]).reinterpretAsShorts())
                    .add(q1.lanewise(LSHR, 4).mul(IntVector.broadcast(I, steps[p + 5]).reinterpretAsShorts()))
                    .add(q1.lanewise(LSHR, 8).mul(IntVector.broadcast(I, steps[p + 6]).reinterpretAsShorts()))
                    .add(q1.lanewise(LSHR, 12).mul(IntVector.broadcast(I, steps[p + 7]).reinterpretAsShorts()));
            ShortVector s2 = q2.mul(IntVector.broadcast(I, steps[p + 8]).reinterpretAsShorts())
                    .add(q2.lanewise(LSHR, 4).mul(IntVector.broadcast(I, steps[p + 9]).reinterpretAsShorts()))
                    .add(q2.lanewise(LSHR, 8).mul(IntVector.broadcast(I, steps[p + 10]).reinterpretAsShorts()))
                    .add(q2.lanewise(LSHR, 12).mul(IntVector.broadcast(I, steps[p + 11]).reinterpretAsShorts()));
            ShortVector s3 = q3.mul(IntVector.broadcast(I, steps[p + 12]).reinterpretAsShorts())
                    .add(q3.lanewise(LSHR, 4).mul(IntVector.broadcast(I, steps[p + 13]).reinterpretAsShorts()))
                    .add(q3.lanewise(LSHR, 8).mul(IntVector.broadcast(I, steps[p + 14]).reinterpretAsShorts()))
                    .add(q3.lanewise(LSHR, 12).mul(IntVector.broadcast(I, steps[p + 15]).reinterpretAsShorts()));
            IntVector v = s0.add(s1).add(s2.add(s3)).reinterpretAsInts();
            IntVector sumi = v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).sub(8 * sum[b0 + b]); // Σ (q − 8)·y
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, t + 256 - lane / 2, LE).convertShape(S2I, I, 0);
            FloatVector dw = h.lanewise(LSHL, 13).and(0x8fffe000).reinterpretAsFloats(); // d · 2^-112, exactly (see TileGemm)
            acc = ((FloatVector) sumi.convert(I2F, 0)).fma(dw.mul(d[b0 + b] * 0x1p112f), acc);
        }
        acc.intoMemorySegment(out, at, LE);
    }

    private static void q4_1(MemorySegment w, long g0, int nb, int lane, QuantizedActivations a, int r, MemorySegment out, long at) {
        int[] steps = a.steps;
        float[] d = a.d, sx = a.s;
        int p0 = r * a.pairsPerRow(), b0 = r * a.blocksPerRow();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long t = g0 + 320L * b;
            ShortVector s = ShortVector.zero(SW);
            for (int m = 0; m < 4; m++) {
                ShortVector q = ShortVector.fromMemorySegment(SW, w, t + 64L * m + lane, LE);
                int p = p0 + 16 * b + 4 * m;
                s = s.add(q.mul(IntVector.broadcast(I, steps[p]).reinterpretAsShorts()))
                        .add(q.lanewise(LSHR, 4).mul(IntVector.broadcast(I, steps[p + 1]).reinterpretAsShorts()))
                        .add(q.lanewise(LSHR, 8).mul(IntVector.broadcast(I, steps[p + 2]).reinterpretAsShorts()))
                        .add(q.lanewise(LSHR, 12).mul(IntVector.broadcast(I, steps[p + 3]).reinterpretAsShorts()));
            }
            IntVector v = s.reinterpretAsInts();
            IntVector sumi = v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16));
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, t + 256 + lane / 2, LE).convertShape(S2I, I, 0);
            FloatVector dw = h.and(0x7fff).lanewise(LSHL, 13).or(h.and(0x8000).lanewise(LSHL, 16)).reinterpretAsFloats().mul(0x1p112f);
            IntVector hm = (IntVector) ShortVector.fromMemorySegment(S, w, t + 288 + lane / 2, LE).convertShape(S2I, I, 0);
            FloatVector mw = hm.and(0x7fff).lanewise(LSHL, 13).or(hm.and(0x8000).lanewise(LSHL, 16)).reinterpretAsFloats().mul(0x1p112f);
            acc = acc.add(((FloatVector) sumi.convert(I2F, 0)).fma(dw.mul(d[b0 + b]), mw.mul(sx[b0 + b])));
        }
        acc.intoMemorySegment(out, at, LE);
    }

    /** Q5_0: a block is one Q5_K sub-block's five word vectors ({@link #q5_K}), scaled as {@link #q4_0}. */
    private static void q5_0(MemorySegment w, long g0, int nb, int lane, QuantizedActivations a, int r, MemorySegment out, long at) {
        int[] quints = a.quints, center = a.center;
        float[] d = a.d;
        int b0 = r * a.blocksPerRow();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long t = g0 + 352L * b;
            int gi = b0 + b;
            ShortVector s = ShortVector.zero(SW);
            for (int i = 0; i < 5; i++) {
                ShortVector q = ShortVector.fromMemorySegment(SW, w, t + 64L * i + lane, LE);
                int p = 20 * gi + 4 * i;
                s = s.add(q.mul(IntVector.broadcast(I, quints[p]).reinterpretAsShorts()))
                        .add(q.lanewise(LSHR, 5).mul(IntVector.broadcast(I, quints[p + 1]).reinterpretAsShorts()))
                        .add(q.lanewise(LSHR, 10).mul(IntVector.broadcast(I, quints[p + 2]).reinterpretAsShorts()))
                        .add(q.lanewise(LSHR, 15).mul(IntVector.broadcast(I, quints[p + 3]).reinterpretAsShorts()));
            }
            IntVector v = s.add(IntVector.broadcast(I, center[gi]).reinterpretAsShorts()).reinterpretAsInts();
            IntVector sumi = v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)); // Σ (q − 16)·y
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, t + 320 + lane / 2, LE).convertShape(S2I, I, 0);
            FloatVector dw = h.lanewise(LSHL, 13).and(0x8fffe000).reinterpretAsFloats(); // d · 2^-112, exactly (see TileGemm)
            acc = ((FloatVector) sumi.convert(I2F, 0)).fma(dw.mul(d[gi] * 0x1p112f), acc);
        }
        acc.intoMemorySegment(out, at, LE);
    }

    private static void q4_K(MemorySegment w, long g0, int nb, int lane, QuantizedActivations a, int r, MemorySegment out, long at) {
        int[] steps = a.steps, sum = a.sum;
        float[] d = a.d;
        int p0 = r * a.pairsPerRow(), b0 = r * a.blocksPerRow(), s0 = r * a.groupsPerRow();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long t = g0 + 2432L * b;
            IntVector isum = IntVector.zero(I), msum = IntVector.zero(I);
            for (int j = 0; j < 8; j++) {
                int p = p0 + 16 * (8 * b + j);
                ShortVector s = ShortVector.zero(SW);
                for (int m = 0; m < 4; m++) {
                    ShortVector q = ShortVector.fromMemorySegment(SW, w, t + Packing.kQuants(false, j) + 64L * m + lane, LE);
                    int pm = p + 4 * m;
                    s = s.add(q.mul(IntVector.broadcast(I, steps[pm]).reinterpretAsShorts()))
                            .add(q.lanewise(LSHR, 4).mul(IntVector.broadcast(I, steps[pm + 1]).reinterpretAsShorts()))
                            .add(q.lanewise(LSHR, 8).mul(IntVector.broadcast(I, steps[pm + 2]).reinterpretAsShorts()))
                            .add(q.lanewise(LSHR, 12).mul(IntVector.broadcast(I, steps[pm + 3]).reinterpretAsShorts()));
                }
                long scales = t + Packing.K_SCALES + 64L * (j >> 2) + lane; // sc_j: byte j & 3 of the lane; m_j 128 bytes on
                IntVector v = s.reinterpretAsInts();
                IntVector sumi = v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16));
                isum = isum.add(sumi.mul(IntVector.fromMemorySegment(I, w, scales, LE).lanewise(LSHR, 8 * (j & 3)).and(0xff)));
                msum = msum.add(IntVector.fromMemorySegment(I, w, scales + 128, LE).lanewise(LSHR, 8 * (j & 3)).and(0xff)
                        .mul(sum[s0 + 8 * b + j]));
            }
            float dx = d[b0 + b];
            acc = ((FloatVector) isum.convert(I2F, 0)).fma(FloatVector.fromMemorySegment(F, w, t + Packing.kD(false) + lane, LE).mul(dx), acc);
            acc = ((FloatVector) msum.convert(I2F, 0)).neg().fma(FloatVector.fromMemorySegment(F, w, t + Packing.kD(false) + 64 + lane, LE).mul(dx), acc);
        }
        acc.intoMemorySegment(out, at, LE);
    }

    /**
     * Q5_K: per sub-block five word vectors, each times its four steps ({@link QuantizedActivations#quints})
     * and shifted by 0, 5, 10 and 15 bits, into 16-bit lanes; with the center {@code −16·Σy}
     * added they hold {@code Σ (q − 16)·y} (|·| ≤ 16·16·127), exact modulo
     * 2^16 and so exact. Measured (OpProfile, 1B Q5_K_M, bench/README 2026-12-07 noon): the previous
     * kernel, nibbles masked and fifth bits subtracted one slot at a time, streamed 12.6–15.8 GB/s.
     */
    private static void q5_K(MemorySegment w, long g0, int nb, int lane, QuantizedActivations a, int r, MemorySegment out, long at) {
        int[] quints = a.quints, center = a.center, sum = a.sum;
        float[] d = a.d;
        int b0 = r * a.blocksPerRow(), s0 = r * a.groupsPerRow();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long t = g0 + 2944L * b;
            IntVector isum = IntVector.zero(I), msum = IntVector.zero(I);
            for (int j = 0; j < 8; j++) {
                int gi = s0 + 8 * b + j, ysum = sum[gi];
                ShortVector s = ShortVector.zero(SW);
                for (int i = 0; i < 5; i++) {
                    ShortVector q = ShortVector.fromMemorySegment(SW, w, t + Packing.kQuants(true, j) + 64L * i + lane, LE);
                    int p = 20 * gi + 4 * i;
                    s = s.add(q.mul(IntVector.broadcast(I, quints[p]).reinterpretAsShorts()))
                            .add(q.lanewise(LSHR, 5).mul(IntVector.broadcast(I, quints[p + 1]).reinterpretAsShorts()))
                            .add(q.lanewise(LSHR, 10).mul(IntVector.broadcast(I, quints[p + 2]).reinterpretAsShorts()))
                            .add(q.lanewise(LSHR, 15).mul(IntVector.broadcast(I, quints[p + 3]).reinterpretAsShorts()));
                }
                long scales = t + Packing.K_SCALES + 64L * (j >> 2) + lane;
                IntVector v = s.add(IntVector.broadcast(I, center[gi]).reinterpretAsShorts()).reinterpretAsInts();
                IntVector sumi = v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).add(16 * ysum); // + 16·Σy
                isum = isum.add(sumi.mul(IntVector.fromMemorySegment(I, w, scales, LE).lanewise(LSHR, 8 * (j & 3)).and(0xff)));
                msum = msum.add(IntVector.fromMemorySegment(I, w, scales + 128, LE).lanewise(LSHR, 8 * (j & 3)).and(0xff).mul(ysum));
            }
            float dx = d[b0 + b];
            acc = ((FloatVector) isum.convert(I2F, 0)).fma(FloatVector.fromMemorySegment(F, w, t + Packing.kD(true) + lane, LE).mul(dx), acc);
            acc = ((FloatVector) msum.convert(I2F, 0)).neg().fma(FloatVector.fromMemorySegment(F, w, t + Packing.kD(true) + 64 + lane, LE).mul(dx), acc);
        }
        acc.intoMemorySegment(out, at, LE);
    }

    /**
     * Q6_K: per 32-value unit two sets of three word vectors ({@link Words#SIX}), each word times
     * its three or four steps ({@link QuantizedActivations#sextets}) shifted by 0, 6, 12 (and 14), into
     * 16-bit lanes per set; with the set's center {@code −32·Σy} added they hold {@code Σ (q − 32)·y}
     * of eight values (|·| ≤ 8·32·127), exact. The low halves (sub-block 2u) and high halves (2u + 1)
     * then take their own scales.
     */
    private static void q6_K(MemorySegment w, long g0, int nb, int lane, QuantizedActivations a, int r, MemorySegment out, long at) {
        int[] st = a.sextets, center = a.center6;
        float[] d = a.d;
        int b0 = r * a.blocksPerRow(), s0 = r * a.groupsPerRow();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long t = g0 + 3392L * b;
            IntVector isum = IntVector.zero(I);
            for (int u = 0; u < 8; u++) {
                int gi = s0 + 8 * b + u, p = 20 * gi;
                IntVector scales = IntVector.fromMemorySegment(I, w, t + Packing.q6KScales(u) + lane, LE);
                int byteA = 2 * (u & 1); // signed scale bytes of sub-blocks 2u and 2u + 1
                IntVector scA = scales.lanewise(LSHL, 24 - 8 * byteA).lanewise(ASHR, 24);
                IntVector scB = scales.lanewise(LSHL, 16 - 8 * byteA).lanewise(ASHR, 24);
                long q0 = t + Packing.q6KWords(u) + lane;
                // set 0 (values 0-7 of each half), then set 1, written out
                ShortVector w0 = ShortVector.fromMemorySegment(SW, w, q0, LE);
                ShortVector w1 = ShortVector.fromMemorySegment(SW, w, q0 + 64, LE);
                ShortVector w2 = ShortVector.fromMemorySegment(SW, w, q0 + 128, LE);
                ShortVector s = w0.mul(IntVector.broadcast(I, st[p]).reinterpretAsShorts())
                        .add(w0.lanewise(LSHR, 6).mul(IntVector.broadcast(I, st[p + 1]).reinterpretAsShorts()))
                        .add(w0.lanewise(LSHR, 12).mul(IntVector.broadcast(I, st[p + 2]).reinterpretAsShorts()))
                        .add(w1.mul(IntVector.broadcast(I, st[p + 3]).reinterpretAsShorts()))
                        .add(w1.lanewise(LSHR, 6).mul(IntVector.broadcast(I, st[p + 4]).reinterpretAsShorts()))
                        .add(w1.lanewise(LSHR, 12).mul(IntVector.broadcast(I, st[p + 5]).reinterpretAsShorts()))
                        .add(w1.lanewise(LSHR, 14).mul(IntVector.broadcast(I, st[p + 6]).reinterpretAsShorts()))
                        .add(w2.mul(IntVector.broadcast(I, st[p + 7]).reinterpretAsShorts()))
                        .add(w2.lanewise(LSHR, 6).mul(IntVector.broadcast(I, st[p + 8]).reinterpretAsShorts()))
                        .add(w2.lanewise(LSHR, 12).mul(IntVector.broadcast(I, st[p + 9]).reinterpretAsShorts()))
                        .add(IntVector.broadcast(I, center[2 * gi]).reinterpretAsShorts());
                ShortVector x0 = ShortVector.fromMemorySegment(SW, w, q0 + 192, LE);
                ShortVector x1 = ShortVector.fromMemorySegment(SW, w, q0 + 256, LE);
                ShortVector x2 = ShortVector.fromMemorySegment(SW, w, q0 + 320, LE);
                ShortVector s2 = x0.mul(IntVector.broadcast(I, st[p + 10]).reinterpretAsShorts())
                        .add(x0.lanewise(LSHR, 6).mul(IntVector.broadcast(I, st[p + 11]).reinterpretAsShorts()))
                        .add(x0.lanewise(LSHR, 12).mul(IntVector.broadcast(I, st[p + 12]).reinterpretAsShorts()))
                        .add(x1.mul(IntVector.broadcast(I, st[p + 13]).reinterpretAsShorts()))
                        .add(x1.lanewise(LSHR, 6).mul(IntVector.broadcast(I, st[p + 14]).reinterpretAsShorts()))
                        .add(x1.lanewise(LSHR, 12).mul(IntVector.broadcast(I, st[p + 15]).reinterpretAsShorts()))
                        .add(x1.lanewise(LSHR, 14).mul(IntVector.broadcast(I, st[p + 16]).reinterpretAsShorts()))
                        .add(x2.mul(IntVector.broadcast(I, st[p + 17]).reinterpretAsShorts()))
                        .add(x2.lanewise(LSHR, 6).mul(IntVector.broadcast(I, st[p + 18]).reinterpretAsShorts()))
                        .add(x2.lanewise(LSHR, 12).mul(IntVector.broadcast(I, st[p + 19]).reinterpretAsShorts()))
                        .add(IntVector.broadcast(I, center[2 * gi + 1]).reinterpretAsShorts());
                IntVector v = s.reinterpretAsInts(), v2 = s2.reinterpretAsInts();
                IntVector lo = v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v2.lanewise(LSHL, 16).lanewise(ASHR, 16));
                IntVector hi = v.lanewise(ASHR, 16).add(v2.lanewise(ASHR, 16));
                isum = isum.add(lo.mul(scA)).add(hi.mul(scB));
            }
            acc = ((FloatVector) isum.convert(I2F, 0)).fma(FloatVector.fromMemorySegment(F, w, t + Packing.Q6K_D + lane, LE).mul(d[b0 + b]), acc);
        }
        acc.intoMemorySegment(out, at, LE);
    }
}
