package dev.skipllama.tensor.cpu;

import static dev.skipllama.tensor.cpu.Decode.F32;
import static dev.skipllama.tensor.cpu.Simd.F;
import static dev.skipllama.tensor.cpu.Simd.L;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.ULT;

import dev.skipllama.tensor.Halfs;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal attention over an F16 KV cache, with the meaning of llama.cpp's CPU flash attention on its
 * default F16 cache ({@code ggml_compute_forward_flash_attn_ext_f16_one_chunk}; the steps are in
 * {@code Backend#attention}): the query rounded to F16, one position at a time in order, a running
 * maximum and sum, and the output accumulated in F16 — rounded after every multiply-add. That
 * rounding, not the order of a sum, is where llama.cpp's text parts from an F32 cache's, so this
 * kernel follows it exactly and gives the reference's bits (checked at every vector width).
 *
 * <p><b>Tiles.</b> A task takes up to eight query rows and the group of query heads that share one KV
 * head, and walks the positions in tiles of 32: each tile's K and V rows are decoded once for every
 * (row, head) of the task. Per (row, head) and tile: (1) the scores — each product of two halves is
 * exact in float, and the eight double partial sums of the definition ({@code i mod 8}) are the lanes
 * of double vectors; (2) the running maximum and sum carried from the tiles before, and the
 * {@code e^x} of every position, back to back, none waiting on a V row; (3) the F16 accumulation —
 * {@link #round16} rounds a vector to F16 values in its float lanes (the JDK has no vector
 * float-to-half): per position one multiply, one add and about ten integer steps per vector.
 *
 * <p><b>Measured</b> (1B shape: 32 heads, 8 KV heads of 64; 2 threads; Zen 5). One row at position
 * 512, probe: a first version, scoring one position at a time with scalar double chains and calling
 * {@code Math.exp} between the steps, took 2.0 ms a layer against the F32 cache's 0.05 ms; three
 * passes, 0.40–0.56 ms; tiles, 0.26–0.29 ms. JMH ({@code AttentionBenchmark -p cache=F16
 * -p positions=512 -p layers=16}), with the scores' tree in vector lanes and the rounding's path for
 * tiny values taken only where a lane needs it: one row 323 → 221 µs, 64 rows 18.4 → 11.9 ms (F32
 * cache: 74 µs, 3.0 ms). Sixteen float partial sums in the scores instead of eight double ones cut a
 * score from ~18 to ~12 ns a head, but greedy text on the embedded model then equalled llama.cpp's
 * on 21 and 19 of 24 prompts (Q8_0, Q4_0) instead of 23 and 20: ggml sums a 32-value dot product in
 * double.
 */
final class HalfAttention {
    private static final VectorSpecies<Double> D = VectorSpecies.of(double.class, F.vectorShape());

    /** Positions per tile: a tile's K and V rows are decoded once for every row and head of a task. */
    private static final int TILE = 32;
    /** Query rows per task: the rows of a prompt chunk share each decoded tile eight at a time. */
    private static final int BLOCK = 8;

    private final WorkerPool pool;
    private final Scratch[] scratch;

    HalfAttention(WorkerPool pool) {
        this.pool = pool;
        this.scratch = new Scratch[pool.size()];
        for (int i = 0; i < scratch.length; i++) {
            scratch[i] = new Scratch();
        }
    }

    /** A worker's room: per (row, head) of a task its query as F16 values, accumulator, maximum and sum; a tile's K and V rows; a tile's weights. */
    private static final class Scratch {
        float[] q = new float[0], y = new float[0], max = new float[0], sum = new float[0], k = new float[0], v = new float[0];
        final float[] w = new float[TILE], m = new float[TILE];
        short[] raw = new short[0];
        final double[] part = new double[8];

        void ensure(int pairs, int headDim) {
            if (q.length < pairs * headDim) {
                q = new float[pairs * headDim];
                y = new float[pairs * headDim];
            }
            if (max.length < pairs) {
                max = new float[pairs];
                sum = new float[pairs];
            }
            if (k.length < TILE * headDim) {
                k = new float[TILE * headDim];
                v = new float[TILE * headDim];
                raw = new short[TILE * headDim];
            }
        }
    }

    /**
     * {@code out[r, h]} for every row {@code r} (at position {@code positions[r]}) and query head
     * {@code h}; q and out {@code [rows, nHeads·headDim]} F32, the caches {@code [ctx, nKvHeads·headDim]} F16.
     */
    void run(MemorySegment qs, MemorySegment ks, MemorySegment vs, MemorySegment os, int rows, int qWidth, int kvWidth,
             int[] positions, int nHeads, int nKvHeads) {
        final int headDim = qWidth / nHeads, group = nHeads / nKvHeads;
        final float scale = 1f / (float) Math.sqrt(headDim); // llama.cpp's kq_scale
        final int blocks = (rows + BLOCK - 1) / BLOCK, tasks = blocks * nKvHeads;
        WorkerPool.Task task = (c, worker) -> {
            int b = c % blocks, kvh = c / blocks;
            block(qs, ks, vs, os, positions, b * BLOCK, Math.min(rows, (b + 1) * BLOCK), kvh, group, headDim, qWidth, kvWidth,
                    scale, scratch[worker]);
        };
        Attention.dispatch(pool, (long) rows * nHeads * (positions[positions.length - 1] + 1) * headDim * 2, tasks, task);
    }

    /**
     * Rows {@code r0 .. r1-1} and the n query heads of KV head {@code kvh}, tile by tile of positions:
     * for each (row, head), the tile's scores, then its weights with the maximum and sum carried from
     * the tiles before, then its multiply-adds — per (row, head) the definition's steps in its order.
     */
    private static void block(MemorySegment qs, MemorySegment ks, MemorySegment vs, MemorySegment os, int[] positions, int r0,
                              int r1, int kvh, int n, int headDim, int qWidth, int kvWidth, float scale, Scratch sc) {
        int pairs = (r1 - r0) * n, h0 = kvh * n, len = 0;
        sc.ensure(pairs, headDim);
        float[] q = sc.q, y = sc.y, w = sc.w, m = sc.m;
        for (int j = 0; j < r1 - r0; j++) {
            len = Math.max(len, positions[r0 + j] + 1);
            long qOff = 4L * ((long) (r0 + j) * qWidth + (long) h0 * headDim);
            for (int i = 0; i < n * headDim; i++) {
                q[j * n * headDim + i] = Halfs.roundToF16(qs.get(F32, qOff + 4L * i));
                y[j * n * headDim + i] = 0f;
            }
        }
        java.util.Arrays.fill(sc.max, 0, pairs, Float.NEGATIVE_INFINITY);
        java.util.Arrays.fill(sc.sum, 0, pairs, 0f);
        long kvOff = 2L * (long) kvh * headDim, kvStride = 2L * kvWidth;
        for (int t0 = 0; t0 < len; t0 += TILE) {
            int nt = Math.min(TILE, len - t0);
            decode(ks, kvOff + t0 * kvStride, kvStride, nt, headDim, sc.raw, sc.k);
            decode(vs, kvOff + t0 * kvStride, kvStride, nt, headDim, sc.raw, sc.v);
            for (int j = 0; j < r1 - r0; j++) {
                int e = Math.min(nt, positions[r0 + j] + 1 - t0); // this row's positions in the tile
                for (int g = 0; g < n && e > 0; g++) {
                    int p = j * n + g, qy = p * headDim;
                    for (int t = 0; t < e; t++) {
                        w[t] = dot(q, qy, sc.k, t * headDim, headDim, sc.part) * scale;
                    }
                    weights(w, m, e, sc.max, sc.sum, p);
                    for (int t = 0; t < e; t++) {
                        if (m[t] != 1f) { // y · 1 rounds to y: only a new maximum below e^0 changes it
                            scale(y, qy, headDim, m[t]);
                        }
                        madd(y, qy, sc.v, t * headDim, headDim, w[t]);
                    }
                }
            }
        }
        for (int j = 0; j < r1 - r0; j++) {
            long oOff = 4L * ((long) (r0 + j) * qWidth + (long) h0 * headDim);
            for (int g = 0; g < n; g++) {
                int p = j * n + g;
                float inv = sc.sum[p] == 0f ? 0f : 1f / sc.sum[p];
                for (int i = 0; i < headDim; i++) {
                    os.set(F32, oOff + 4L * (g * headDim + i), y[p * headDim + i] * inv);
                }
            }
        }
    }

    /**
     * The running maximum and sum of (row, head) {@code p} over a tile's scores {@code w[0 .. e)}:
     * each score becomes its weight e^(s − M) (1 at a new maximum) and {@code m[t]} the accumulator's
     * factor e^(M_old − M) (1 where the maximum held); the exponentials run back to back, none waiting
     * on a V row.
     */
    private static void weights(float[] w, float[] m, int e, float[] maxima, float[] sums, int p) {
        float max = maxima[p], sum = sums[p];
        for (int t = 0; t < e; t++) {
            float s = w[t], ms = 1f, vsc = 1f;
            if (s > max) {
                ms = (float) Math.exp(max - s);
                max = s;
            } else {
                vsc = (float) Math.exp(s - max);
            }
            w[t] = vsc;
            m[t] = ms;
            sum = sum * ms + vsc;
        }
        maxima[p] = max;
        sums[p] = sum;
    }

    /** {@code rows} rows of n halves, the first at byte {@code at} of {@code seg} and {@code stride} apart, as floats into {@code dst}. */
    private static void decode(MemorySegment seg, long at, long stride, int rows, int n, short[] raw, float[] dst) {
        for (int t = 0; t < rows; t++) {
            MemorySegment.copy(seg, Decode.I16, at + t * stride, raw, t * n, n);
        }
        for (int i = 0; i < rows * n; i++) { // C2 compiles this loop to vector conversions (F16C / AVX-512)
            dst[i] = Float.float16ToFloat(raw[i]);
        }
    }

    /**
     * {@code (float) (((p0 + p4) + (p2 + p6)) + ((p1 + p5) + (p3 + p7)))}, {@code p_j} the double sum, in
     * order, of the exact float products {@code q[at + i]·k[kAt + i]} at {@code i mod 8 = j}. The whole vectors
     * keep the p_j in double lanes (one vector at 512 bits, two at 256, four at 128); the rest are added
     * to them one by one.
     */
    static float dot(float[] q, int at, float[] k, int kAt, int n, double[] p) {
        int i = 0;
        if (L == 16) {
            DoubleVector a = DoubleVector.zero(D);
            for (; i + 16 <= n; i += 16) {
                FloatVector x = FloatVector.fromArray(F, q, at + i).mul(FloatVector.fromArray(F, k, kAt + i));
                a = a.add((DoubleVector) x.convertShape(VectorOperators.F2D, D, 0)).add((DoubleVector) x.convertShape(VectorOperators.F2D, D, 1));
            }
            if (i == n) {
                return tree(a);
            }
            a.intoArray(p, 0);
        } else if (L == 8) {
            DoubleVector a = DoubleVector.zero(D), b = a;
            for (; i + 8 <= n; i += 8) {
                FloatVector x = FloatVector.fromArray(F, q, at + i).mul(FloatVector.fromArray(F, k, kAt + i));
                a = a.add((DoubleVector) x.convertShape(VectorOperators.F2D, D, 0));
                b = b.add((DoubleVector) x.convertShape(VectorOperators.F2D, D, 1));
            }
            if (i == n) {
                return tree(a.add(b));
            }
            a.intoArray(p, 0);
            b.intoArray(p, 4);
        } else {
            DoubleVector a = DoubleVector.zero(D), b = a, c = a, d = a;
            for (; i + 8 <= n; i += 8) {
                FloatVector x = FloatVector.fromArray(F, q, at + i).mul(FloatVector.fromArray(F, k, kAt + i));
                FloatVector z = FloatVector.fromArray(F, q, at + i + 4).mul(FloatVector.fromArray(F, k, kAt + i + 4));
                a = a.add((DoubleVector) x.convertShape(VectorOperators.F2D, D, 0));
                b = b.add((DoubleVector) x.convertShape(VectorOperators.F2D, D, 1));
                c = c.add((DoubleVector) z.convertShape(VectorOperators.F2D, D, 0));
                d = d.add((DoubleVector) z.convertShape(VectorOperators.F2D, D, 1));
            }
            if (i == n) {
                return tree(a.add(c).add(b.add(d)));
            }
            a.intoArray(p, 0);
            b.intoArray(p, 2);
            c.intoArray(p, 4);
            d.intoArray(p, 6);
        }
        for (; i < n; i++) {
            p[i & 7] += q[at + i] * k[kAt + i];
        }
        return (float) (((p[0] + p[4]) + (p[2] + p[6])) + ((p[1] + p[5]) + (p[3] + p[7])));
    }

    /**
     * {@link #dot}'s tree on partials already paired down to {@code a}'s lanes — all eight at 512 bits,
     * {@code p_j + p_(j+4)} at 256, {@code (p_j + p_(j+4)) + (p_(j+2) + p_(j+6))} at 128 — by rotations:
     * the same additions as the scalar tree, without a trip through memory.
     */
    private static float tree(DoubleVector a) {
        if (D.length() == 8) {
            a = a.add(a.rearrange(DROT4));
        }
        if (D.length() >= 4) {
            a = a.add(a.rearrange(DROT2));
        }
        return (float) a.add(a.rearrange(DROT1)).lane(0);
    }

    /** Rotations of the double lanes by 4, 2 and 1 (lane i takes lane i + s mod length); those past the width are unused. */
    private static final VectorShuffle<Double> DROT4 = VectorShuffle.iota(D, 4 % D.length(), 1, true),
            DROT2 = VectorShuffle.iota(D, 2 % D.length(), 1, true), DROT1 = VectorShuffle.iota(D, 1, 1, true);

    /** {@code y[at + i] = f16(y[at + i] · m)}. */
    private static void scale(float[] y, int at, int n, float m) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            round16(FloatVector.fromArray(F, y, at + i).mul(m), y, at + i);
        }
        for (; i < n; i++) {
            y[at + i] = Halfs.roundToF16(y[at + i] * m);
        }
    }

    /** {@code y[at + i] = f16(y[at + i] + v[i] · m)}: a multiply, then an add, each rounded to float (ggml's scalar loop). */
    private static void madd(float[] y, int at, float[] v, int vAt, int n, float m) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            round16(FloatVector.fromArray(F, y, at + i).add(FloatVector.fromArray(F, v, vAt + i).mul(m)), y, at + i);
        }
        for (; i < n; i++) {
            y[at + i] = Halfs.roundToF16(y[at + i] + v[vAt + i] * m);
        }
    }

    /**
     * Stores x rounded to the nearest F16 value (ties to even) at {@code y[at ..]}: lane by lane
     * {@code Float.float16ToFloat(Float.floatToFloat16(x))}. In the half's normal range the float's bits
     * are rounded at bit 13 (a carry into the exponent is the right result); below 2^-14, where halves
     * are multiples of 2^-24, {@code |x| + 0.5 − 0.5} rounds there (floats in [0.5, 1) are spaced
     * 2^-24, and 0.5 is an even multiple, so ties go to even as well), then the sign is put back. A
     * vector holding a NaN or a magnitude past 65504 (rounded to infinity or 65504) goes lane by lane.
     */
    static void round16(FloatVector x, float[] y, int at) {
        IntVector bits = x.reinterpretAsInts(), mag = bits.and(0x7fffffff);
        if (mag.compare(GT, 0x477fe000).anyTrue()) { // past 65504, or NaN (whose magnitude bits are larger still)
            x.intoArray(y, at);
            for (int i = at; i < at + L; i++) {
                y[i] = Halfs.roundToF16(y[i]);
            }
            return;
        }
        IntVector r = bits.add(bits.lanewise(LSHR, 13).and(1).add(0xfff)).and(~0x1fff); // right for zeros too
        VectorMask<Integer> tiny = mag.sub(1).compare(ULT, 0x387fffff); // 0 < |x| < 2^-14: rare once y holds sums
        if (tiny.anyTrue()) {
            r = r.blend(mag.reinterpretAsFloats().add(0.5f).sub(0.5f).reinterpretAsInts().or(bits.and(0x80000000)), tiny);
        }
        r.reinterpretAsFloats().intoArray(y, at);
    }

}
