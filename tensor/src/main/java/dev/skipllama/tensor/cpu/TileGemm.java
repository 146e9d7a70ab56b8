package dev.skipllama.tensor.cpu;

import static dev.skipllama.tensor.cpu.Simd.F;
import static dev.skipllama.tensor.cpu.Simd.I;
import static dev.skipllama.tensor.cpu.Simd.L;
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
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;

/**
 * The integer kernels over {@link Packing}'s tiles for batches: one call computes one slice
 * ({@link Simd#L} rows) of a 16-row group against two to four quantized activation rows (one row has
 * its own kernels, {@link TileGemv}; Q8_0 also a float kernel for five to eight, {@link #q8_0x2f}),
 * and stores L results per row. Prompt batches ({@link PanelGemm#MIN_ROWS} rows or more; Q4_0 and Q5_K from fewer) of Q4_0, Q5_K, Q8_0,
 * Q4_K and Q6_K run in {@link PanelGemm} instead.
 *
 * <p><b>How a lane sums a block.</b> Each 32-bit lane is one weight row. Its low 16 bits meet values
 * 0..15 of a 32-value unit and its high 16 bits values 16..31; an activation pair (see
 * {@link QuantizedActivations}) broadcast to every lane multiplies both halves at once
 * ({@code vpmullw}) and 16-bit additions collect the products. Every product and partial sum is an
 * integer whose true total fits in 16 bits (bounds below), so even where an intermediate addition
 * wraps, the final 16-bit sum is exact. One sign-extending split then gives the lane's 32-bit block
 * sum — no horizontal sums and no lane-crossing conversions, which is what limited the float kernels —
 * and the block's float scaling follows {@link dev.skipllama.tensor.quant.QuantDot} operation by
 * operation, so results equal the reference bit for bit at every vector width and batch size.
 *
 * <p>Bounds per 16-bit lane: 4-bit quants 16 · 15 · 127 = 30480; Q5_0/Q5_K as signed {@code q − 16},
 * 16 · 16 · 127 = 32512; Q6_K's {@code q − 32} eight products, 8 · 32 · 127 = 32512; Q8_0 two
 * products, 2 · 128 · 127 = 32512 — all within ±32767.
 *
 * <p><b>F16 block scales.</b> A weight block's F16 d is decoded in two operations: the half,
 * sign-extended to its 32-bit lane and shifted left by 13, has its exponent and mantissa where a
 * float's are and its sign (smeared) over bits 28-31, of which the mask keeps bit 31. That float is
 * d · 2^-112 exactly (normal halves land on normal floats, subnormal ones on subnormal floats); the
 * 2^112 goes onto the activation block's scale instead, a scalar that is an F16 value itself (so the
 * product is exact and below 2^128), and {@code (d·2^-112)·(d_x·2^112)} rounds exactly as
 * {@code d·d_x} does: the same bits as the definition, with five vector operations fewer per block.
 * (Q4_1 keeps the longer decode: its m meets the activations' sum, which is not an F16 value.)
 *
 * <p><b>Several rows.</b> With {@code n} activation rows (prompt prefill, speculative verification)
 * each quant vector is loaded and its nibbles extracted once, then multiplied into one accumulator per
 * row; per row the operations and their order are those of a single row, so a row's result does not
 * depend on the batch. Per-row float accumulators live in the worker's {@link Scratch}.
 *
 * <p><b>How the code is written, and why.</b> C2 inlines calls while it parses a method until the
 * nodes it has created pass a budget; past it, only the Vector API's own {@code @ForceInline} methods
 * are still inlined, and a helper of ours that takes or returns a vector becomes a real call on boxed
 * vectors (3-10x slower; it happened to every kernel written with small helpers). So the kernels call
 * the Vector API directly, helpers of ours pass only memory and scalars, and a result is stored by
 * the kernel rather than returned.
 */
final class TileGemm {
    private TileGemm() {
    }

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Rows one call handles at most. */
    static final int ROWS = 4;
    /** Rows one {@link #dot2} call on Q8_0 handles at most (its float kernel, {@link #q8_0x2f}). */
    static final int ROWS8 = 8;

    /**
     * Whether {@link #dot2} runs {@code n} rows of {@code t} through the float kernel ({@link #q8_0x2f}),
     * which reads the activations as floats ({@link QuantizedActivations#qf}).
     */
    static boolean floatRows(DType t, int n) {
        return t == DType.Q8_0 && n > ROWS;
    }

    /**
     * Whether a batch over tiles of {@code t} runs faster when each span of tiles is first read into L2
     * by a plain pass (CpuBackend#touch). Measured on a Zen 5 host (JMH MatmulBenchmark, 4 rows,
     * 2048-value rows, 2 threads, µs per 2048² matrix, tiles in L3 / streamed from DRAM / from DRAM
     * with the pass): Q4_0 121 / 219-260 / 143-176 — its two-group kernel reads two streams 18 KB apart
     * in lockstep, and a C probe of the same kernel stalled as much with two streams and not with one;
     * Q4_K 155 / 171-183 / 174-195, Q8_0 181 / 239-257 / 258-280, Q6_K 269 / 308-349 / 274-312,
     * Q5_0, Q4_1 and Q5_K no better or worse with the pass. End to end (GenerateBench, 1B Q4_0,
     * 2 threads, alternating) pp4 65.1 / 64.8 → 82.0 / 93.8 tok/s.
     */
    static boolean touchFirst(DType t) {
        return t == DType.Q4_0;
    }

    /** Rows one {@link #dot2} call on {@code t} handles at most. */
    static int rows2(DType t) {
        return t == DType.Q8_0 ? ROWS8 : ROWS;
    }

    /** Per-worker memory for the row accumulators of a call. */
    static final class Scratch {
        final float[] acc = new float[ROWS8 * L];
        /** The second group's accumulators of {@link #dot2}. */
        final float[] acc2 = new float[ROWS8 * L];
        final int[] isum = new int[ROWS * L];
        final int[] msum = new int[ROWS * L];
        /** The second group's sums of the two-group Q4_K kernel. */
        final int[] isum2 = new int[ROWS * L];
        final int[] msum2 = new int[ROWS * L];
        /** A Q6_K unit's sixteen vectors of six-bit values ({@link #q6Values}). */
        final short[] q6 = new short[16 * SW.length()];
    }

    /**
     * Slice of a group ({@code lane}: byte offset of the slice's lanes in a 64-byte quant vector) times
     * activation rows {@code r .. r+n-1} of {@code a}, stored as L floats per row at
     * {@code at + k·stride} of {@code out}.
     *
     * @param g0 byte offset of the group's first tile
     * @param nb blocks per row (of 32, or of 256 for the K-quants)
     */
    static void dot(DType t, MemorySegment w, long g0, int nb, int lane, QuantizedActivations a, int r, int n,
                    MemorySegment out, long at, long stride, Scratch s) {
        Arrays.fill(s.acc, 0, n * L, 0f);
        switch (t) {
            case Q8_0 -> q8_0(w, g0, nb, lane, a, r, n, s);
            case Q4_0 -> q4_0(w, g0, nb, lane, a, r, n, s);
            case Q5_0 -> q5_0(w, g0, nb, lane, a, r, n, s);
            case Q4_1 -> q4_1(w, g0, nb, lane, a, r, n, s);
            case Q4_K -> q4_K(w, g0, nb, lane, a, r, n, s);
            case Q5_K -> q5_K(w, g0, nb, lane, a, r, n, s);
            case Q6_K -> {
                if (n == ROWS) {
                    q6_K4(w, g0, nb, lane, a, r, s);
                } else {
                    q6_K(w, g0, nb, lane, a, r, n, s);
                }
            }
            case F32, F16, BF16 -> throw new IllegalArgumentException(t + " has no packed kernel");
        }
        for (int k = 0; k < n; k++) {
            FloatVector.fromArray(F, s.acc, k * L).intoMemorySegment(out, at + k * stride, LE);
        }
    }

    /**
     * Whether {@code t} has a two-group kernel ({@link #dot2}). Q5_K and Q6_K have none: theirs were
     * slower than one group per call (two groups' extra vectors outgrow the registers; bench/README,
     * "Tried and dropped"), and Q4_1 and Q5_0 were not tried.
     */
    static boolean pairs(DType t) {
        return switch (t) {
            case Q8_0, Q4_0, Q4_K -> true;
            case F32, F16, BF16, Q4_1, Q5_0, Q5_K, Q6_K -> false;
        };
    }

    /**
     * {@link #dot} for two whole groups at once (tiles {@code gBytes} apart; the second group's results
     * {@code next} bytes after the first's in each output row), for the types of {@link #pairs}: every
     * activation pair is broadcast once for both groups' quant vectors; per group and row the
     * operations of the one-group kernel in its order, so the results are the same bits.
     */
    static void dot2(DType t, MemorySegment w, long g0, long gBytes, int nb, int lane, QuantizedActivations a, int r, int n,
                     MemorySegment out, long at, long stride, long next, Scratch s) {
        Arrays.fill(s.acc, 0, n * L, 0f);
        Arrays.fill(s.acc2, 0, n * L, 0f);
        switch (t) {
            case Q8_0 -> {
                if (floatRows(t, n)) {
                    q8_0x2f(w, g0, gBytes, nb, lane, a, r, n, s);
                } else {
                    q8_0x2(w, g0, gBytes, nb, lane, a, r, n, s);
                }
            }
            case Q4_0 -> {
                if (n == ROWS) {
                    q4_0x2r4(w, g0, gBytes, nb, lane, a, r, s);
                } else {
                    q4_0x2(w, g0, gBytes, nb, lane, a, r, n, s);
                }
            }
            case Q4_K -> q4_Kx2(w, g0, gBytes, nb, lane, a, r, n, s);
            case F32, F16, BF16, Q4_1, Q5_0, Q5_K, Q6_K -> throw new IllegalArgumentException(t + " has no two-group kernel");
        }
        for (int k = 0; k < n; k++) {
            FloatVector.fromArray(F, s.acc, k * L).intoMemorySegment(out, at + k * stride, LE);
            FloatVector.fromArray(F, s.acc2, k * L).intoMemorySegment(out, at + k * stride + next, LE);
        }
    }

    /**
     * F32 tiles against two to four activation rows at {@code xOff + k·xStride}: each weight vector
     * loaded once for them; per row the operations of {@link TileGemv#f32}.
     */
    static void f32(MemorySegment w, long g0, int nIn, int lane, MemorySegment x, long xOff, long xStride, int n,
                    MemorySegment out, long at, long stride) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        long x1 = xOff + (n > 1 ? xStride : 0), x2 = xOff + (n > 2 ? 2 * xStride : 0), x3 = xOff + (n > 3 ? 3 * xStride : 0);
        for (int k = 0; k < nIn; k++) {
            FloatVector v = FloatVector.fromMemorySegment(F, w, g0 + 64L * k + lane, LE);
            a0 = v.fma(FloatVector.broadcast(F, x.get(Decode.F32, xOff + 4L * k)), a0);
            a1 = v.fma(FloatVector.broadcast(F, x.get(Decode.F32, x1 + 4L * k)), a1);
            a2 = v.fma(FloatVector.broadcast(F, x.get(Decode.F32, x2 + 4L * k)), a2);
            a3 = v.fma(FloatVector.broadcast(F, x.get(Decode.F32, x3 + 4L * k)), a3);
        }
        a0.intoMemorySegment(out, at, LE); // rows past n repeat row 0..: computed, not stored
        if (n > 1) {
            a1.intoMemorySegment(out, at + stride, LE);
        }
        if (n > 2) {
            a2.intoMemorySegment(out, at + 2 * stride, LE);
        }
        if (n > 3) {
            a3.intoMemorySegment(out, at + 3 * stride, LE);
        }
    }

    /**
     * {@link #f32} for two consecutive groups (tiles {@code gBytes} apart, outputs 16 floats apart): the
     * same operations per row, eight independent chains of fused multiply-adds instead of four. Four
     * chains left the FMA units half idle on their four-cycle latency (JMH, 64 rows × 4096²: 126
     * GFLOP/s against a 254 GFLOP/s peak). Every output row keeps its order, so results are unchanged.
     */
    static void f32x2(MemorySegment w, long g0, long gBytes, int nIn, int lane, MemorySegment x, long xOff, long xStride, int n,
                      MemorySegment out, long at, long stride) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        long x1 = xOff + (n > 1 ? xStride : 0), x2 = xOff + (n > 2 ? 2 * xStride : 0), x3 = xOff + (n > 3 ? 3 * xStride : 0);
        for (int k = 0; k < nIn; k++) {
            long t = g0 + 64L * k + lane;
            FloatVector v = FloatVector.fromMemorySegment(F, w, t, LE), u = FloatVector.fromMemorySegment(F, w, t + gBytes, LE);
            FloatVector y0 = FloatVector.broadcast(F, x.get(Decode.F32, xOff + 4L * k));
            FloatVector y1 = FloatVector.broadcast(F, x.get(Decode.F32, x1 + 4L * k));
            FloatVector y2 = FloatVector.broadcast(F, x.get(Decode.F32, x2 + 4L * k));
            FloatVector y3 = FloatVector.broadcast(F, x.get(Decode.F32, x3 + 4L * k));
            a0 = v.fma(y0, a0);
            a1 = v.fma(y1, a1);
            a2 = v.fma(y2, a2);
            a3 = v.fma(y3, a3);
            b0 = u.fma(y0, b0);
            b1 = u.fma(y1, b1);
            b2 = u.fma(y2, b2);
            b3 = u.fma(y3, b3);
        }
        long next = 4L * Packing.G; // the second group's outputs
        a0.intoMemorySegment(out, at, LE);
        b0.intoMemorySegment(out, at + next, LE);
        if (n > 1) {
            a1.intoMemorySegment(out, at + stride, LE);
            b1.intoMemorySegment(out, at + stride + next, LE);
        }
        if (n > 2) {
            a2.intoMemorySegment(out, at + 2 * stride, LE);
            b2.intoMemorySegment(out, at + 2 * stride + next, LE);
        }
        if (n > 3) {
            a3.intoMemorySegment(out, at + 3 * stride, LE);
            b3.intoMemorySegment(out, at + 3 * stride + next, LE);
        }
    }

    // ---- 32-value blocks ---------------------------------------------------------------------

    private static void q8_0(MemorySegment w, long g0, int nb, int lane, QuantizedActivations a, int r, int n, Scratch sc) {
        int[] pairs = a.pairs;
        float[] d = a.d, acc = sc.acc;
        int pp = a.pairsPerRow(), bp = a.blocksPerRow();
        for (int b = 0; b < nb; b++) {
            long t = g0 + 544L * b;
            IntVector i0 = IntVector.zero(I), i1 = i0, i2 = i0, i3 = i0;
            for (int m = 0; m < 8; m++) {
                ShortVector q = ShortVector.fromMemorySegment(SW, w, t + 64L * m + lane, LE);
                ShortVector even = q.lanewise(LSHL, 8).lanewise(ASHR, 8), odd = q.lanewise(ASHR, 8);
                for (int k = 0, p = r * pp + 16 * b + 2 * m; k < n; k++, p += pp) {
                    // Two products per half: at most 2 · 128 · 127, so each step is widened at once.
                    IntVector v = even.mul(IntVector.broadcast(I, pairs[p]).reinterpretAsShorts())
                            .add(odd.mul(IntVector.broadcast(I, pairs[p + 1]).reinterpretAsShorts())).reinterpretAsInts();
                    IntVector sum = v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16));
                    switch (k) {
                        case 0 -> i0 = i0.add(sum);
                        case 1 -> i1 = i1.add(sum);
                        case 2 -> i2 = i2.add(sum);
                        default -> i3 = i3.add(sum);
                    }
                }
            }
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, t + 512 + lane / 2, LE).convertShape(S2I, I, 0);
            FloatVector dw = h.lanewise(LSHL, 13).and(0x8fffe000).reinterpretAsFloats(); // d · 2^-112, exactly (see TileGemm)
            for (int k = 0; k < n; k++) {
                IntVector sumi = switch (k) {
                    case 0 -> i0;
                    case 1 -> i1;
                    case 2 -> i2;
                    default -> i3;
                };
                ((FloatVector) sumi.convert(I2F, 0)).fma(dw.mul(d[(r + k) * bp + b] * 0x1p112f), FloatVector.fromArray(F, acc, k * L))
                        .intoArray(acc, k * L);
            }
        }
    }

    /**
     * {@link #q8_0} for two whole groups ({@link #dot2}). Measured (OpProfile, 1B Q8_0, pp64, 2 threads,
     * three alternating pairs): gate/up 863 / 813 / 711 → 692 / 672 / 697 ms per prompt, ffn_down 451 /
     * 411 / 369 → 354 / 338 / 360.
     */
    private static void q8_0x2(MemorySegment w, long g0, long gBytes, int nb, int lane, QuantizedActivations a, int r, int n, Scratch sc) {
        int[] pairs = a.pairs;
        float[] d = a.d, acc = sc.acc, acc2 = sc.acc2;
        int pp = a.pairsPerRow(), bp = a.blocksPerRow();
        for (int b = 0; b < nb; b++) {
            long t = g0 + 544L * b, u = t + gBytes;
            IntVector i0 = IntVector.zero(I), i1 = i0, i2 = i0, i3 = i0, j0 = i0, j1 = i0, j2 = i0, j3 = i0;
            for (int m = 0; m < 8; m++) {
                ShortVector q = ShortVector.fromMemorySegment(SW, w, t + 64L * m + lane, LE);
                ShortVector even = q.lanewise(LSHL, 8).lanewise(ASHR, 8), odd = q.lanewise(ASHR, 8);
                ShortVector o = ShortVector.fromMemorySegment(SW, w, u + 64L * m + lane, LE);
                ShortVector even2 = o.lanewise(LSHL, 8).lanewise(ASHR, 8), odd2 = o.lanewise(ASHR, 8);
                for (int k = 0, p = r * pp + 16 * b + 2 * m; k < n; k++, p += pp) {
                    ShortVector y0 = IntVector.broadcast(I, pairs[p]).reinterpretAsShorts(), y1 = IntVector.broadcast(I, pairs[p + 1]).reinterpretAsShorts();
                    IntVector v = even.mul(y0).add(odd.mul(y1)).reinterpretAsInts();
                    IntVector v2 = even2.mul(y0).add(odd2.mul(y1)).reinterpretAsInts();
                    IntVector sum = v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16));
                    IntVector sum2 = v2.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v2.lanewise(ASHR, 16));
                    switch (k) {
                        case 0 -> {
                            i0 = i0.add(sum);
                            j0 = j0.add(sum2);
                        }
                        case 1 -> {
                            i1 = i1.add(sum);
                            j1 = j1.add(sum2);
                        }
                        case 2 -> {
                            i2 = i2.add(sum);
                            j2 = j2.add(sum2);
                        }
                        default -> {
                            i3 = i3.add(sum);
                            j3 = j3.add(sum2);
                        }
                    }
                }
            }
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, t + 512 + lane / 2, LE).convertShape(S2I, I, 0);
            FloatVector dw = h.lanewise(LSHL, 13).and(0x8fffe000).reinterpretAsFloats(); // d · 2^-112, exactly (see TileGemm)
            IntVector h2 = (IntVector) ShortVector.fromMemorySegment(S, w, u + 512 + lane / 2, LE).convertShape(S2I, I, 0);
            FloatVector dw2 = h2.lanewise(LSHL, 13).and(0x8fffe000).reinterpretAsFloats(); // d · 2^-112, exactly (see TileGemm)
            for (int k = 0; k < n; k++) {
                IntVector sumi = switch (k) {
                    case 0 -> i0;
                    case 1 -> i1;
                    case 2 -> i2;
                    default -> i3;
                };
                IntVector sumi2 = switch (k) {
                    case 0 -> j0;
                    case 1 -> j1;
                    case 2 -> j2;
                    default -> j3;
                };
                float dx = d[(r + k) * bp + b] * 0x1p112f;
                ((FloatVector) sumi.convert(I2F, 0)).fma(dw.mul(dx), FloatVector.fromArray(F, acc, k * L)).intoArray(acc, k * L);
                ((FloatVector) sumi2.convert(I2F, 0)).fma(dw2.mul(dx), FloatVector.fromArray(F, acc2, k * L)).intoArray(acc2, k * L);
            }
        }
    }

    /**
     * {@link #q8_0x2} in float arithmetic, for five to {@link #ROWS8} rows (prompts; four and fewer,
     * speculative verification among them, keep the integer kernel): each weight byte is sign-extended
     * and converted to float once per call, then meets every row in one fused multiply-add (the
     * quantized activations as floats, {@link QuantizedActivations#qf}) into a block sum per row and
     * group. Every product (at most 128 · 127) and every partial sum of a block (at most 32 · 128 · 127
     * &lt; 2^24) is an integer that float holds exactly, in any order, so each block sum is the integer
     * kernel's to the bit and the block's scaling is the same operation: the same results. The integer
     * kernel widens its 16-bit sums after every two products per row (8-bit products allow no more),
     * which costs as much as the multiplies; here the decoding is shared by eight rows. Measured
     * (GenerateBench, 1B Q8_0, pp64, 2 threads, four alternating pairs): 70.7 / 73.1 / 68.0 / 56.2 →
     * 74.9 / 76.8 / 76.9 / 72.7 tok/s. Four rows × two groups in float measured no better than the
     * integer kernel (bench/README, 2026-12-07).
     */
    private static void q8_0x2f(MemorySegment w, long g0, long gBytes, int nb, int lane, QuantizedActivations a, int r, int n, Scratch sc) {
        float[] y = a.qf, d = a.d, acc = sc.acc, acc2 = sc.acc2;
        int nIn = a.n, bp = a.blocksPerRow();
        // rows past n repeat row r: computed, not stored
        int y0 = r * nIn, y1 = y0 + (n > 1 ? nIn : 0), y2 = y0 + (n > 2 ? 2 * nIn : 0), y3 = y0 + (n > 3 ? 3 * nIn : 0);
        int y4 = y0 + (n > 4 ? 4 * nIn : 0), y5 = y0 + (n > 5 ? 5 * nIn : 0), y6 = y0 + (n > 6 ? 6 * nIn : 0), y7 = y0 + (n > 7 ? 7 * nIn : 0);
        for (int b = 0; b < nb; b++) {
            long t = g0 + 544L * b, u = t + gBytes;
            FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
            FloatVector z0 = s0, z1 = s0, z2 = s0, z3 = s0, z4 = s0, z5 = s0, z6 = s0, z7 = s0;
            for (int m = 0; m < 8; m++) {
                IntVector q = IntVector.fromMemorySegment(I, w, t + 64L * m + lane, LE);
                IntVector o = IntVector.fromMemorySegment(I, w, u + 64L * m + lane, LE);
                for (int j = 0; j < 4; j++) { // byte j of a lane: value 2m + (j & 1) + 16·(j >> 1) of the block
                    int k = 32 * b + 2 * m + (j & 1) + 16 * (j >> 1);
                    FloatVector wq = (FloatVector) q.lanewise(LSHL, 24 - 8 * j).lanewise(ASHR, 24).convert(I2F, 0);
                    FloatVector wo = (FloatVector) o.lanewise(LSHL, 24 - 8 * j).lanewise(ASHR, 24).convert(I2F, 0);
                    FloatVector x = FloatVector.broadcast(F, y[y0 + k]);
                    s0 = wq.fma(x, s0);
                    z0 = wo.fma(x, z0);
                    x = FloatVector.broadcast(F, y[y1 + k]);
                    s1 = wq.fma(x, s1);
                    z1 = wo.fma(x, z1);
                    x = FloatVector.broadcast(F, y[y2 + k]);
                    s2 = wq.fma(x, s2);
                    z2 = wo.fma(x, z2);
                    x = FloatVector.broadcast(F, y[y3 + k]);
                    s3 = wq.fma(x, s3);
                    z3 = wo.fma(x, z3);
                    x = FloatVector.broadcast(F, y[y4 + k]);
                    s4 = wq.fma(x, s4);
                    z4 = wo.fma(x, z4);
                    x = FloatVector.broadcast(F, y[y5 + k]);
                    s5 = wq.fma(x, s5);
                    z5 = wo.fma(x, z5);
                    x = FloatVector.broadcast(F, y[y6 + k]);
                    s6 = wq.fma(x, s6);
                    z6 = wo.fma(x, z6);
                    x = FloatVector.broadcast(F, y[y7 + k]);
                    s7 = wq.fma(x, s7);
                    z7 = wo.fma(x, z7);
                }
            }
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, t + 512 + lane / 2, LE).convertShape(S2I, I, 0);
            FloatVector dw = h.lanewise(LSHL, 13).and(0x8fffe000).reinterpretAsFloats(); // d · 2^-112, exactly (see TileGemm)
            IntVector h2 = (IntVector) ShortVector.fromMemorySegment(S, w, u + 512 + lane / 2, LE).convertShape(S2I, I, 0);
            FloatVector dw2 = h2.lanewise(LSHL, 13).and(0x8fffe000).reinterpretAsFloats(); // d · 2^-112, exactly (see TileGemm)
            for (int k = 0; k < n; k++) {
                FloatVector sum = switch (k) {
                    case 0 -> s0;
                    case 1 -> s1;
                    case 2 -> s2;
                    case 3 -> s3;
                    case 4 -> s4;
                    case 5 -> s5;
                    case 6 -> s6;
                    default -> s7;
                };
                FloatVector sum2 = switch (k) {
                    case 0 -> z0;
                    case 1 -> z1;
                    case 2 -> z2;
                    case 3 -> z3;
                    case 4 -> z4;
                    case 5 -> z5;
                    case 6 -> z6;
                    default -> z7;
                };
                float dx = d[(r + k) * bp + b] * 0x1p112f;
                sum.fma(dw.mul(dx), FloatVector.fromArray(F, acc, k * L)).intoArray(acc, k * L);
                sum2.fma(dw2.mul(dx), FloatVector.fromArray(F, acc2, k * L)).intoArray(acc2, k * L);
            }
        }
    }

    /**
     * Q4_0 (tiles of 288: d at 256). The nibbles are shifted as 32-bit lanes and masked per 16-bit
     * half, the same values as 16-bit shifts: C2 compiles a 16-bit shift by a constant as a move of
     * the count into a vector register and a shift by register (three instructions), a 32-bit one as a
     * shift by an immediate. The 4-row two-group kernel ran 4-6% faster (three alternating runs in one
     * process, one thread, 2048² in L2: 245 / 202 / 209 → 236 / 190 / 196 µs); the 4-bit batch
     * kernels here all do it.
     */
    private static void q4_0(MemorySegment w, long g0, int nb, int lane, QuantizedActivations a, int r, int n, Scratch sc) {
        int[] pairs = a.pairs, sum = a.sum;
        float[] d = a.d, acc = sc.acc;
        int pp = a.pairsPerRow(), bp = a.blocksPerRow();
        ShortVector mask = ShortVector.broadcast(SW, (short) 0xf), zero = ShortVector.zero(SW);
        for (int b = 0; b < nb; b++) {
            long t = g0 + 288L * b;
            ShortVector s0 = zero, s1 = zero, s2 = zero, s3 = zero;
            for (int m = 0; m < 4; m++) {
                ShortVector q = ShortVector.fromMemorySegment(SW, w, t + 64L * m + lane, LE);
                IntVector qw = q.reinterpretAsInts(); // shifted as ints (see q4_0)
                ShortVector n0 = q.and(mask), n1 = qw.lanewise(LSHR, 4).reinterpretAsShorts().and(mask);
                ShortVector n2 = qw.lanewise(LSHR, 8).reinterpretAsShorts().and(mask), n3 = qw.lanewise(LSHR, 12).reinterpretAsShorts().and(mask);
                for (int k = 0, p = r * pp + 16 * b + 4 * m; k < n; k++, p += pp) {
                    ShortVector v = n0.mul(IntVector.broadcast(I, pairs[p]).reinterpretAsShorts())
                            .add(n1.mul(IntVector.broadcast(I, pairs[p + 1]).reinterpretAsShorts()))
                            .add(n2.mul(IntVector.broadcast(I, pairs[p + 2]).reinterpretAsShorts()))
                            .add(n3.mul(IntVector.broadcast(I, pairs[p + 3]).reinterpretAsShorts()));
                    switch (k) {
                        case 0 -> s0 = s0.add(v);
                        case 1 -> s1 = s1.add(v);
                        case 2 -> s2 = s2.add(v);
                        default -> s3 = s3.add(v);
                    }
                }
            }
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, t + 256 + lane / 2, LE).convertShape(S2I, I, 0);
            FloatVector dw = h.lanewise(LSHL, 13).and(0x8fffe000).reinterpretAsFloats(); // d · 2^-112, exactly (see TileGemm)
            for (int k = 0; k < n; k++) {
                IntVector v = (switch (k) {
                    case 0 -> s0;
                    case 1 -> s1;
                    case 2 -> s2;
                    default -> s3;
                }).reinterpretAsInts();
                int i = (r + k) * bp + b;
                IntVector sumi = v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).sub(8 * sum[i]); // Σ (q − 8)·y
                ((FloatVector) sumi.convert(I2F, 0)).fma(dw.mul(d[i] * 0x1p112f), FloatVector.fromArray(F, acc, k * L)).intoArray(acc, k * L);
            }
        }
    }

    /**
     * Q5_0 (tiles of 352: a block's five word vectors as a Q5_K sub-block's, d at 320): each word split
     * once into its three base-32 values and its bit of value 15, as {@link #q5_K}; a row's 16-bit
     * lanes with its center {@code −16·Σy} added hold {@code Σ (q − 16)·y}, which Q5_0 scales.
     */
    private static void q5_0(MemorySegment w, long g0, int nb, int lane, QuantizedActivations a, int r, int n, Scratch sc) {
        int[] pairs = a.pairs, center = a.center;
        float[] d = a.d, acc = sc.acc;
        int pp = a.pairsPerRow(), bp = a.blocksPerRow();
        ShortVector mask = ShortVector.broadcast(SW, (short) 31), zero = ShortVector.zero(SW);
        for (int b = 0; b < nb; b++) {
            long t = g0 + 352L * b;
            ShortVector s0 = zero, s1 = zero, s2 = zero, s3 = zero, v15 = zero;
            for (int i = 0; i < 5; i++) {
                ShortVector q = ShortVector.fromMemorySegment(SW, w, t + 64L * i + lane, LE);
                ShortVector n0 = q.and(mask), n1 = q.lanewise(LSHR, 5).and(mask), n2 = q.lanewise(LSHR, 10).and(mask);
                v15 = v15.or(q.lanewise(LSHR, 15).lanewise(LSHL, i));
                for (int k = 0, p = r * pp + 16 * b + 3 * i; k < n; k++, p += pp) {
                    ShortVector v = n0.mul(IntVector.broadcast(I, pairs[p]).reinterpretAsShorts())
                            .add(n1.mul(IntVector.broadcast(I, pairs[p + 1]).reinterpretAsShorts()))
                            .add(n2.mul(IntVector.broadcast(I, pairs[p + 2]).reinterpretAsShorts()));
                    switch (k) {
                        case 0 -> s0 = s0.add(v);
                        case 1 -> s1 = s1.add(v);
                        case 2 -> s2 = s2.add(v);
                        default -> s3 = s3.add(v);
                    }
                }
            }
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, t + 320 + lane / 2, LE).convertShape(S2I, I, 0);
            FloatVector dw = h.lanewise(LSHL, 13).and(0x8fffe000).reinterpretAsFloats(); // d · 2^-112, exactly (see TileGemm)
            for (int k = 0, p = r * pp + 16 * b + 15; k < n; k++, p += pp) {
                int i = (r + k) * bp + b;
                // value 15's products, then the center (the sums are modulo 2^16 until here)
                ShortVector v15y = v15.mul(IntVector.broadcast(I, pairs[p]).reinterpretAsShorts())
                        .add(IntVector.broadcast(I, center[i]).reinterpretAsShorts());
                IntVector v = (switch (k) {
                    case 0 -> s0.add(v15y);
                    case 1 -> s1.add(v15y);
                    case 2 -> s2.add(v15y);
                    default -> s3.add(v15y);
                }).reinterpretAsInts();
                IntVector sumi = v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)); // Σ (q − 16)·y
                ((FloatVector) sumi.convert(I2F, 0)).fma(dw.mul(d[i] * 0x1p112f), FloatVector.fromArray(F, acc, k * L)).intoArray(acc, k * L);
            }
        }
    }

    /**
     * {@link #q4_0x2} for exactly four rows, with the row loop written out (no switch on the row). The
     * same operations per row in the same order. JMH on the Zen 5 host (2048², one thread, three
     * alternating pairs, G MAC/s): 4 rows 70.0 / 61.2 / 69.9 → 72.6 / 72.4 / 74.9, 64 rows 74.2 / 72.0
     * / 78.8 → 78.8 / 82.3 / 86.0. (On the Zen 4 host a written-out four-row kernel had measured as
     * noise; this one keeps the two-group form.)
     */
    private static void q4_0x2r4(MemorySegment w, long g0, long gBytes, int nb, int lane, QuantizedActivations a, int r, Scratch sc) {
        int[] pairs = a.pairs, sum = a.sum;
        float[] d = a.d, acc = sc.acc, acc2 = sc.acc2;
        int pp = a.pairsPerRow(), bp = a.blocksPerRow();
        ShortVector mask = ShortVector.broadcast(SW, (short) 0xf), zero = ShortVector.zero(SW);
        for (int b = 0; b < nb; b++) {
            long t = g0 + 288L * b, u = t + gBytes;
            ShortVector s0 = zero, s1 = zero, s2 = zero, s3 = zero, z0 = zero, z1 = zero, z2 = zero, z3 = zero;
            for (int m = 0; m < 4; m++) {
                ShortVector q = ShortVector.fromMemorySegment(SW, w, t + 64L * m + lane, LE);
                IntVector qw = q.reinterpretAsInts(); // shifted as ints (see q4_0)
                ShortVector n0 = q.and(mask), n1 = qw.lanewise(LSHR, 4).reinterpretAsShorts().and(mask);
                ShortVector n2 = qw.lanewise(LSHR, 8).reinterpretAsShorts().and(mask), n3 = qw.lanewise(LSHR, 12).reinterpretAsShorts().and(mask);
                ShortVector o = ShortVector.fromMemorySegment(SW, w, u + 64L * m + lane, LE);
                IntVector ow = o.reinterpretAsInts(); // shifted as ints (see q4_0)
                ShortVector o0 = o.and(mask), o1 = ow.lanewise(LSHR, 4).reinterpretAsShorts().and(mask);
                ShortVector o2 = ow.lanewise(LSHR, 8).reinterpretAsShorts().and(mask), o3 = ow.lanewise(LSHR, 12).reinterpretAsShorts().and(mask);
                int p0 = r * pp + 16 * b + 4 * m, p;
                ShortVector y0, y1, y2, y3;
                p = p0;
                y0 = IntVector.broadcast(I, pairs[p]).reinterpretAsShorts();
                y1 = IntVector.broadcast(I, pairs[p + 1]).reinterpretAsShorts();
                y2 = IntVector.broadcast(I, pairs[p + 2]).reinterpretAsShorts();
                y3 = IntVector.broadcast(I, pairs[p + 3]).reinterpretAsShorts();
                s0 = s0.add(n0.mul(y0).add(n1.mul(y1)).add(n2.mul(y2)).add(n3.mul(y3)));
                z0 = z0.add(o0.mul(y0).add(o1.mul(y1)).add(o2.mul(y2)).add(o3.mul(y3)));
                p = p0 + 1 * pp;
                y0 = IntVector.broadcast(I, pairs[p]).reinterpretAsShorts();
                y1 = IntVector.broadcast(I, pairs[p + 1]).reinterpretAsShorts();
                y2 = IntVector.broadcast(I, pairs[p + 2]).reinterpretAsShorts();
                y3 = IntVector.broadcast(I, pairs[p + 3]).reinterpretAsShorts();
                s1 = s1.add(n0.mul(y0).add(n1.mul(y1)).add(n2.mul(y2)).add(n3.mul(y3)));
                z1 = z1.add(o0.mul(y0).add(o1.mul(y1)).add(o2.mul(y2)).add(o3.mul(y3)));
                p = p0 + 2 * pp;
                y0 = IntVector.broadcast(I, pairs[p]).reinterpretAsShorts();
                y1 = IntVector.broadcast(I, pairs[p + 1]).reinterpretAsShorts();
                y2 = IntVector.broadcast(I, pairs[p + 2]).reinterpretAsShorts();
                y3 = IntVector.broadcast(I, pairs[p + 3]).reinterpretAsShorts();
                s2 = s2.add(n0.mul(y0).add(n1.mul(y1)).add(n2.mul(y2)).add(n3.mul(y3)));
                z2 = z2.add(o0.mul(y0).add(o1.mul(y1)).add(o2.mul(y2)).add(o3.mul(y3)));
                p = p0 + 3 * pp;
                y0 = IntVector.broadcast(I, pairs[p]).reinterpretAsShorts();
                y1 = IntVector.broadcast(I, pairs[p + 1]).reinterpretAsShorts();
                y2 = IntVector.broadcast(I, pairs[p + 2]).reinterpretAsShorts();
                y3 = IntVector.broadcast(I, pairs[p + 3]).reinterpretAsShorts();
                s3 = s3.add(n0.mul(y0).add(n1.mul(y1)).add(n2.mul(y2)).add(n3.mul(y3)));
                z3 = z3.add(o0.mul(y0).add(o1.mul(y1)).add(o2.mul(y2)).add(o3.mul(y3)));
            }
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, t + 256 + lane / 2, LE).convertShape(S2I, I, 0);
            FloatVector dw = h.lanewise(LSHL, 13).and(0x8fffe000).reinterpretAsFloats(); // d · 2^-112, exactly (see TileGemm)
            IntVector h2 = (IntVector) ShortVector.fromMemorySegment(S, w, u + 256 + lane / 2, LE).convertShape(S2I, I, 0);
            FloatVector dw2 = h2.lanewise(LSHL, 13).and(0x8fffe000).reinterpretAsFloats(); // d · 2^-112, exactly (see TileGemm)
            int i, corr;
            float dx;
            IntVector v, v2;
            i = r * bp + b;
            dx = d[i] * 0x1p112f;
            corr = 8 * sum[i];
            v = s0.reinterpretAsInts();
            v2 = z0.reinterpretAsInts();
            ((FloatVector) v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).sub(corr).convert(I2F, 0))
                    .fma(dw.mul(dx), FloatVector.fromArray(F, acc, 0 * L)).intoArray(acc, 0 * L);
            ((FloatVector) v2.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v2.lanewise(ASHR, 16)).sub(corr).convert(I2F, 0))
                    .fma(dw2.mul(dx), FloatVector.fromArray(F, acc2, 0 * L)).intoArray(acc2, 0 * L);
            i = (r + 1) * bp + b;
            dx = d[i] * 0x1p112f;
            corr = 8 * sum[i];
            v = s1.reinterpretAsInts();
            v2 = z1.reinterpretAsInts();
            ((FloatVector) v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).sub(corr).convert(I2F, 0))
                    .fma(dw.mul(dx), FloatVector.fromArray(F, acc, 1 * L)).intoArray(acc, 1 * L);
            ((FloatVector) v2.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v2.lanewise(ASHR, 16)).sub(corr).convert(I2F, 0))
                    .fma(dw2.mul(dx), FloatVector.fromArray(F, acc2, 1 * L)).intoArray(acc2, 1 * L);
            i = (r + 2) * bp + b;
            dx = d[i] * 0x1p112f;
            corr = 8 * sum[i];
            v = s2.reinterpretAsInts();
            v2 = z2.reinterpretAsInts();
            ((FloatVector) v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).sub(corr).convert(I2F, 0))
                    .fma(dw.mul(dx), FloatVector.fromArray(F, acc, 2 * L)).intoArray(acc, 2 * L);
            ((FloatVector) v2.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v2.lanewise(ASHR, 16)).sub(corr).convert(I2F, 0))
                    .fma(dw2.mul(dx), FloatVector.fromArray(F, acc2, 2 * L)).intoArray(acc2, 2 * L);
            i = (r + 3) * bp + b;
            dx = d[i] * 0x1p112f;
            corr = 8 * sum[i];
            v = s3.reinterpretAsInts();
            v2 = z3.reinterpretAsInts();
            ((FloatVector) v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).sub(corr).convert(I2F, 0))
                    .fma(dw.mul(dx), FloatVector.fromArray(F, acc, 3 * L)).intoArray(acc, 3 * L);
            ((FloatVector) v2.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v2.lanewise(ASHR, 16)).sub(corr).convert(I2F, 0))
                    .fma(dw2.mul(dx), FloatVector.fromArray(F, acc2, 3 * L)).intoArray(acc2, 3 * L);
        }
    }

    /**
     * {@link #q4_0} for two whole groups ({@link #dot2}): every activation pair is broadcast once
     * for both groups' quant vectors, where one group per call broadcast it for each. Measured
     * (GenerateBench, 1B Q4_0, 2 threads, three alternating pairs): pp64 78.1 / 78.4 / 83.0 → 88.0 /
     * 89.9 / 92.3 tok/s, pp4 64.0 / 53.4 / 58.4 → 69.5 / 68.5 / 76.5.
     */
    private static void q4_0x2(MemorySegment w, long g0, long gBytes, int nb, int lane, QuantizedActivations a, int r, int n, Scratch sc) {
        int[] pairs = a.pairs, sum = a.sum;
        float[] d = a.d, acc = sc.acc, acc2 = sc.acc2;
        int pp = a.pairsPerRow(), bp = a.blocksPerRow();
        ShortVector mask = ShortVector.broadcast(SW, (short) 0xf), zero = ShortVector.zero(SW);
        for (int b = 0; b < nb; b++) {
            long t = g0 + 288L * b, u = t + gBytes;
            ShortVector s0 = zero, s1 = zero, s2 = zero, s3 = zero, z0 = zero, z1 = zero, z2 = zero, z3 = zero;
            for (int m = 0; m < 4; m++) {
                ShortVector q = ShortVector.fromMemorySegment(SW, w, t + 64L * m + lane, LE);
                IntVector qw = q.reinterpretAsInts(); // shifted as ints (see q4_0)
                ShortVector n0 = q.and(mask), n1 = qw.lanewise(LSHR, 4).reinterpretAsShorts().and(mask);
                ShortVector n2 = qw.lanewise(LSHR, 8).reinterpretAsShorts().and(mask), n3 = qw.lanewise(LSHR, 12).reinterpretAsShorts().and(mask);
                ShortVector o = ShortVector.fromMemorySegment(SW, w, u + 64L * m + lane, LE);
                IntVector ow = o.reinterpretAsInts(); // shifted as ints (see q4_0)
                ShortVector o0 = o.and(mask), o1 = ow.lanewise(LSHR, 4).reinterpretAsShorts().and(mask);
                ShortVector o2 = ow.lanewise(LSHR, 8).reinterpretAsShorts().and(mask), o3 = ow.lanewise(LSHR, 12).reinterpretAsShorts().and(mask);
                for (int k = 0, p = r * pp + 16 * b + 4 * m; k < n; k++, p += pp) {
                    ShortVector y0 = IntVector.broadcast(I, pairs[p]).reinterpretAsShorts(), y1 = IntVector.broadcast(I, pairs[p + 1]).reinterpretAsShorts();
                    ShortVector y2 = IntVector.broadcast(I, pairs[p + 2]).reinterpretAsShorts(), y3 = IntVector.broadcast(I, pairs[p + 3]).reinterpretAsShorts();
                    ShortVector v = n0.mul(y0).add(n1.mul(y1)).add(n2.mul(y2)).add(n3.mul(y3));
                    ShortVector v2 = o0.mul(y0).add(o1.mul(y1)).add(o2.mul(y2)).add(o3.mul(y3));
                    switch (k) {
                        case 0 -> {
                            s0 = s0.add(v);
                            z0 = z0.add(v2);
                        }
                        case 1 -> {
                            s1 = s1.add(v);
                            z1 = z1.add(v2);
                        }
                        case 2 -> {
                            s2 = s2.add(v);
                            z2 = z2.add(v2);
                        }
                        default -> {
                            s3 = s3.add(v);
                            z3 = z3.add(v2);
                        }
                    }
                }
            }
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, t + 256 + lane / 2, LE).convertShape(S2I, I, 0);
            FloatVector dw = h.lanewise(LSHL, 13).and(0x8fffe000).reinterpretAsFloats(); // d · 2^-112, exactly (see TileGemm)
            IntVector h2 = (IntVector) ShortVector.fromMemorySegment(S, w, u + 256 + lane / 2, LE).convertShape(S2I, I, 0);
            FloatVector dw2 = h2.lanewise(LSHL, 13).and(0x8fffe000).reinterpretAsFloats(); // d · 2^-112, exactly (see TileGemm)
            for (int k = 0; k < n; k++) {
                IntVector v = (switch (k) {
                    case 0 -> s0;
                    case 1 -> s1;
                    case 2 -> s2;
                    default -> s3;
                }).reinterpretAsInts();
                IntVector v2 = (switch (k) {
                    case 0 -> z0;
                    case 1 -> z1;
                    case 2 -> z2;
                    default -> z3;
                }).reinterpretAsInts();
                int i = (r + k) * bp + b;
                float dx = d[i] * 0x1p112f;
                int corr = 8 * sum[i];
                IntVector sumi = v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).sub(corr);
                IntVector sumi2 = v2.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v2.lanewise(ASHR, 16)).sub(corr);
                ((FloatVector) sumi.convert(I2F, 0)).fma(dw.mul(dx), FloatVector.fromArray(F, acc, k * L)).intoArray(acc, k * L);
                ((FloatVector) sumi2.convert(I2F, 0)).fma(dw2.mul(dx), FloatVector.fromArray(F, acc2, k * L)).intoArray(acc2, k * L);
            }
        }
    }

    /** Q4_1 (tiles of 320: d at 256, m at 288): {@code acc + fma(Σq·y, d·d_x, m·s_x)}. */
    private static void q4_1(MemorySegment w, long g0, int nb, int lane, QuantizedActivations a, int r, int n, Scratch sc) {
        int[] pairs = a.pairs;
        float[] d = a.d, sx = a.s, acc = sc.acc;
        int pp = a.pairsPerRow(), bp = a.blocksPerRow();
        ShortVector mask = ShortVector.broadcast(SW, (short) 0xf), zero = ShortVector.zero(SW);
        for (int b = 0; b < nb; b++) {
            long t = g0 + 320L * b;
            ShortVector s0 = zero, s1 = zero, s2 = zero, s3 = zero;
            for (int m = 0; m < 4; m++) {
                ShortVector q = ShortVector.fromMemorySegment(SW, w, t + 64L * m + lane, LE);
                IntVector qw = q.reinterpretAsInts(); // shifted as ints (see q4_0)
                ShortVector n0 = q.and(mask), n1 = qw.lanewise(LSHR, 4).reinterpretAsShorts().and(mask);
                ShortVector n2 = qw.lanewise(LSHR, 8).reinterpretAsShorts().and(mask), n3 = qw.lanewise(LSHR, 12).reinterpretAsShorts().and(mask);
                for (int k = 0, p = r * pp + 16 * b + 4 * m; k < n; k++, p += pp) {
                    ShortVector v = n0.mul(IntVector.broadcast(I, pairs[p]).reinterpretAsShorts())
                            .add(n1.mul(IntVector.broadcast(I, pairs[p + 1]).reinterpretAsShorts()))
                            .add(n2.mul(IntVector.broadcast(I, pairs[p + 2]).reinterpretAsShorts()))
                            .add(n3.mul(IntVector.broadcast(I, pairs[p + 3]).reinterpretAsShorts()));
                    switch (k) {
                        case 0 -> s0 = s0.add(v);
                        case 1 -> s1 = s1.add(v);
                        case 2 -> s2 = s2.add(v);
                        default -> s3 = s3.add(v);
                    }
                }
            }
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, t + 256 + lane / 2, LE).convertShape(S2I, I, 0);
            FloatVector dw = h.and(0x7fff).lanewise(LSHL, 13).or(h.and(0x8000).lanewise(LSHL, 16)).reinterpretAsFloats().mul(0x1p112f);
            IntVector hm = (IntVector) ShortVector.fromMemorySegment(S, w, t + 288 + lane / 2, LE).convertShape(S2I, I, 0);
            FloatVector mw = hm.and(0x7fff).lanewise(LSHL, 13).or(hm.and(0x8000).lanewise(LSHL, 16)).reinterpretAsFloats().mul(0x1p112f);
            for (int k = 0; k < n; k++) {
                IntVector v = (switch (k) {
                    case 0 -> s0;
                    case 1 -> s1;
                    case 2 -> s2;
                    default -> s3;
                }).reinterpretAsInts();
                int i = (r + k) * bp + b;
                IntVector sumi = v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16));
                FloatVector prev = FloatVector.fromArray(F, acc, k * L);
                prev.add(((FloatVector) sumi.convert(I2F, 0)).fma(dw.mul(d[i]), mw.mul(sx[i]))).intoArray(acc, k * L);
            }
        }
    }

    // ---- 256-value super-blocks --------------------------------------------------------------

    /**
     * Q4_K (tiles of 2432; the offsets are {@link Packing}'s). Per sub-block j the 16-bit sums are
     * widened, times the sub-block's scale byte, into 32-bit sums per row ({@link Scratch#isum}); the
     * mins into {@link Scratch#msum}.
     */
    private static void q4_K(MemorySegment w, long g0, int nb, int lane, QuantizedActivations a, int r, int n, Scratch sc) {
        int[] pairs = a.pairs, sum = a.sum, isum = sc.isum, msum = sc.msum;
        float[] d = a.d, acc = sc.acc;
        int pp = a.pairsPerRow(), bp = a.blocksPerRow(), gp = a.groupsPerRow();
        long head = Packing.K_SCALES, dAt = Packing.kD(false);
        ShortVector mask = ShortVector.broadcast(SW, (short) 0xf), zero = ShortVector.zero(SW);
        for (int b = 0; b < nb; b++) {
            long t = g0 + 2432L * b;
            Arrays.fill(isum, 0, n * L, 0);
            Arrays.fill(msum, 0, n * L, 0);
            for (int j = 0; j < 8; j++) {
                ShortVector s0 = zero, s1 = zero, s2 = zero, s3 = zero;
                for (int m = 0; m < 4; m++) {
                    ShortVector q = ShortVector.fromMemorySegment(SW, w, t + Packing.kQuants(false, j) + 64L * m + lane, LE);
                    IntVector qw = q.reinterpretAsInts(); // shifted as ints (see q4_0)
                    ShortVector n0 = q.and(mask), n1 = qw.lanewise(LSHR, 4).reinterpretAsShorts().and(mask);
                    ShortVector n2 = qw.lanewise(LSHR, 8).reinterpretAsShorts().and(mask), n3 = qw.lanewise(LSHR, 12).reinterpretAsShorts().and(mask);
                    for (int k = 0, p = r * pp + 16 * (8 * b + j) + 4 * m; k < n; k++, p += pp) {
                        ShortVector v = n0.mul(IntVector.broadcast(I, pairs[p]).reinterpretAsShorts())
                                .add(n1.mul(IntVector.broadcast(I, pairs[p + 1]).reinterpretAsShorts()))
                                .add(n2.mul(IntVector.broadcast(I, pairs[p + 2]).reinterpretAsShorts()))
                                .add(n3.mul(IntVector.broadcast(I, pairs[p + 3]).reinterpretAsShorts()));
                        switch (k) {
                            case 0 -> s0 = s0.add(v);
                            case 1 -> s1 = s1.add(v);
                            case 2 -> s2 = s2.add(v);
                            default -> s3 = s3.add(v);
                        }
                    }
                }
                // sc_j is byte j & 3 of the lane in the scale vector j / 4, m_j the same 128 bytes on.
                long scales = t + head + 64L * (j >> 2) + lane;
                IntVector scj = IntVector.fromMemorySegment(I, w, scales, LE).lanewise(LSHR, 8 * (j & 3)).and(0xff);
                IntVector mj = IntVector.fromMemorySegment(I, w, scales + 128, LE).lanewise(LSHR, 8 * (j & 3)).and(0xff);
                for (int k = 0; k < n; k++) {
                    IntVector v = (switch (k) {
                        case 0 -> s0;
                        case 1 -> s1;
                        case 2 -> s2;
                        default -> s3;
                    }).reinterpretAsInts();
                    int ysum = sum[(r + k) * gp + 8 * b + j];
                    IntVector sumi = v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16));
                    IntVector.fromArray(I, isum, k * L).add(sumi.mul(scj)).intoArray(isum, k * L);
                    IntVector.fromArray(I, msum, k * L).add(mj.mul(ysum)).intoArray(msum, k * L);
                }
            }
            kScale(w, t + dAt + lane, d, r, n, bp, b, sc);
        }
    }

    /**
     * Q5_K (tiles of 2944): per sub-block five word vectors ({@link Packing}), each split once into its
     * three base-32 values and its bit of value 15, which the row loop multiplies by the activation
     * pairs. The 16-bit lanes of a row get its center {@code −16·Σy}
     * ({@link QuantizedActivations#center}) added and so end holding {@code Σ (q − 16)·y}, which fits in
     * 16 bits; {@code 16·Σy} is added back after widening. Then as {@link #q4_K}. (The accumulators
     * start from zero and the center comes last: started from it, C2 lost their exact vector class
     * and the kernel ran at half speed.)
     */
    private static void q5_K(MemorySegment w, long g0, int nb, int lane, QuantizedActivations a, int r, int n, Scratch sc) {
        int[] pairs = a.pairs, sum = a.sum, center = a.center, isum = sc.isum, msum = sc.msum;
        float[] d = a.d;
        int pp = a.pairsPerRow(), bp = a.blocksPerRow(), gp = a.groupsPerRow();
        long head = Packing.K_SCALES, dAt = Packing.kD(true);
        ShortVector mask = ShortVector.broadcast(SW, (short) 31), zero = ShortVector.zero(SW);
        for (int b = 0; b < nb; b++) {
            long t = g0 + 2944L * b;
            Arrays.fill(isum, 0, n * L, 0);
            Arrays.fill(msum, 0, n * L, 0);
            for (int j = 0; j < 8; j++) {
                int g = r * gp + 8 * b + j;
                ShortVector s0 = zero, s1 = zero, s2 = zero, s3 = zero, v15 = zero;
                for (int i = 0; i < 5; i++) {
                    ShortVector q = ShortVector.fromMemorySegment(SW, w, t + Packing.kQuants(true, j) + 64L * i + lane, LE);
                    ShortVector n0 = q.and(mask), n1 = q.lanewise(LSHR, 5).and(mask), n2 = q.lanewise(LSHR, 10).and(mask);
                    v15 = v15.or(q.lanewise(LSHR, 15).lanewise(LSHL, i));
                    for (int k = 0, p = r * pp + 16 * (8 * b + j) + 3 * i; k < n; k++, p += pp) {
                        ShortVector v = n0.mul(IntVector.broadcast(I, pairs[p]).reinterpretAsShorts())
                                .add(n1.mul(IntVector.broadcast(I, pairs[p + 1]).reinterpretAsShorts()))
                                .add(n2.mul(IntVector.broadcast(I, pairs[p + 2]).reinterpretAsShorts()));
                        switch (k) {
                            case 0 -> s0 = s0.add(v);
                            case 1 -> s1 = s1.add(v);
                            case 2 -> s2 = s2.add(v);
                            default -> s3 = s3.add(v);
                        }
                    }
                }
                long scales = t + head + 64L * (j >> 2) + lane;
                IntVector scj = IntVector.fromMemorySegment(I, w, scales, LE).lanewise(LSHR, 8 * (j & 3)).and(0xff);
                IntVector mj = IntVector.fromMemorySegment(I, w, scales + 128, LE).lanewise(LSHR, 8 * (j & 3)).and(0xff);
                for (int k = 0, p = r * pp + 16 * (8 * b + j) + 15; k < n; k++, p += pp) {
                    // value 15's products, then the center (the sums are modulo 2^16 until here)
                    ShortVector v15y = v15.mul(IntVector.broadcast(I, pairs[p]).reinterpretAsShorts())
                            .add(IntVector.broadcast(I, center[g + k * gp]).reinterpretAsShorts());
                    IntVector v = (switch (k) {
                        case 0 -> s0.add(v15y);
                        case 1 -> s1.add(v15y);
                        case 2 -> s2.add(v15y);
                        default -> s3.add(v15y);
                    }).reinterpretAsInts();
                    int ysum = sum[g + k * gp];
                    IntVector sumi = v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).add(16 * ysum); // + 16·Σy
                    IntVector.fromArray(I, isum, k * L).add(sumi.mul(scj)).intoArray(isum, k * L);
                    IntVector.fromArray(I, msum, k * L).add(mj.mul(ysum)).intoArray(msum, k * L);
                }
            }
            kScale(w, t + dAt + lane, d, r, n, bp, b, sc);
        }
    }

    /** A K-quant super-block's end: {@code acc += isum·(d·d_x) − msum·(dmin·d_x)} per row, d at {@code dAt}, dmin 64 bytes on. */
    private static void kScale(MemorySegment w, long dAt, float[] d, int r, int n, int bp, int b, Scratch sc) {
        int[] isum = sc.isum, msum = sc.msum;
        float[] acc = sc.acc;
        FloatVector dw = FloatVector.fromMemorySegment(F, w, dAt, LE);
        FloatVector dmin = FloatVector.fromMemorySegment(F, w, dAt + 64, LE);
        for (int k = 0; k < n; k++) {
            float dx = d[(r + k) * bp + b];
            FloatVector is = (FloatVector) IntVector.fromArray(I, isum, k * L).convert(I2F, 0);
            FloatVector ms = (FloatVector) IntVector.fromArray(I, msum, k * L).convert(I2F, 0);
            FloatVector v = is.fma(dw.mul(dx), FloatVector.fromArray(F, acc, k * L));
            ms.neg().fma(dmin.mul(dx), v).intoArray(acc, k * L);
        }
    }

    /**
     * {@link #q4_K} for two whole groups ({@link #dot2}). Measured (OpProfile, 1B Q4_K_M,
     * pp64, 2 threads, three alternating pairs): gate/up 410 / 446 / 550 → 340 / 331 / 360 ms per
     * prompt, ffn_down 103 / 113 / 137 → 85 / 82 / 88.
     */
    private static void q4_Kx2(MemorySegment w, long g0, long gBytes, int nb, int lane, QuantizedActivations a, int r, int n, Scratch sc) {
        int[] pairs = a.pairs, sum = a.sum, isum = sc.isum, msum = sc.msum, isum2 = sc.isum2, msum2 = sc.msum2;
        float[] d = a.d, acc = sc.acc, acc2 = sc.acc2;
        int pp = a.pairsPerRow(), bp = a.blocksPerRow(), gp = a.groupsPerRow();
        ShortVector mask = ShortVector.broadcast(SW, (short) 0xf), zero = ShortVector.zero(SW);
        for (int b = 0; b < nb; b++) {
            long t = g0 + 2432L * b, u = t + gBytes;
            Arrays.fill(isum, 0, n * L, 0);
            Arrays.fill(msum, 0, n * L, 0);
            Arrays.fill(isum2, 0, n * L, 0);
            Arrays.fill(msum2, 0, n * L, 0);
            for (int j = 0; j < 8; j++) {
                ShortVector s0 = zero, s1 = zero, s2 = zero, s3 = zero, z0 = zero, z1 = zero, z2 = zero, z3 = zero;
                for (int m = 0; m < 4; m++) {
                    ShortVector q = ShortVector.fromMemorySegment(SW, w, t + Packing.kQuants(false, j) + 64L * m + lane, LE);
                    IntVector qw = q.reinterpretAsInts(); // shifted as ints (see q4_0)
                    ShortVector n0 = q.and(mask), n1 = qw.lanewise(LSHR, 4).reinterpretAsShorts().and(mask);
                    ShortVector n2 = qw.lanewise(LSHR, 8).reinterpretAsShorts().and(mask), n3 = qw.lanewise(LSHR, 12).reinterpretAsShorts().and(mask);
                    ShortVector o = ShortVector.fromMemorySegment(SW, w, u + Packing.kQuants(false, j) + 64L * m + lane, LE);
                    IntVector ow = o.reinterpretAsInts(); // shifted as ints (see q4_0)
                    ShortVector o0 = o.and(mask), o1 = ow.lanewise(LSHR, 4).reinterpretAsShorts().and(mask);
                    ShortVector o2 = ow.lanewise(LSHR, 8).reinterpretAsShorts().and(mask), o3 = ow.lanewise(LSHR, 12).reinterpretAsShorts().and(mask);
                    for (int k = 0, p = r * pp + 16 * (8 * b + j) + 4 * m; k < n; k++, p += pp) {
                        ShortVector y0 = IntVector.broadcast(I, pairs[p]).reinterpretAsShorts(), y1 = IntVector.broadcast(I, pairs[p + 1]).reinterpretAsShorts();
                        ShortVector y2 = IntVector.broadcast(I, pairs[p + 2]).reinterpretAsShorts(), y3 = IntVector.broadcast(I, pairs[p + 3]).reinterpretAsShorts();
                        ShortVector v = n0.mul(y0).add(n1.mul(y1)).add(n2.mul(y2)).add(n3.mul(y3));
                        ShortVector v2 = o0.mul(y0).add(o1.mul(y1)).add(o2.mul(y2)).add(o3.mul(y3));
                        switch (k) {
                            case 0 -> {
                                s0 = s0.add(v);
                                z0 = z0.add(v2);
                            }
                            case 1 -> {
                                s1 = s1.add(v);
                                z1 = z1.add(v2);
                            }
                            case 2 -> {
                                s2 = s2.add(v);
                                z2 = z2.add(v2);
                            }
                            default -> {
                                s3 = s3.add(v);
                                z3 = z3.add(v2);
                            }
                        }
                    }
                }
                long scales = t + Packing.K_SCALES + 64L * (j >> 2) + lane, scales2 = scales + gBytes;
                IntVector scj = IntVector.fromMemorySegment(I, w, scales, LE).lanewise(LSHR, 8 * (j & 3)).and(0xff);
                IntVector mj = IntVector.fromMemorySegment(I, w, scales + 128, LE).lanewise(LSHR, 8 * (j & 3)).and(0xff);
                IntVector scj2 = IntVector.fromMemorySegment(I, w, scales2, LE).lanewise(LSHR, 8 * (j & 3)).and(0xff);
                IntVector mj2 = IntVector.fromMemorySegment(I, w, scales2 + 128, LE).lanewise(LSHR, 8 * (j & 3)).and(0xff);
                for (int k = 0; k < n; k++) {
                    IntVector v = (switch (k) {
                        case 0 -> s0;
                        case 1 -> s1;
                        case 2 -> s2;
                        default -> s3;
                    }).reinterpretAsInts();
                    IntVector v2 = (switch (k) {
                        case 0 -> z0;
                        case 1 -> z1;
                        case 2 -> z2;
                        default -> z3;
                    }).reinterpretAsInts();
                    int ysum = sum[(r + k) * gp + 8 * b + j];
                    IntVector sumi = v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16));
                    IntVector sumi2 = v2.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v2.lanewise(ASHR, 16));
                    IntVector.fromArray(I, isum, k * L).add(sumi.mul(scj)).intoArray(isum, k * L);
                    IntVector.fromArray(I, msum, k * L).add(mj.mul(ysum)).intoArray(msum, k * L);
                    IntVector.fromArray(I, isum2, k * L).add(sumi2.mul(scj2)).intoArray(isum2, k * L);
                    IntVector.fromArray(I, msum2, k * L).add(mj2.mul(ysum)).intoArray(msum2, k * L);
                }
            }
            FloatVector dw = FloatVector.fromMemorySegment(F, w, t + Packing.kD(false) + lane, LE);
            FloatVector dmin = FloatVector.fromMemorySegment(F, w, t + Packing.kD(false) + 64 + lane, LE);
            FloatVector dw2 = FloatVector.fromMemorySegment(F, w, u + Packing.kD(false) + lane, LE);
            FloatVector dmin2 = FloatVector.fromMemorySegment(F, w, u + Packing.kD(false) + 64 + lane, LE);
            for (int k = 0; k < n; k++) {
                float dx = d[(r + k) * bp + b];
                FloatVector is = (FloatVector) IntVector.fromArray(I, isum, k * L).convert(I2F, 0);
                FloatVector ms = (FloatVector) IntVector.fromArray(I, msum, k * L).convert(I2F, 0);
                FloatVector v = is.fma(dw.mul(dx), FloatVector.fromArray(F, acc, k * L));
                ms.neg().fma(dmin.mul(dx), v).intoArray(acc, k * L);
                FloatVector is2 = (FloatVector) IntVector.fromArray(I, isum2, k * L).convert(I2F, 0);
                FloatVector ms2 = (FloatVector) IntVector.fromArray(I, msum2, k * L).convert(I2F, 0);
                FloatVector v2 = is2.fma(dw2.mul(dx), FloatVector.fromArray(F, acc2, k * L));
                ms2.neg().fma(dmin2.mul(dx), v2).intoArray(acc2, k * L);
            }
        }
    }

    /**
     * Q6_K (tiles of 3392, {@link Packing}): per 32-value unit the six word vectors are first split
     * into the unit's sixteen vectors of six-bit values ({@link #q6Values}, into {@link Scratch#q6}),
     * which the row loop multiplies by the activation pairs, four values per pass over the rows as
     * {@link #q4_K} takes a 64-byte vector's four nibbles. A row's 16-bit lanes then get the set's
     * center {@code −32·Σy} ({@link QuantizedActivations#center6}) and hold {@code Σ (q − 32)·y} of
     * eight values, at most 8 · 32 · 127. The low halves (sub-block 2u) and high halves (sub-block
     * 2u + 1) take their own scales. (Splitting the words inside this method, between the row loops,
     * left C2 boxing the row accumulators: 168 MB allocated per 64-row 2048² product and a third of the
     * speed; the split values through a 1 KB array cost one store and one load per vector.)
     */
    private static void q6_K(MemorySegment w, long g0, int nb, int lane, QuantizedActivations a, int r, int n, Scratch sc) {
        int[] pairs = a.pairs, center = a.center6, isum = sc.isum;
        short[] q6 = sc.q6;
        float[] d = a.d, acc = sc.acc;
        int pp = a.pairsPerRow(), bp = a.blocksPerRow(), gp = a.groupsPerRow(), ls = SW.length();
        ShortVector zero = ShortVector.zero(SW);
        for (int b = 0; b < nb; b++) {
            long t = g0 + 3392L * b;
            Arrays.fill(isum, 0, n * L, 0);
            for (int u = 0; u < 8; u++) {
                q6Values(w, t + Packing.q6KWords(u) + lane, q6);
                IntVector scales = IntVector.fromMemorySegment(I, w, t + Packing.q6KScales(u) + lane, LE);
                int byteA = 2 * (u & 1); // signed scale bytes of sub-blocks 2u and 2u + 1
                IntVector scA = scales.lanewise(LSHL, 24 - 8 * byteA).lanewise(ASHR, 24);
                IntVector scB = scales.lanewise(LSHL, 16 - 8 * byteA).lanewise(ASHR, 24);
                for (int h = 0; h < 2; h++) {
                    ShortVector s0 = zero, s1 = zero, s2 = zero, s3 = zero;
                    for (int slot = 8 * h; slot < 8 * h + 8; slot += 4) {
                        ShortVector q0 = ShortVector.fromArray(SW, q6, slot * ls);
                        ShortVector q1 = ShortVector.fromArray(SW, q6, (slot + 1) * ls);
                        ShortVector q2 = ShortVector.fromArray(SW, q6, (slot + 2) * ls);
                        ShortVector q3 = ShortVector.fromArray(SW, q6, (slot + 3) * ls);
                        for (int k = 0, p = r * pp + 16 * (8 * b + u) + slot; k < n; k++, p += pp) {
                            ShortVector v = q0.mul(IntVector.broadcast(I, pairs[p]).reinterpretAsShorts())
                                    .add(q1.mul(IntVector.broadcast(I, pairs[p + 1]).reinterpretAsShorts()))
                                    .add(q2.mul(IntVector.broadcast(I, pairs[p + 2]).reinterpretAsShorts()))
                                    .add(q3.mul(IntVector.broadcast(I, pairs[p + 3]).reinterpretAsShorts()));
                            switch (k) {
                                case 0 -> s0 = s0.add(v);
                                case 1 -> s1 = s1.add(v);
                                case 2 -> s2 = s2.add(v);
                                default -> s3 = s3.add(v);
                            }
                        }
                    }
                    for (int k = 0, c = 2 * (r * gp + 8 * b + u) + h; k < n; k++, c += 2 * gp) {
                        IntVector v = (switch (k) {
                            case 0 -> s0;
                            case 1 -> s1;
                            case 2 -> s2;
                            default -> s3;
                        }).add(IntVector.broadcast(I, center[c]).reinterpretAsShorts()).reinterpretAsInts();
                        IntVector lo = v.lanewise(LSHL, 16).lanewise(ASHR, 16), hi = v.lanewise(ASHR, 16);
                        IntVector.fromArray(I, isum, k * L).add(lo.mul(scA)).add(hi.mul(scB)).intoArray(isum, k * L);
                    }
                }
            }
            FloatVector dw = FloatVector.fromMemorySegment(F, w, t + Packing.Q6K_D + lane, LE);
            for (int k = 0; k < n; k++) {
                FloatVector is = (FloatVector) IntVector.fromArray(I, isum, k * L).convert(I2F, 0);
                is.fma(dw.mul(d[(r + k) * bp + b]), FloatVector.fromArray(F, acc, k * L)).intoArray(acc, k * L);
            }
        }
    }

    /**
     * {@link #q6_K} for exactly four rows, written out: the rows' sums in registers rather than
     * {@link Scratch#isum}, and no switch on the row. The same operations per row in the same order.
     * Measured on the Zen 5 host (JMH, 2048², one thread, five alternating pairs, G MAC/s): 64 rows
     * 38.0 / 25.5 / 27.7 / 22.5 / 23.4 → 43.4 / 27.5 / 36.0 / 39.1 / 39.5; 4 rows 35.3 / 33.7 / 25.2 /
     * 34.0 / 36.8 → 44.2 / 32.1 / 36.3 / 32.6 / 44.1. In a Q4_K_M prompt (OpProfile pp64) the Q6_K
     * ffn_down took 1.99 / 2.05 times the Q4_K one's time, now 1.69 / 1.39.
     */
    private static void q6_K4(MemorySegment w, long g0, int nb, int lane, QuantizedActivations a, int r, Scratch sc) {
        int[] pairs = a.pairs, center = a.center6;
        short[] q6 = sc.q6;
        float[] d = a.d, acc = sc.acc;
        int pp = a.pairsPerRow(), bp = a.blocksPerRow(), gp = a.groupsPerRow(), ls = SW.length();
        ShortVector zero = ShortVector.zero(SW);
        for (int b = 0; b < nb; b++) {
            long t = g0 + 3392L * b;
            IntVector i0 = IntVector.zero(I), i1 = i0, i2 = i0, i3 = i0;
            for (int u = 0; u < 8; u++) {
                q6Values(w, t + Packing.q6KWords(u) + lane, q6);
                IntVector scales = IntVector.fromMemorySegment(I, w, t + Packing.q6KScales(u) + lane, LE);
                int byteA = 2 * (u & 1); // signed scale bytes of sub-blocks 2u and 2u + 1
                IntVector scA = scales.lanewise(LSHL, 24 - 8 * byteA).lanewise(ASHR, 24);
                IntVector scB = scales.lanewise(LSHL, 16 - 8 * byteA).lanewise(ASHR, 24);
                for (int h = 0; h < 2; h++) {
                    ShortVector s0 = zero, s1 = zero, s2 = zero, s3 = zero;
                    for (int slot = 8 * h; slot < 8 * h + 8; slot += 4) {
                        ShortVector q0 = ShortVector.fromArray(SW, q6, slot * ls);
                        ShortVector q1 = ShortVector.fromArray(SW, q6, (slot + 1) * ls);
                        ShortVector q2 = ShortVector.fromArray(SW, q6, (slot + 2) * ls);
                        ShortVector q3 = ShortVector.fromArray(SW, q6, (slot + 3) * ls);
                        int p = r * pp + 16 * (8 * b + u) + slot;
                        s0 = s0.add(q0.mul(IntVector.broadcast(I, pairs[p]).reinterpretAsShorts())
                                .add(q1.mul(IntVector.broadcast(I, pairs[p + 1]).reinterpretAsShorts()))
                                .add(q2.mul(IntVector.broadcast(I, pairs[p + 2]).reinterpretAsShorts()))
                                .add(q3.mul(IntVector.broadcast(I, pairs[p + 3]).reinterpretAsShorts())));
                        p += pp;
                        s1 = s1.add(q0.mul(IntVector.broadcast(I, pairs[p]).reinterpretAsShorts())
                                .add(q1.mul(IntVector.broadcast(I, pairs[p + 1]).reinterpretAsShorts()))
                                .add(q2.mul(IntVector.broadcast(I, pairs[p + 2]).reinterpretAsShorts()))
                                .add(q3.mul(IntVector.broadcast(I, pairs[p + 3]).reinterpretAsShorts())));
                        p += pp;
                        s2 = s2.add(q0.mul(IntVector.broadcast(I, pairs[p]).reinterpretAsShorts())
                                .add(q1.mul(IntVector.broadcast(I, pairs[p + 1]).reinterpretAsShorts()))
                                .add(q2.mul(IntVector.broadcast(I, pairs[p + 2]).reinterpretAsShorts()))
                                .add(q3.mul(IntVector.broadcast(I, pairs[p + 3]).reinterpretAsShorts())));
                        p += pp;
                        s3 = s3.add(q0.mul(IntVector.broadcast(I, pairs[p]).reinterpretAsShorts())
                                .add(q1.mul(IntVector.broadcast(I, pairs[p + 1]).reinterpretAsShorts()))
                                .add(q2.mul(IntVector.broadcast(I, pairs[p + 2]).reinterpretAsShorts()))
                                .add(q3.mul(IntVector.broadcast(I, pairs[p + 3]).reinterpretAsShorts())));
                    }
                    int c = 2 * (r * gp + 8 * b + u) + h;
                    IntVector v = s0.add(IntVector.broadcast(I, center[c]).reinterpretAsShorts()).reinterpretAsInts();
                    i0 = i0.add(v.lanewise(LSHL, 16).lanewise(ASHR, 16).mul(scA)).add(v.lanewise(ASHR, 16).mul(scB));
                    c += 2 * gp;
                    v = s1.add(IntVector.broadcast(I, center[c]).reinterpretAsShorts()).reinterpretAsInts();
                    i1 = i1.add(v.lanewise(LSHL, 16).lanewise(ASHR, 16).mul(scA)).add(v.lanewise(ASHR, 16).mul(scB));
                    c += 2 * gp;
                    v = s2.add(IntVector.broadcast(I, center[c]).reinterpretAsShorts()).reinterpretAsInts();
                    i2 = i2.add(v.lanewise(LSHL, 16).lanewise(ASHR, 16).mul(scA)).add(v.lanewise(ASHR, 16).mul(scB));
                    c += 2 * gp;
                    v = s3.add(IntVector.broadcast(I, center[c]).reinterpretAsShorts()).reinterpretAsInts();
                    i3 = i3.add(v.lanewise(LSHL, 16).lanewise(ASHR, 16).mul(scA)).add(v.lanewise(ASHR, 16).mul(scB));
                }
            }
            FloatVector dw = FloatVector.fromMemorySegment(F, w, t + Packing.Q6K_D + lane, LE);
            ((FloatVector) i0.convert(I2F, 0)).fma(dw.mul(d[r * bp + b]), FloatVector.fromArray(F, acc, 0)).intoArray(acc, 0);
            ((FloatVector) i1.convert(I2F, 0)).fma(dw.mul(d[(r + 1) * bp + b]), FloatVector.fromArray(F, acc, L)).intoArray(acc, L);
            ((FloatVector) i2.convert(I2F, 0)).fma(dw.mul(d[(r + 2) * bp + b]), FloatVector.fromArray(F, acc, 2 * L)).intoArray(acc, 2 * L);
            ((FloatVector) i3.convert(I2F, 0)).fma(dw.mul(d[(r + 3) * bp + b]), FloatVector.fromArray(F, acc, 3 * L)).intoArray(acc, 3 * L);
        }
    }

    /**
     * A Q6_K unit's six word vectors at {@code at} ({@link Words#SIX}) split into its sixteen
     * vectors of six-bit values, value i of each half at {@code q6[i·SW.length()..]}: per set of eight,
     * six values are a word's bits 0-5 or 6-11, and values 6 and 7 are joined from the words' top bits.
     */
    static void q6Values(MemorySegment w, long at, short[] q6) {
        int ls = SW.length();
        for (int set = 0; set < 2; set++) {
            long q0 = at + 192L * set;
            int o = 8 * set * ls;
            ShortVector w0 = ShortVector.fromMemorySegment(SW, w, q0, LE);
            ShortVector w1 = ShortVector.fromMemorySegment(SW, w, q0 + 64, LE);
            ShortVector w2 = ShortVector.fromMemorySegment(SW, w, q0 + 128, LE);
            w0.and((short) 63).intoArray(q6, o);
            w0.lanewise(LSHR, 6).and((short) 63).intoArray(q6, o + ls);
            w1.and((short) 63).intoArray(q6, o + 2 * ls);
            w1.lanewise(LSHR, 6).and((short) 63).intoArray(q6, o + 3 * ls);
            w2.and((short) 63).intoArray(q6, o + 4 * ls);
            w2.lanewise(LSHR, 6).and((short) 63).intoArray(q6, o + 5 * ls);
            w0.lanewise(LSHR, 12).or(w1.lanewise(LSHR, 12).and((short) 3).lanewise(LSHL, 4)).intoArray(q6, o + 6 * ls);
            w1.lanewise(LSHR, 14).or(w2.lanewise(LSHR, 12).lanewise(LSHL, 2)).intoArray(q6, o + 7 * ls);
        }
    }
}
