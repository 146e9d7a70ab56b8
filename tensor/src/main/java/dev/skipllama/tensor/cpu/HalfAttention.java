package dev.skipllama.tensor.cpu;

import static dev.skipllama.tensor.cpu.Decode.F32;
import static dev.skipllama.tensor.cpu.Simd.F;
import static dev.skipllama.tensor.cpu.Simd.L;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.LT;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal attention over an F16 KV cache, with the meaning of llama.cpp's CPU flash attention on its
 * default F16 cache ({@code ggml_compute_forward_flash_attn_ext_f16_one_chunk}; the steps are in
 * {@code Backend#attention}): the query rounded to F16, one position at a time in order, a running
 * maximum and sum, and the output accumulated in F16 — rounded after every multiply-add. That
 * rounding, not the order of a sum, is where llama.cpp's text parts from an F32 cache's, so this
 * kernel follows it exactly and gives the reference's bits (checked at every vector width).
 *
 * <p><b>Three passes per (row, KV head) task</b>, each K and V row decoded once for the group of
 * query heads that share it. (1) Scores: each product of two halves is exact in float; the eight
 * double partial sums of the definition ({@code i mod 8}) are the lanes of double vectors. (2) The
 * running maximum, sum and the {@code e^x} of every position: none of them waits on the V rows, so
 * the exponentials run back to back. (3) The F16 accumulation: {@link #round16} rounds a vector to
 * F16 values in its float lanes (the JDK has no vector float-to-half), per position one multiply, one
 * add and about ten integer steps per vector.
 *
 * <p><b>Measured</b> (1B shape: 32 heads, 8 KV heads of 64; one row at position 512; 2 threads; Zen 5):
 * a first version, scoring one position at a time with scalar double chains and calling
 * {@code Math.exp} between the steps, took 2.0 ms a layer against the F32 cache's 0.05 ms; this one
 * 0.4–0.56 ms. Sixteen float partial sums in the scores instead of double ones cut a score from ~18
 * to ~12 ns a head, but greedy text on the embedded model then equalled llama.cpp's on 21 and 19 of
 * 24 prompts (Q8_0, Q4_0) instead of 23 and 20: ggml sums a 32-value dot product in double.
 */
final class HalfAttention {
    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final VectorSpecies<Double> D = VectorSpecies.of(double.class, F.vectorShape());

    private final WorkerPool pool;
    /** Per worker: a group's queries as F16 values and their accumulators (group × headDim each), one decoded row, its halves. */
    private final float[][] queries, accumulators, decoded;
    private final short[][] halves;
    /** Per worker: each head's scores, then e^(s − M) (group × len); the accumulator's factor e^(M_old − M), 1 where M held. */
    private final float[][] weights, shrink;
    private final double[][] partials;

    HalfAttention(WorkerPool pool) {
        this.pool = pool;
        int threads = pool.size();
        this.queries = new float[threads][0];
        this.accumulators = new float[threads][0];
        this.decoded = new float[threads][0];
        this.halves = new short[threads][0];
        this.weights = new float[threads][0];
        this.shrink = new float[threads][0];
        this.partials = new double[threads][8];
    }

    /**
     * {@code out[r, h]} for every row {@code r} (at position {@code positions[r]}) and query head
     * {@code h}; q and out {@code [rows, nHeads·headDim]} F32, the caches {@code [ctx, nKvHeads·headDim]} F16.
     */
    void run(MemorySegment qs, MemorySegment ks, MemorySegment vs, MemorySegment os, int rows, int qWidth, int kvWidth,
             int[] positions, int nHeads, int nKvHeads) {
        final int headDim = qWidth / nHeads, group = nHeads / nKvHeads;
        final float scale = 1f / (float) Math.sqrt(headDim); // llama.cpp's kq_scale
        final int tasks = rows * nKvHeads;
        WorkerPool.Task task = (c, worker) -> {
            int r = c % rows, kvh = c / rows;
            group(qs, ks, vs, os, r, positions[r] + 1, kvh * group, group, kvh, headDim, qWidth, kvWidth, scale, worker);
        };
        long work = (long) rows * nHeads * (positions[positions.length - 1] + 1) * headDim * 2;
        if (work < CpuBackend.SMALL_WORK) {
            pool.run(1, (c, worker) -> {
                for (int t = 0; t < tasks; t++) {
                    task.run(t, worker);
                }
            });
        } else {
            pool.run(tasks, task);
        }
    }

    /** Query heads {@code h0 .. h0+n-1} of row r, which share KV head {@code kvh}, over positions {@code 0 .. len-1}. */
    private void group(MemorySegment qs, MemorySegment ks, MemorySegment vs, MemorySegment os, int r, int len, int h0, int n,
                       int kvh, int headDim, int qWidth, int kvWidth, float scale, int worker) {
        float[] q = buffer(queries, worker, n * headDim), y = buffer(accumulators, worker, n * headDim);
        float[] row = buffer(decoded, worker, headDim), w = buffer(weights, worker, n * len), m = buffer(shrink, worker, n * len);
        short[] raw = halves[worker].length >= headDim ? halves[worker] : (halves[worker] = new short[headDim]);
        long qOff = 4L * ((long) r * qWidth + (long) h0 * headDim);
        for (int i = 0; i < n * headDim; i++) {
            q[i] = Float.float16ToFloat(Float.floatToFloat16(qs.get(F32, qOff + 4L * i)));
            y[i] = 0f;
        }
        long kvOff = 2L * (long) kvh * headDim, kvStride = 2L * kvWidth;
        scores(ks, kvOff, kvStride, len, q, n, headDim, scale, raw, row, w, partials[worker]);
        float[] inv = new float[n];
        for (int g = 0; g < n; g++) {
            inv[g] = weights(w, m, g * len, len);
        }
        accumulate(vs, kvOff, kvStride, len, y, n, headDim, raw, row, w, m);
        for (int g = 0; g < n; g++) {
            for (int i = 0; i < headDim; i++) {
                os.set(F32, qOff + 4L * (g * headDim + i), y[g * headDim + i] * inv[g]);
            }
        }
    }

    /** (1) {@code w[g·len + t] = scale · q_g·k_t} for the n heads and positions {@code t < len}. */
    private static void scores(MemorySegment ks, long kOff, long kStride, int len, float[] q, int n, int headDim, float scale,
                               short[] raw, float[] row, float[] w, double[] part) {
        for (int t = 0; t < len; t++) {
            decode(ks, kOff + t * kStride, raw, row, headDim);
            for (int g = 0; g < n; g++) {
                w[g * len + t] = dot(q, g * headDim, row, headDim, part) * scale;
            }
        }
    }

    /**
     * (2) One head's running maximum and sum over its scores {@code w[at .. at+len)}: replaces each
     * score by its weight e^(s − M) (1 at a new maximum), sets {@code m[at + t]} to the accumulator's
     * factor e^(M_old − M) (1 where the maximum held), and returns 1/S (0 for S = 0).
     */
    private static float weights(float[] w, float[] m, int at, int len) {
        float max = Float.NEGATIVE_INFINITY, sum = 0f;
        for (int t = at, end = at + len; t < end; t++) {
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
        return sum == 0f ? 0f : 1f / sum;
    }

    /** (3) The n heads' F16 accumulators {@code y} over the V rows {@code t < len}, with (2)'s weights and factors. */
    private static void accumulate(MemorySegment vs, long vOff, long vStride, int len, float[] y, int n, int headDim,
                                   short[] raw, float[] row, float[] w, float[] m) {
        for (int t = 0; t < len; t++) {
            decode(vs, vOff + t * vStride, raw, row, headDim);
            for (int g = 0; g < n; g++) {
                float ms = m[g * len + t];
                if (ms != 1f) { // y · 1 rounds to y: only a new maximum below e^0 changes it
                    scale(y, g * headDim, headDim, ms);
                }
                madd(y, g * headDim, row, headDim, w[g * len + t]);
            }
        }
    }

    private static float[] buffer(float[][] perWorker, int worker, int size) {
        return perWorker[worker].length >= size ? perWorker[worker] : (perWorker[worker] = new float[size]);
    }

    /** n halves at byte {@code at} of {@code seg} as floats into {@code dst} (through {@code raw}). */
    private static void decode(MemorySegment seg, long at, short[] raw, float[] dst, int n) {
        MemorySegment.copy(seg, HALF, at, raw, 0, n);
        for (int i = 0; i < n; i++) { // C2 compiles this loop to vector conversions (F16C / AVX-512)
            dst[i] = Float.float16ToFloat(raw[i]);
        }
    }

    /**
     * {@code (float) (((p0 + p4) + (p2 + p6)) + ((p1 + p5) + (p3 + p7)))}, {@code p_j} the double sum, in
     * order, of the exact float products {@code q[at + i]·k[i]} at {@code i mod 8 = j}. The whole vectors
     * keep the p_j in double lanes (one vector at 512 bits, two at 256, four at 128); the rest are added
     * to them one by one.
     */
    static float dot(float[] q, int at, float[] k, int n, double[] p) {
        int i = 0;
        if (L == 16) {
            DoubleVector a = DoubleVector.zero(D);
            for (; i + 16 <= n; i += 16) {
                FloatVector x = FloatVector.fromArray(F, q, at + i).mul(FloatVector.fromArray(F, k, i));
                a = a.add((DoubleVector) x.convertShape(VectorOperators.F2D, D, 0)).add((DoubleVector) x.convertShape(VectorOperators.F2D, D, 1));
            }
            a.intoArray(p, 0);
        } else if (L == 8) {
            DoubleVector a = DoubleVector.zero(D), b = a;
            for (; i + 8 <= n; i += 8) {
                FloatVector x = FloatVector.fromArray(F, q, at + i).mul(FloatVector.fromArray(F, k, i));
                a = a.add((DoubleVector) x.convertShape(VectorOperators.F2D, D, 0));
                b = b.add((DoubleVector) x.convertShape(VectorOperators.F2D, D, 1));
            }
            a.intoArray(p, 0);
            b.intoArray(p, 4);
        } else {
            DoubleVector a = DoubleVector.zero(D), b = a, c = a, d = a;
            for (; i + 8 <= n; i += 8) {
                FloatVector x = FloatVector.fromArray(F, q, at + i).mul(FloatVector.fromArray(F, k, i));
                FloatVector z = FloatVector.fromArray(F, q, at + i + 4).mul(FloatVector.fromArray(F, k, i + 4));
                a = a.add((DoubleVector) x.convertShape(VectorOperators.F2D, D, 0));
                b = b.add((DoubleVector) x.convertShape(VectorOperators.F2D, D, 1));
                c = c.add((DoubleVector) z.convertShape(VectorOperators.F2D, D, 0));
                d = d.add((DoubleVector) z.convertShape(VectorOperators.F2D, D, 1));
            }
            a.intoArray(p, 0);
            b.intoArray(p, 2);
            c.intoArray(p, 4);
            d.intoArray(p, 6);
        }
        for (; i < n; i++) {
            p[i & 7] += q[at + i] * k[i];
        }
        return (float) (((p[0] + p[4]) + (p[2] + p[6])) + ((p[1] + p[5]) + (p[3] + p[7])));
    }

    /** {@code y[at + i] = f16(y[at + i] · m)}. */
    private static void scale(float[] y, int at, int n, float m) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            round16(FloatVector.fromArray(F, y, at + i).mul(m), y, at + i);
        }
        for (; i < n; i++) {
            y[at + i] = half(y[at + i] * m);
        }
    }

    /** {@code y[at + i] = f16(y[at + i] + v[i] · m)}: a multiply, then an add, each rounded to float (ggml's scalar loop). */
    private static void madd(float[] y, int at, float[] v, int n, float m) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            round16(FloatVector.fromArray(F, y, at + i).add(FloatVector.fromArray(F, v, i).mul(m)), y, at + i);
        }
        for (; i < n; i++) {
            y[at + i] = half(y[at + i] + v[i] * m);
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
                y[i] = half(y[i]);
            }
            return;
        }
        IntVector normal = bits.add(bits.lanewise(LSHR, 13).and(1).add(0xfff)).and(~0x1fff);
        IntVector tiny = mag.reinterpretAsFloats().add(0.5f).sub(0.5f).reinterpretAsInts().or(bits.and(0x80000000));
        normal.blend(tiny, mag.compare(LT, 0x38800000)).reinterpretAsFloats().intoArray(y, at);
    }

    private static float half(float x) {
        return Float.float16ToFloat(Float.floatToFloat16(x));
    }
}
