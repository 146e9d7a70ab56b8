package dev.skipllama.tensor.cpu;

import static dev.skipllama.tensor.cpu.Simd.F;
import static dev.skipllama.tensor.cpu.Simd.I;
import static dev.skipllama.tensor.cpu.Simd.L;
import static dev.skipllama.tensor.cpu.Simd.S;
import static dev.skipllama.tensor.cpu.Simd.SW;
import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.F2I;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.S2I;

import dev.skipllama.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;

/**
 * Prompt batches (at least {@link #MIN_ROWS} activation rows; Q4_0 from {@link #MIN_ROWS_Q4_0}, Q5_K
 * from {@link #MIN_ROWS_Q5_K}) over Q4_0, Q8_0, Q4_K, Q5_K and Q6_K tiles in arithmetic that is exact:
 * a GEMM with the weights decoded once per strip into a float <em>panel</em> (Q4_0, Q4_K, Q5_K: 16-bit
 * integers) that every activation row reuses, where the integer kernels of {@link TileGemm} decode
 * them again for every four or eight rows.
 *
 * <p><b>Why it is exact.</b> The definition ({@link dev.skipllama.tensor.quant.QuantDot}) sums products
 * in integers and scales them in float. Here a lane is one weight row (as in the tiles) and one
 * accumulator per activation row sums products by float FMAs (Q4_0, Q4_K and Q5_K: by 16-bit integer
 * multiply-adds, below). Every panel value and every activation
 * ({@link QuantizedActivations#panels}) is a small integer, so each FMA is exact as long as the sum stays
 * below 2^24, and the sums are cut into spans that do:
 * <ul>
 *   <li>Q8_0: a 32-value block, at most 32·128·127; then {@code acc = fma(Σq·y, d_w·d_x, acc)},
 *       block after block. (Q4_0 sums its blocks in 16-bit integers instead, {@link #microPairs}.)</li>
 *   <li>Q4_K and Q5_K: in 16-bit integers as Q4_0 ({@link #microKPairs}); the mins' {@code Σ m_j·Σy}
 *       (at most 8·63·32·127) is exact in float.</li>
 *   <li>Q6_K: the panel holds {@code sc_j·(q − 32)} (at most 128·32); 32 values sum to at most
 *       32·4096·127 = 16,646,144 &lt; 2^24, and the eight spans of a super-block are added as ints.</li>
 * </ul>
 * Then the definition's float operations, lane by lane, so a row's result has its bits, as the
 * single-row kernels' do (batch invariance holds). {@code PackedKernelProperties} has a case at the
 * largest sums that fails if a span is doubled.
 *
 * <p><b>Why it is faster.</b> The integer kernels are bound by 16-bit multiplies ({@code vpmullw}, 32
 * products per instruction; llama.cpp's {@code vpdpbusd} does 64, which the Vector API cannot emit).
 * A float FMA does 16, but this core issues two per cycle and the decoding is paid once per strip.
 * Measured on a Zen 5 host (JMH MatmulBenchmark, 64 rows, 2048², alternating, medians, matrices/s):
 * Q4_0 481 → 559 on two threads and 243 → 315 on one, Q6_K 280 → 451, Q8_0 about +10%; Q4_K even
 * on 2048² (495 → 480) but faster on gate/up's 8192 × 2048 (64 rows 99 → 121, 32 rows 193 → 216), and
 * a Q4_K_M prompt with this path for Q4_K against without it, alternating, read 84 / 78 / 104 / 126
 * against 70 / 89 / 79 / 89 tok/s. The micro-kernel is 2 vectors of weight
 * rows × {@link #TOKENS} activation rows: 12 block accumulators and 12 totals in registers (with the
 * totals in memory it was 30% slower; 4 vectors × 3 rows, 2 × 8 and a k-loop unrolled by two were no
 * faster), reading the weights from the panel and broadcasting the activations, each six rows' values
 * interleaved so that a call reads one stream (six separate rows were 10-40% slower). Values come in
 * chunks of {@link #KC}, a 32 KiB panel at 512 bits, in L1 (a 64-row strip sharing each activation
 * between two calls was no faster for Q4_0 and 25% slower for Q6_K). Below {@link #MIN_ROWS} the
 * integer kernels win: at 16 rows this path was 10-20% slower for Q4_0, at 24 even, at 30 and 64 faster.
 * With 16 registers (AVX2, {@code -XX:UseAVX=2}) it spills, and was still faster: Q4_0 +25-87%,
 * Q8_0 +72-120%, Q6_K 0-35%.
 *
 * <p><b>Q4_0 in 16-bit integers.</b> Q4_0's panel holds pairs of 16-bit values instead, laid out as the
 * tiles' lanes are ({@link TileGemm}), and its micro-kernel multiplies with {@code vpmullw} and adds
 * with {@code vpaddw}: 32 products an instruction where an FMA does 16. On the Zen 5 host a loop of
 * independent multiply-adds ran 5.0 G 16-bit pairs a second (160 G products) against 6.7 G FMAs
 * (107 G): the multiplies and the adds go to different pipes. A block's sum stays exact in 16 bits
 * ({@link #microPairs}). Measured with a probe that alternates the two Q4_0 kernels in one process
 * (2048², 64 rows, the same bits): one thread 113-146 → 152-222 GFLOP/s, two threads 176-185 →
 * 221-242 in one sitting and 263-286 → 368-417 in another. Q4_K's panel holds its nibbles unscaled
 * in the same pairs; each 32-value sub-block is summed in 16 bits and scaled as an int
 * ({@link #microKPairs}); the same probe: 2048² on two threads 225-266 → 320-334 GFLOP/s, 8192 × 2048
 * on one thread 122-136 → 152-177. Q5_K, which had no panel, the same way with {@code q − 16} (at most
 * 16·16·127 = 32,512 a half) and {@code 16·Σy} added back per sub-block: 64 rows 143-160 → 295-374
 * GFLOP/s against its tiles. Q8_0's products reach 16,256 each, and Q6_K's sixteen-value sub-blocks,
 * one scale a half, would need a widening every eight steps: both stay in float.
 */
final class PanelGemm {
    private PanelGemm() {
    }

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Activation rows per micro-kernel call (the batch is padded to a multiple with zero rows). */
    static final int TOKENS = 6;
    /** Weight rows per strip: two vectors' lanes. */
    static final int R = 2 * L;
    /** Values per chunk of the panel. */
    static final int KC = 256;
    /** Fewest activation rows that take this path (below, the integer kernels, which decode for every four). */
    static final int MIN_ROWS = 24;
    /**
     * Fewest activation rows that take Q4_0's integer panel. In L3 it beats the tiles from five rows
     * (2048² and 8192 × 2048, two threads, µs a call, alternating in one process: 4 rows even at
     * 148-173 / 153-157, 5 rows 177-219 / 215-229, 6 rows 166-172 / 203-212, 8 rows 268-354 / 346-415,
     * 16 rows 381-426 / 590-641), but in the model, whose weights come from DRAM, the tiles' read-ahead
     * pass ({@link TileGemm#touchFirst}) keeps them level longer (1B Q4_0, `GenerateBench`, builds
     * alternating, tok/s panel / tiles: pp6 67.9 / 66.4, 65.6 / 55.7, 76.8 / 84.4; pp8 75.6 / 81.5,
     * 91.9 / 104.1, 95.4 / 71.9; pp12 110.3 / 128.3, 123.2 / 121.8, 112.1 / 125.9; pp16 104.7 / 98.3,
     * 110.9 / 84.7, 138.3 / 127.5).
     */
    static final int MIN_ROWS_Q4_0 = 16;
    /**
     * Fewest activation rows that take Q5_K's integer panel. In L3 (2048², two threads, GFLOP/s panel /
     * tiles, alternating builds): 2 rows 61-84 / 105-122, 4 rows 161-166 / 118-147, 5 rows 147-158 /
     * 81-90, 8 rows 132-192 / 123-146, 16 rows 270-295 / 115-170, 24 rows 301-363 / 128-171, 64 rows
     * 295-374 / 143-160. In the model (1B Q5_K_M, tok/s): pp4 37.8 / 41.5, 38.0 / 42.6, 38.8 / 48.8;
     * pp8 52.4 / 53.3, 50.9 / 53.3, 47.1 / 41.0; pp12 93.6 / 65.7, 86.5 / 66.1, 93.0 / 57.8.
     */
    static final int MIN_ROWS_Q5_K = 12;

    /** Whether a batch of {@code rows} activation rows times weights of type t runs here. */
    static boolean applies(DType t, int rows) {
        return switch (t) {
            case Q4_0 -> rows >= MIN_ROWS_Q4_0;
            case Q5_K -> rows >= MIN_ROWS_Q5_K;
            case Q8_0, Q4_K, Q6_K -> rows >= MIN_ROWS;
            case F32, F16, BF16, Q4_1, Q5_0 -> false;
        };
    }

    /** Activation rows rounded up to whole micro-kernel calls. */
    static int padded(int rows) {
        return (rows + TOKENS - 1) / TOKENS * TOKENS;
    }

    /** Strips of a matrix of {@code nOut} rows. */
    static int strips(int nOut) {
        return (nOut + R - 1) / R;
    }

    /**
     * Per-worker memory: the panel (float, or 16-bit pairs for Q4_0, Q4_K and Q5_K) and its scales for one
     * chunk (Q4_0, Q8_0: each block's d·2^-112; Q4_K, Q5_K: the super-block's d, dmin and eight mins; Q6_K:
     * its d), the strip's totals, and a K-quant super-block's integer sums so far (see
     * {@link #microKPairs}, {@link #microQ6K}).
     */
    static final class Scratch {
        final float[] w = new float[KC * R];
        final float[] d = new float[10 * R];
        float[] tot = new float[0];
        final int[] isum = new int[2 * TOKENS * L];
        /** A Q6_K unit's sixteen vectors of six-bit values ({@link TileGemm#q6Values}). */
        final short[] q6 = new short[16 * Simd.SW.length()];
        /**
         * The Q4_0, Q4_K and Q5_K panel ({@link #microPairs}, {@link #microKPairs}): for each 32 values and
         * pair step s, R lanes of two shorts (Q4_0: {@code q_s − 8} and {@code q_16+s − 8}; Q4_K: the
         * nibbles; Q5_K: {@code q − 16}).
         */
        final short[] pairs = new short[KC * R];
        /** A Q4_K or Q5_K super-block's eight 6-bit scales per row, sub-block j at {@code j·R} ({@link #microKPairs}). */
        final int[] kScales = new int[8 * R];
    }

    /**
     * Strip {@code s} (rows {@code s·R ..}, fewer at the end) of the packed matrix {@code w} times every
     * activation row of {@code a}, stored row after row into {@code out} ({@code nOut} floats a row).
     */
    static void strip(DType t, MemorySegment w, int nOut, int s, QuantizedActivations a, MemorySegment out, Scratch sc) {
        int n = a.n, nb = n / t.blockSize(), perChunk = KC / t.blockSize(), rows = a.rows, tokens = padded(rows), o0 = s * R;
        if (sc.tot.length < tokens * R) {
            sc.tot = new float[tokens * R];
        }
        float[] tot = sc.tot;
        Arrays.fill(tot, 0, tokens * R, 0f);
        int groups = Packing.groups(nOut);
        for (int c0 = 0; c0 < nb; c0 += perChunk) {
            int c1 = Math.min(nb, c0 + perChunk);
            for (int v = 0; v < 2; v++) {
                int row = o0 + v * L, g = row / Packing.G, lane = 4 * (row % Packing.G);
                if (g >= groups) { // past the last group: rows that do not exist, zero
                    for (int k = 0; k < (c1 - c0) * t.blockSize(); k++) {
                        Arrays.fill(sc.w, k * R + v * L, k * R + v * L + L, 0f);
                    }
                    for (int k = 0; k < (c1 - c0) * t.blockSize() / 2; k++) { // the pair panel's steps
                        Arrays.fill(sc.pairs, k * 2 * R + 2 * v * L, k * 2 * R + 2 * v * L + 2 * L, (short) 0);
                    }
                    for (int j = 0; j < 8; j++) {
                        Arrays.fill(sc.kScales, j * R + v * L, j * R + v * L + L, 0);
                    }
                    for (int i = 0; i < sc.d.length / R; i++) {
                        Arrays.fill(sc.d, i * R + v * L, i * R + v * L + L, 0f);
                    }
                    continue;
                }
                long g0 = Packing.tile(t, nb, g, 0);
                switch (t) {
                    case Q4_0 -> q4_0(w, g0, c0, c1, lane, v * L, sc);
                    case Q8_0 -> q8_0(w, g0, c0, c1, lane, v * L, sc);
                    case Q4_K -> q4_K(w, g0 + Packing.tileBytes(t) * c0, lane, v * L, sc);
                    case Q5_K -> q5_K(w, g0 + Packing.tileBytes(t) * c0, lane, v * L, sc);
                    case Q6_K -> q6_K(w, g0 + Packing.tileBytes(t) * c0, lane, v * L, sc);
                    case F32, F16, BF16, Q4_1, Q5_0 -> throw new IllegalArgumentException(t + " has no panel kernel");
                }
            }
            for (int t0 = 0; t0 < tokens; t0 += TOKENS) {
                if (t == DType.Q4_K || t == DType.Q5_K) {
                    microKPairs(sc, a.pairPanels, a.d, a.sum, t == DType.Q5_K, tot, n, t0, c0);
                } else if (t == DType.Q6_K) {
                    microQ6K(sc, a.panels, a.d, tot, n, t0, c0);
                } else if (t == DType.Q4_0 && rows - t0 <= 4) {
                    microPairs4(sc.pairs, sc.d, a.pairPanels, a.d, tot, n, nb, t0, c0, c1);
                } else if (t == DType.Q4_0) {
                    microPairs(sc.pairs, sc.d, a.pairPanels, a.d, tot, n, nb, t0, c0, c1);
                } else {
                    micro(sc.w, sc.d, a.panels, a.d, tot, n, nb, t0, c0, c1);
                }
            }
        }
        int valid = Math.min(R, nOut - o0);
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(tot, r * R, out, ValueLayout.JAVA_FLOAT_UNALIGNED, 4L * ((long) r * nOut + o0), valid);
        }
    }

    /**
     * Activation rows t0..t0+5 times one Q6_K super-block of the panel (super-block {@code b} of the
     * rows), added into their totals. The definition's {@code isum = Σ_j sc_j·Σ q·y} may pass 2^24, so
     * each span of 32 values (at most 16,646,144) is summed in float, exactly, converted to int and the
     * spans added as ints. Then {@code acc = fma((float) isum, d·d_x, acc)} ({@link #totalK}), as
     * {@link dev.skipllama.tensor.quant.QuantDot}.
     */
    private static void microQ6K(Scratch sc, float[] x, float[] dx, float[] tot, int n, int t0, int b) {
        int span = 32;
        float[] p = sc.w, pd = sc.d;
        int[] isum = sc.isum;
        int xb = t0 * n + 6 * 256 * b, nb = n / 256;
        Arrays.fill(isum, 0);
        for (int h = 0; h < 256; h += span) {
            FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00;
            FloatVector a30 = a00, a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00;
            int kw = h * R;
            for (int k = xb + 6 * h, end = k + 6 * span; k < end; k += 6, kw += R) {
                FloatVector w0 = FloatVector.fromArray(F, p, kw), w1 = FloatVector.fromArray(F, p, kw + L);
                FloatVector y = FloatVector.broadcast(F, x[k]);
                a00 = w0.fma(y, a00);
                a01 = w1.fma(y, a01);
                y = FloatVector.broadcast(F, x[k + 1]);
                a10 = w0.fma(y, a10);
                a11 = w1.fma(y, a11);
                y = FloatVector.broadcast(F, x[k + 2]);
                a20 = w0.fma(y, a20);
                a21 = w1.fma(y, a21);
                y = FloatVector.broadcast(F, x[k + 3]);
                a30 = w0.fma(y, a30);
                a31 = w1.fma(y, a31);
                y = FloatVector.broadcast(F, x[k + 4]);
                a40 = w0.fma(y, a40);
                a41 = w1.fma(y, a41);
                y = FloatVector.broadcast(F, x[k + 5]);
                a50 = w0.fma(y, a50);
                a51 = w1.fma(y, a51);
            }
            // the span's sums, exact integers, added up as ints
            ((IntVector) a00.convert(F2I, 0)).add(IntVector.fromArray(I, isum, 0)).intoArray(isum, 0);
            ((IntVector) a01.convert(F2I, 0)).add(IntVector.fromArray(I, isum, L)).intoArray(isum, L);
            ((IntVector) a10.convert(F2I, 0)).add(IntVector.fromArray(I, isum, 2 * L)).intoArray(isum, 2 * L);
            ((IntVector) a11.convert(F2I, 0)).add(IntVector.fromArray(I, isum, 3 * L)).intoArray(isum, 3 * L);
            ((IntVector) a20.convert(F2I, 0)).add(IntVector.fromArray(I, isum, 4 * L)).intoArray(isum, 4 * L);
            ((IntVector) a21.convert(F2I, 0)).add(IntVector.fromArray(I, isum, 5 * L)).intoArray(isum, 5 * L);
            ((IntVector) a30.convert(F2I, 0)).add(IntVector.fromArray(I, isum, 6 * L)).intoArray(isum, 6 * L);
            ((IntVector) a31.convert(F2I, 0)).add(IntVector.fromArray(I, isum, 7 * L)).intoArray(isum, 7 * L);
            ((IntVector) a40.convert(F2I, 0)).add(IntVector.fromArray(I, isum, 8 * L)).intoArray(isum, 8 * L);
            ((IntVector) a41.convert(F2I, 0)).add(IntVector.fromArray(I, isum, 9 * L)).intoArray(isum, 9 * L);
            ((IntVector) a50.convert(F2I, 0)).add(IntVector.fromArray(I, isum, 10 * L)).intoArray(isum, 10 * L);
            ((IntVector) a51.convert(F2I, 0)).add(IntVector.fromArray(I, isum, 11 * L)).intoArray(isum, 11 * L);
        }
        for (int i = 0; i < TOKENS; i++) {
            totalK(isum, 2 * i, pd, dx[(t0 + i) * nb + b], null, 0, tot, (t0 + i) * R);
        }
    }

    /**
     * One activation row's two vectors of a K-quant super-block: its isum (ints at {@code isum[i·L]} and
     * {@code isum[(i+1)·L]}) and, where {@code ysum} is given (Q4_K), its msum, scaled into the totals at
     * {@code tot[o]}.
     */
    private static void totalK(int[] isum, int i, float[] pd, float dx, int[] ysum, int y0, float[] tot, int o) {
        FloatVector isum0 = (FloatVector) IntVector.fromArray(I, isum, i * L).convert(I2F, 0);
        FloatVector isum1 = (FloatVector) IntVector.fromArray(I, isum, (i + 1) * L).convert(I2F, 0);
        FloatVector t0 = isum0.fma(FloatVector.fromArray(F, pd, 0).mul(dx), FloatVector.fromArray(F, tot, o));
        FloatVector t1 = isum1.fma(FloatVector.fromArray(F, pd, L).mul(dx), FloatVector.fromArray(F, tot, o + L));
        if (ysum == null) { // Q6_K: no mins
            t0.intoArray(tot, o);
            t1.intoArray(tot, o + L);
            return;
        }
        FloatVector msum0 = FloatVector.zero(F), msum1 = msum0;
        for (int j = 0; j < 8; j++) {
            FloatVector y = FloatVector.broadcast(F, ysum[y0 + j]);
            msum0 = FloatVector.fromArray(F, pd, (2 + j) * R).fma(y, msum0);
            msum1 = FloatVector.fromArray(F, pd, (2 + j) * R + L).fma(y, msum1);
        }
        msum0.neg().fma(FloatVector.fromArray(F, pd, R).mul(dx), t0).intoArray(tot, o);
        msum1.neg().fma(FloatVector.fromArray(F, pd, R + L).mul(dx), t1).intoArray(tot, o + L);
    }

    /**
     * Q8_0 blocks c0..c1 of one vector's rows (tile lanes from byte {@code lane}) into the panel at
     * column {@code col}, their scales into {@code sc.d}.
     */
    private static void q8_0(MemorySegment w, long g0, int c0, int c1, int lane, int col, Scratch sc) {
        float[] p = sc.w;
        for (int b = c0; b < c1; b++) {
            long tile = g0 + 544L * b;
            int base = (b - c0) * 32 * R + col;
            for (int m = 0; m < 8; m++) { // byte j of a lane: value 2m + (j & 1) + 16·(j >> 1)
                IntVector q = IntVector.fromMemorySegment(I, w, tile + 64L * m + lane, LE);
                for (int j = 0; j < 4; j++) {
                    ((FloatVector) q.lanewise(LSHL, 24 - 8 * j).lanewise(ASHR, 24).convert(I2F, 0))
                            .intoArray(p, base + (2 * m + (j & 1) + 16 * (j >> 1)) * R);
                }
            }
            scale(w, tile + 512, lane, sc.d, (b - c0) * R + col);
        }
    }

    /**
     * One Q6_K super-block of one vector's rows into the panel: value k of sub-block j as
     * {@code sc_j · (q − 32)} (at most 128·32 in magnitude, so that 32 values' sum stays exact, see
     * {@link #microQ6K}); d into {@code sc.d}. A unit's six-bit values come out of its words as
     * {@link TileGemm}'s kernel takes them (each 32-bit lane: sub-block 2u's value low, 2u+1's high).
     */
    private static void q6_K(MemorySegment w, long tile, int lane, int col, Scratch sc) {
        float[] p = sc.w;
        short[] q6 = sc.q6;
        int ls = Simd.SW.length();
        for (int u = 0; u < 8; u++) {
            TileGemm.q6Values(w, tile + Packing.q6KWords(u) + lane, q6);
            IntVector scales = IntVector.fromMemorySegment(I, w, tile + Packing.q6KScales(u) + lane, LE);
            int byteLo = 2 * (u & 1); // sub-block 2u's int8 scale; 2u + 1's is the next byte
            FloatVector scLo = (FloatVector) scales.lanewise(LSHL, 24 - 8 * byteLo).lanewise(ASHR, 24).convert(I2F, 0);
            FloatVector scHi = (FloatVector) scales.lanewise(LSHL, 16 - 8 * byteLo).lanewise(ASHR, 24).convert(I2F, 0);
            for (int i = 0; i < 16; i++) {
                IntVector v = ShortVector.fromArray(Simd.SW, q6, i * ls).reinterpretAsInts();
                ((FloatVector) v.and(0xffff).sub(32).convert(I2F, 0)).mul(scLo).intoArray(p, (32 * u + i) * R + col);
                ((FloatVector) v.lanewise(LSHR, 16).sub(32).convert(I2F, 0)).mul(scHi).intoArray(p, (32 * u + 16 + i) * R + col);
            }
        }
        FloatVector.fromMemorySegment(F, w, tile + Packing.Q6K_D + lane, LE).intoArray(sc.d, col);
    }

    /** The F16 scales of a vector's rows at {@code at} (two bytes a row), as d · 2^-112 (see {@link TileGemm}). */
    private static void scale(MemorySegment w, long at, int lane, float[] d, int to) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, at + lane / 2, LE).convertShape(S2I, I, 0);
        h.lanewise(LSHL, 13).and(0x8fffe000).reinterpretAsFloats().intoArray(d, to);
    }

    /**
     * Activation rows t0..t0+5 times the panel (blocks c0..c1), added into their totals {@code tot[t·R ..]}.
     * Written out, one variable per accumulator (see {@link TileGemm} on C2 and vectors passed to helpers).
     */
    private static void micro(float[] p, float[] pd, float[] x, float[] dx, float[] tot, int n, int nb, int t0, int c0, int c1) {
        int xb = t0 * n, o = t0 * R;
        FloatVector s00 = FloatVector.fromArray(F, tot, o), s01 = FloatVector.fromArray(F, tot, o + L);
        FloatVector s10 = FloatVector.fromArray(F, tot, o + R), s11 = FloatVector.fromArray(F, tot, o + R + L);
        FloatVector s20 = FloatVector.fromArray(F, tot, o + 2 * R), s21 = FloatVector.fromArray(F, tot, o + 2 * R + L);
        FloatVector s30 = FloatVector.fromArray(F, tot, o + 3 * R), s31 = FloatVector.fromArray(F, tot, o + 3 * R + L);
        FloatVector s40 = FloatVector.fromArray(F, tot, o + 4 * R), s41 = FloatVector.fromArray(F, tot, o + 4 * R + L);
        FloatVector s50 = FloatVector.fromArray(F, tot, o + 5 * R), s51 = FloatVector.fromArray(F, tot, o + 5 * R + L);
        for (int b = c0; b < c1; b++) {
            FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00;
            FloatVector a30 = a00, a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00;
            int kw = (b - c0) * 32 * R;
            for (int k = xb + 6 * 32 * b, end = k + 6 * 32; k < end; k += 6, kw += R) {
                FloatVector w0 = FloatVector.fromArray(F, p, kw), w1 = FloatVector.fromArray(F, p, kw + L);
                FloatVector y = FloatVector.broadcast(F, x[k]);
                a00 = w0.fma(y, a00);
                a01 = w1.fma(y, a01);
                y = FloatVector.broadcast(F, x[k + 1]);
                a10 = w0.fma(y, a10);
                a11 = w1.fma(y, a11);
                y = FloatVector.broadcast(F, x[k + 2]);
                a20 = w0.fma(y, a20);
                a21 = w1.fma(y, a21);
                y = FloatVector.broadcast(F, x[k + 3]);
                a30 = w0.fma(y, a30);
                a31 = w1.fma(y, a31);
                y = FloatVector.broadcast(F, x[k + 4]);
                a40 = w0.fma(y, a40);
                a41 = w1.fma(y, a41);
                y = FloatVector.broadcast(F, x[k + 5]);
                a50 = w0.fma(y, a50);
                a51 = w1.fma(y, a51);
            }
            FloatVector d0 = FloatVector.fromArray(F, pd, (b - c0) * R), d1 = FloatVector.fromArray(F, pd, (b - c0) * R + L);
            int db = t0 * nb + b;
            float e = dx[db] * 0x1p112f; // d·2^-112 · d_x·2^112 rounds as d·d_x (see TileGemm)
            s00 = a00.fma(d0.mul(e), s00);
            s01 = a01.fma(d1.mul(e), s01);
            e = dx[db + nb] * 0x1p112f;
            s10 = a10.fma(d0.mul(e), s10);
            s11 = a11.fma(d1.mul(e), s11);
            e = dx[db + 2 * nb] * 0x1p112f;
            s20 = a20.fma(d0.mul(e), s20);
            s21 = a21.fma(d1.mul(e), s21);
            e = dx[db + 3 * nb] * 0x1p112f;
            s30 = a30.fma(d0.mul(e), s30);
            s31 = a31.fma(d1.mul(e), s31);
            e = dx[db + 4 * nb] * 0x1p112f;
            s40 = a40.fma(d0.mul(e), s40);
            s41 = a41.fma(d1.mul(e), s41);
            e = dx[db + 5 * nb] * 0x1p112f;
            s50 = a50.fma(d0.mul(e), s50);
            s51 = a51.fma(d1.mul(e), s51);
        }
        s00.intoArray(tot, o);
        s01.intoArray(tot, o + L);
        s10.intoArray(tot, o + R);
        s11.intoArray(tot, o + R + L);
        s20.intoArray(tot, o + 2 * R);
        s21.intoArray(tot, o + 2 * R + L);
        s30.intoArray(tot, o + 3 * R);
        s31.intoArray(tot, o + 3 * R + L);
        s40.intoArray(tot, o + 4 * R);
        s41.intoArray(tot, o + 4 * R + L);
        s50.intoArray(tot, o + 5 * R);
        s51.intoArray(tot, o + 5 * R + L);
    }

    /**
     * Q4_0 blocks c0..c1 of one vector's rows (tile lanes from byte {@code lane}) into the pair panel at
     * lane {@code col}: pair step s of a block holds, per row, {@code q_s − 8} in its low short and
     * {@code q_16+s − 8} in its high one (a tile lane's nibble j of word m is value 4m + j, the high
     * half's 16 + 4m + j, so one shift and mask gives a step's pairs); the scales into {@code sc.d}.
     */
    private static void q4_0(MemorySegment w, long g0, int c0, int c1, int lane, int col, Scratch sc) {
        short[] p = sc.pairs;
        for (int b = c0; b < c1; b++) {
            long tile = g0 + 288L * b;
            int base = (b - c0) * 16 * 2 * R + 2 * col;
            for (int m = 0; m < 4; m++) {
                IntVector q = IntVector.fromMemorySegment(I, w, tile + 64L * m + lane, LE);
                for (int j = 0; j < 4; j++) {
                    q.lanewise(LSHR, 4 * j).and(0x000f000f).reinterpretAsShorts().sub((short) 8).intoArray(p, base + (4 * m + j) * 2 * R);
                }
            }
            scale(w, tile + 256, lane, sc.d, (b - c0) * R + col);
        }
    }

    /**
     * Activation rows t0..t0+5 times the Q4_0 pair panel (blocks c0..c1), added into their totals: as
     * {@link #micro}, with each block's sum taken in 16-bit lanes. A lane's products
     * {@code (q − 8)·y} are at most 8·127, so a block's 16 steps sum to at most 16,256 in each half:
     * exact in 16 bits, then the halves are sign-extended and added, the block's integer sum, and
     * scaled as {@link #micro} scales its float sum (the same value, so the same bits).
     */
    private static void microPairs(short[] p, float[] pd, int[] x, float[] dx, float[] tot, int n, int nb, int t0, int c0, int c1) {
        int xb = t0 * (n / 2), o = t0 * R, l2 = 2 * L;
        FloatVector s00 = FloatVector.fromArray(F, tot, o), s01 = FloatVector.fromArray(F, tot, o + L);
        FloatVector s10 = FloatVector.fromArray(F, tot, o + R), s11 = FloatVector.fromArray(F, tot, o + R + L);
        FloatVector s20 = FloatVector.fromArray(F, tot, o + 2 * R), s21 = FloatVector.fromArray(F, tot, o + 2 * R + L);
        FloatVector s30 = FloatVector.fromArray(F, tot, o + 3 * R), s31 = FloatVector.fromArray(F, tot, o + 3 * R + L);
        FloatVector s40 = FloatVector.fromArray(F, tot, o + 4 * R), s41 = FloatVector.fromArray(F, tot, o + 4 * R + L);
        FloatVector s50 = FloatVector.fromArray(F, tot, o + 5 * R), s51 = FloatVector.fromArray(F, tot, o + 5 * R + L);
        for (int b = c0; b < c1; b++) {
            ShortVector a00 = ShortVector.zero(SW), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00;
            ShortVector a30 = a00, a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00;
            int kw = (b - c0) * 16 * 2 * R;
            for (int k = xb + 6 * 16 * b, end = k + 6 * 16; k < end; k += 6, kw += 2 * R) {
                ShortVector w0 = ShortVector.fromArray(SW, p, kw), w1 = ShortVector.fromArray(SW, p, kw + l2);
                ShortVector y = IntVector.broadcast(I, x[k]).reinterpretAsShorts();
                a00 = a00.add(w0.mul(y));
                a01 = a01.add(w1.mul(y));
                y = IntVector.broadcast(I, x[k + 1]).reinterpretAsShorts();
                a10 = a10.add(w0.mul(y));
                a11 = a11.add(w1.mul(y));
                y = IntVector.broadcast(I, x[k + 2]).reinterpretAsShorts();
                a20 = a20.add(w0.mul(y));
                a21 = a21.add(w1.mul(y));
                y = IntVector.broadcast(I, x[k + 3]).reinterpretAsShorts();
                a30 = a30.add(w0.mul(y));
                a31 = a31.add(w1.mul(y));
                y = IntVector.broadcast(I, x[k + 4]).reinterpretAsShorts();
                a40 = a40.add(w0.mul(y));
                a41 = a41.add(w1.mul(y));
                y = IntVector.broadcast(I, x[k + 5]).reinterpretAsShorts();
                a50 = a50.add(w0.mul(y));
                a51 = a51.add(w1.mul(y));
            }
            FloatVector d0 = FloatVector.fromArray(F, pd, (b - c0) * R), d1 = FloatVector.fromArray(F, pd, (b - c0) * R + L);
            int db = t0 * nb + b;
            IntVector v;
            float e = dx[db] * 0x1p112f;
            v = a00.reinterpretAsInts();
            s00 = ((FloatVector) v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).convert(I2F, 0)).fma(d0.mul(e), s00);
            v = a01.reinterpretAsInts();
            s01 = ((FloatVector) v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).convert(I2F, 0)).fma(d1.mul(e), s01);
            e = dx[db + nb] * 0x1p112f;
            v = a10.reinterpretAsInts();
            s10 = ((FloatVector) v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).convert(I2F, 0)).fma(d0.mul(e), s10);
            v = a11.reinterpretAsInts();
            s11 = ((FloatVector) v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).convert(I2F, 0)).fma(d1.mul(e), s11);
            e = dx[db + 2 * nb] * 0x1p112f;
            v = a20.reinterpretAsInts();
            s20 = ((FloatVector) v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).convert(I2F, 0)).fma(d0.mul(e), s20);
            v = a21.reinterpretAsInts();
            s21 = ((FloatVector) v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).convert(I2F, 0)).fma(d1.mul(e), s21);
            e = dx[db + 3 * nb] * 0x1p112f;
            v = a30.reinterpretAsInts();
            s30 = ((FloatVector) v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).convert(I2F, 0)).fma(d0.mul(e), s30);
            v = a31.reinterpretAsInts();
            s31 = ((FloatVector) v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).convert(I2F, 0)).fma(d1.mul(e), s31);
            e = dx[db + 4 * nb] * 0x1p112f;
            v = a40.reinterpretAsInts();
            s40 = ((FloatVector) v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).convert(I2F, 0)).fma(d0.mul(e), s40);
            v = a41.reinterpretAsInts();
            s41 = ((FloatVector) v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).convert(I2F, 0)).fma(d1.mul(e), s41);
            e = dx[db + 5 * nb] * 0x1p112f;
            v = a50.reinterpretAsInts();
            s50 = ((FloatVector) v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).convert(I2F, 0)).fma(d0.mul(e), s50);
            v = a51.reinterpretAsInts();
            s51 = ((FloatVector) v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).convert(I2F, 0)).fma(d1.mul(e), s51);
        }
        s00.intoArray(tot, o);
        s01.intoArray(tot, o + L);
        s10.intoArray(tot, o + R);
        s11.intoArray(tot, o + R + L);
        s20.intoArray(tot, o + 2 * R);
        s21.intoArray(tot, o + 2 * R + L);
        s30.intoArray(tot, o + 3 * R);
        s31.intoArray(tot, o + 3 * R + L);
        s40.intoArray(tot, o + 4 * R);
        s41.intoArray(tot, o + 4 * R + L);
        s50.intoArray(tot, o + 5 * R);
        s51.intoArray(tot, o + 5 * R + L);
    }

    /**
     * {@link #microPairs} for the first four activation rows of a six only (a batch that ends with four
     * or fewer). Against running the last six whole (2048², two threads, alternating in one process,
     * medians of eight pairs): 16 rows 1.05× (0.99-1.16), 64 rows 1.02× (1.01-1.06).
     */
    private static void microPairs4(short[] p, float[] pd, int[] x, float[] dx, float[] tot, int n, int nb, int t0, int c0, int c1) {
        int xb = t0 * (n / 2), o = t0 * R, l2 = 2 * L;
        FloatVector s00 = FloatVector.fromArray(F, tot, o), s01 = FloatVector.fromArray(F, tot, o + L);
        FloatVector s10 = FloatVector.fromArray(F, tot, o + R), s11 = FloatVector.fromArray(F, tot, o + R + L);
        FloatVector s20 = FloatVector.fromArray(F, tot, o + 2 * R), s21 = FloatVector.fromArray(F, tot, o + 2 * R + L);
        FloatVector s30 = FloatVector.fromArray(F, tot, o + 3 * R), s31 = FloatVector.fromArray(F, tot, o + 3 * R + L);
        for (int b = c0; b < c1; b++) {
            ShortVector a00 = ShortVector.zero(SW), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00;
            ShortVector a30 = a00, a31 = a00;
            int kw = (b - c0) * 16 * 2 * R;
            for (int k = xb + 6 * 16 * b, end = k + 6 * 16; k < end; k += 6, kw += 2 * R) {
                ShortVector w0 = ShortVector.fromArray(SW, p, kw), w1 = ShortVector.fromArray(SW, p, kw + l2);
                ShortVector y = IntVector.broadcast(I, x[k]).reinterpretAsShorts();
                a00 = a00.add(w0.mul(y));
                a01 = a01.add(w1.mul(y));
                y = IntVector.broadcast(I, x[k + 1]).reinterpretAsShorts();
                a10 = a10.add(w0.mul(y));
                a11 = a11.add(w1.mul(y));
                y = IntVector.broadcast(I, x[k + 2]).reinterpretAsShorts();
                a20 = a20.add(w0.mul(y));
                a21 = a21.add(w1.mul(y));
                y = IntVector.broadcast(I, x[k + 3]).reinterpretAsShorts();
                a30 = a30.add(w0.mul(y));
                a31 = a31.add(w1.mul(y));
            }
            FloatVector d0 = FloatVector.fromArray(F, pd, (b - c0) * R), d1 = FloatVector.fromArray(F, pd, (b - c0) * R + L);
            int db = t0 * nb + b;
            IntVector v;
            float e = dx[db] * 0x1p112f;
            v = a00.reinterpretAsInts();
            s00 = ((FloatVector) v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).convert(I2F, 0)).fma(d0.mul(e), s00);
            v = a01.reinterpretAsInts();
            s01 = ((FloatVector) v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).convert(I2F, 0)).fma(d1.mul(e), s01);
            e = dx[db + nb] * 0x1p112f;
            v = a10.reinterpretAsInts();
            s10 = ((FloatVector) v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).convert(I2F, 0)).fma(d0.mul(e), s10);
            v = a11.reinterpretAsInts();
            s11 = ((FloatVector) v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).convert(I2F, 0)).fma(d1.mul(e), s11);
            e = dx[db + 2 * nb] * 0x1p112f;
            v = a20.reinterpretAsInts();
            s20 = ((FloatVector) v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).convert(I2F, 0)).fma(d0.mul(e), s20);
            v = a21.reinterpretAsInts();
            s21 = ((FloatVector) v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).convert(I2F, 0)).fma(d1.mul(e), s21);
            e = dx[db + 3 * nb] * 0x1p112f;
            v = a30.reinterpretAsInts();
            s30 = ((FloatVector) v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).convert(I2F, 0)).fma(d0.mul(e), s30);
            v = a31.reinterpretAsInts();
            s31 = ((FloatVector) v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).convert(I2F, 0)).fma(d1.mul(e), s31);
        }
        s00.intoArray(tot, o);
        s01.intoArray(tot, o + L);
        s10.intoArray(tot, o + R);
        s11.intoArray(tot, o + R + L);
        s20.intoArray(tot, o + 2 * R);
        s21.intoArray(tot, o + 2 * R + L);
        s30.intoArray(tot, o + 3 * R);
        s31.intoArray(tot, o + 3 * R + L);
    }

    /**
     * A Q4_K or Q5_K super-block's (the two tiles share their layout but for the quants) eight 6-bit
     * scales per row into {@code sc.kScales}, its d, dmin and eight mins into {@code sc.d} (rows 0, 1,
     * 2..9 of R), for one vector's rows from tile byte {@code lane}, at lane {@code col}.
     */
    private static void kScales(MemorySegment w, long tile, boolean five, int lane, int col, Scratch sc) {
        for (int j = 0; j < 8; j++) { // sc_j is byte j & 3 of the lane in the scale vector j / 4, m_j the same 128 bytes on
            long scales = tile + Packing.K_SCALES + 64L * (j >> 2) + lane;
            IntVector.fromMemorySegment(I, w, scales, LE).lanewise(LSHR, 8 * (j & 3)).and(0xff).intoArray(sc.kScales, j * R + col);
            ((FloatVector) IntVector.fromMemorySegment(I, w, scales + 128, LE).lanewise(LSHR, 8 * (j & 3)).and(0xff).convert(I2F, 0))
                    .intoArray(sc.d, (2 + j) * R + col);
        }
        long dAt = tile + Packing.kD(five) + lane;
        FloatVector.fromMemorySegment(F, w, dAt, LE).intoArray(sc.d, col);
        FloatVector.fromMemorySegment(F, w, dAt + 64, LE).intoArray(sc.d, R + col);
    }

    /**
     * One Q4_K super-block of one vector's rows into the pair panel: sub-block j's pair step s holds,
     * per row, {@code q_s} and {@code q_16+s} (0..15, unscaled); the scales, d, dmin and mins by
     * {@link #kScales}.
     */
    private static void q4_K(MemorySegment w, long tile, int lane, int col, Scratch sc) {
        kScales(w, tile, false, lane, col, sc);
        short[] p = sc.pairs;
        for (int j = 0; j < 8; j++) {
            int base = 16 * j * 2 * R + 2 * col;
            for (int m = 0; m < 4; m++) {
                IntVector q = IntVector.fromMemorySegment(I, w, tile + Packing.kQuants(false, j) + 64L * m + lane, LE);
                for (int i = 0; i < 4; i++) {
                    q.lanewise(LSHR, 4 * i).and(0x000f000f).reinterpretAsShorts().intoArray(p, base + (4 * m + i) * 2 * R);
                }
            }
        }
    }

    /**
     * One Q5_K super-block of one vector's rows into the pair panel, as {@link #q4_K} with
     * {@code q − 16} for the nibble: a sub-block's five word vectors ({@link Words#FIVE}) hold values
     * 3i..3i+2 of each half at bits 0, 5, 10 of word i, and bit i of value 15 at bit 15.
     */
    private static void q5_K(MemorySegment w, long tile, int lane, int col, Scratch sc) {
        kScales(w, tile, true, lane, col, sc);
        short[] p = sc.pairs;
        for (int j = 0; j < 8; j++) {
            int base = 16 * j * 2 * R + 2 * col;
            long q0 = tile + Packing.kQuants(true, j) + lane;
            IntVector top = IntVector.zero(I);
            for (int i = 0; i < 5; i++) {
                IntVector q = IntVector.fromMemorySegment(I, w, q0 + 64L * i, LE);
                for (int k = 0; k < 3; k++) {
                    q.lanewise(LSHR, 5 * k).and(0x001f001f).reinterpretAsShorts().sub((short) 16).intoArray(p, base + (3 * i + k) * 2 * R);
                }
                top = top.or(q.lanewise(LSHR, 15 - i).and(0x00010001 << i));
            }
            top.reinterpretAsShorts().sub((short) 16).intoArray(p, base + 15 * 2 * R);
        }
    }

    /**
     * Activation rows t0..t0+5 times one Q4_K or Q5_K super-block ({@code b}) of the pair panel, added into their
     * totals: each 32-value sub-block's {@code Σ q·y} in 16-bit lanes (at most 16·15·127 = 30,480 a
     * half; Q5_K, {@code centered}: {@code Σ (q − 16)·y}, at most 32,512, and {@code 16·Σy} added back),
     * widened, times its scale and added into the int sums ({@code isum = Σ_j sc_j·Σ q·y}, at
     * most 8·63·30,480), then {@code acc = fma((float) isum, d·d_x, acc)} and
     * {@code acc = fma(−(float) msum, dmin·d_x, acc)} with {@code msum = Σ_j m_j·Σy} ({@link #totalK}),
     * as {@link dev.skipllama.tensor.quant.QuantDot}.
     */
    private static void microKPairs(Scratch sc, int[] x, float[] dx, int[] ysum, boolean centered, float[] tot, int n, int t0, int b) {
        short[] p = sc.pairs;
        int[] isum = sc.isum, ks = sc.kScales;
        int xb = t0 * (n / 2) + 6 * 128 * b, nb = n / 256, gp = n / 32, l2 = 2 * L;
        Arrays.fill(isum, 0);
        for (int j = 0; j < 8; j++) {
            ShortVector a00 = ShortVector.zero(SW), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00;
            ShortVector a30 = a00, a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00;
            int kw = 16 * j * 2 * R;
            for (int k = xb + 6 * 16 * j, end = k + 6 * 16; k < end; k += 6, kw += 2 * R) {
                ShortVector w0 = ShortVector.fromArray(SW, p, kw), w1 = ShortVector.fromArray(SW, p, kw + l2);
                ShortVector y = IntVector.broadcast(I, x[k]).reinterpretAsShorts();
                a00 = a00.add(w0.mul(y));
                a01 = a01.add(w1.mul(y));
                y = IntVector.broadcast(I, x[k + 1]).reinterpretAsShorts();
                a10 = a10.add(w0.mul(y));
                a11 = a11.add(w1.mul(y));
                y = IntVector.broadcast(I, x[k + 2]).reinterpretAsShorts();
                a20 = a20.add(w0.mul(y));
                a21 = a21.add(w1.mul(y));
                y = IntVector.broadcast(I, x[k + 3]).reinterpretAsShorts();
                a30 = a30.add(w0.mul(y));
                a31 = a31.add(w1.mul(y));
                y = IntVector.broadcast(I, x[k + 4]).reinterpretAsShorts();
                a40 = a40.add(w0.mul(y));
                a41 = a41.add(w1.mul(y));
                y = IntVector.broadcast(I, x[k + 5]).reinterpretAsShorts();
                a50 = a50.add(w0.mul(y));
                a51 = a51.add(w1.mul(y));
            }
            IntVector sc0 = IntVector.fromArray(I, ks, j * R), sc1 = IntVector.fromArray(I, ks, j * R + L), v;
            int y0 = t0 * gp + 8 * b + j; // Q5_K's panel holds q − 16: each token's sum gains 16·Σy back
            int c0 = centered ? 16 * ysum[y0] : 0, c1 = centered ? 16 * ysum[y0 + gp] : 0, c2 = centered ? 16 * ysum[y0 + 2 * gp] : 0;
            int c3 = centered ? 16 * ysum[y0 + 3 * gp] : 0, c4 = centered ? 16 * ysum[y0 + 4 * gp] : 0, c5 = centered ? 16 * ysum[y0 + 5 * gp] : 0;
            v = a00.reinterpretAsInts();
            v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).add(c0).mul(sc0).add(IntVector.fromArray(I, isum, 0)).intoArray(isum, 0);
            v = a01.reinterpretAsInts();
            v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).add(c0).mul(sc1).add(IntVector.fromArray(I, isum, L)).intoArray(isum, L);
            v = a10.reinterpretAsInts();
            v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).add(c1).mul(sc0).add(IntVector.fromArray(I, isum, 2 * L)).intoArray(isum, 2 * L);
            v = a11.reinterpretAsInts();
            v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).add(c1).mul(sc1).add(IntVector.fromArray(I, isum, 3 * L)).intoArray(isum, 3 * L);
            v = a20.reinterpretAsInts();
            v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).add(c2).mul(sc0).add(IntVector.fromArray(I, isum, 4 * L)).intoArray(isum, 4 * L);
            v = a21.reinterpretAsInts();
            v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).add(c2).mul(sc1).add(IntVector.fromArray(I, isum, 5 * L)).intoArray(isum, 5 * L);
            v = a30.reinterpretAsInts();
            v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).add(c3).mul(sc0).add(IntVector.fromArray(I, isum, 6 * L)).intoArray(isum, 6 * L);
            v = a31.reinterpretAsInts();
            v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).add(c3).mul(sc1).add(IntVector.fromArray(I, isum, 7 * L)).intoArray(isum, 7 * L);
            v = a40.reinterpretAsInts();
            v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).add(c4).mul(sc0).add(IntVector.fromArray(I, isum, 8 * L)).intoArray(isum, 8 * L);
            v = a41.reinterpretAsInts();
            v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).add(c4).mul(sc1).add(IntVector.fromArray(I, isum, 9 * L)).intoArray(isum, 9 * L);
            v = a50.reinterpretAsInts();
            v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).add(c5).mul(sc0).add(IntVector.fromArray(I, isum, 10 * L)).intoArray(isum, 10 * L);
            v = a51.reinterpretAsInts();
            v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16)).add(c5).mul(sc1).add(IntVector.fromArray(I, isum, 11 * L)).intoArray(isum, 11 * L);
        }
        for (int i = 0; i < TOKENS; i++) {
            totalK(isum, 2 * i, sc.d, dx[(t0 + i) * nb + b], ysum, (t0 + i) * gp + 8 * b, tot, (t0 + i) * R);
        }
    }
}
