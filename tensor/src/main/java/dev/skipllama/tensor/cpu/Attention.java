package dev.skipllama.tensor.cpu;

import static dev.skipllama.tensor.cpu.Decode.F32;
import static dev.skipllama.tensor.cpu.Simd.F;
import static dev.skipllama.tensor.cpu.Simd.L;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;

/**
 * Causal attention of query rows against the KV cache: {@code out = softmax(q·Kᵀ/√d)·V} per row and
 * head, each row seeing the positions up to its own.
 *
 * <p><b>One task per KV head, not per query head.</b> With grouped-query attention (Llama 3: 32 query
 * heads share 8 KV heads) every KV head serves a group of query heads. A task takes a row and one KV
 * head's group (or part of it, see {@link #split}): each K row scores four query heads at once
 * ({@link #scores4}: the K vectors loaded once, the four lane trees merged), and each V row feeds four
 * independent chains of multiply-adds. Before (one task per query head, one score at a time): C2 set
 * up pre-, main and post-loops for each score's four-vector loop, ~55 cycles a score at 512 bits, and
 * the weighted sum was one chain of dependent multiply-adds; a token of the 1B model at position
 * ~1,030 spent 11–19 ms in attention, now 6–7 (bench/README, 2026-12-07 morning). What remains there
 * is the walk down each KV head's column — a 256-byte segment every 2 KB row, which the prefetchers
 * do not follow (reading the rows whole and in order first, a staged variant, measured the same).
 *
 * <p><b>Order.</b> A score is {@link #scores}' fixed lane tree, the softmax {@link VMath#exp} over the
 * scores in order, and each output element {@code Σ_t p[t]·v[t][i]} by one fused multiply-add per
 * position in order, then times 1/Σp: per element the same operations whatever the batch, the group
 * size or the split, so batches stay invariant. Attention is held to a summation bound against the
 * reference, not to its order.
 */
final class Attention {
    private final WorkerPool pool;
    /** Per-worker softmax rows: a task's heads, each {@code len} long. */
    private final float[][] scores;
    /** Per-worker maxima, then 1/Σp, of a task's heads. */
    private final float[][] maxima;

    Attention(WorkerPool pool) {
        this.pool = pool;
        int threads = pool.size();
        this.scores = new float[threads][1024];
        this.maxima = new float[threads][8];
    }

    /**
     * {@code out[r, h]} for every row {@code r} (at position {@code positions[r]}) and query head
     * {@code h}; q and out {@code [rows, nHeads·headDim]}, the caches {@code [ctx, nKvHeads·headDim]}.
     */
    void run(MemorySegment qs, MemorySegment ks, MemorySegment vs, MemorySegment os, int rows, int qWidth, int kvWidth,
             int[] positions, int nHeads, int nKvHeads) {
        final int headDim = qWidth / nHeads, group = nHeads / nKvHeads;
        final int parts = split(rows, nKvHeads, group, pool.size()), per = group / parts;
        final float scale = (float) (1.0 / Math.sqrt(headDim));
        final int tasks = rows * nKvHeads * parts;
        // Consecutive tasks take consecutive rows of one KV head (part), so a prompt's rows reuse its columns in cache.
        WorkerPool.Task task = (c, worker) -> {
            int r = c % rows, kp = c / rows, kvh = kp / parts, h0 = kvh * group + (kp % parts) * per;
            heads(qs, ks, vs, os, r, positions[r] + 1, h0, per, kvh, headDim, qWidth, kvWidth, scale, worker);
        };
        dispatch(pool, (long) rows * nHeads * (positions[positions.length - 1] + 1) * headDim * 2, tasks, task);
    }

    /**
     * Runs an attention call's tasks: on the calling thread when its multiply-adds ({@code work}) are
     * too few to wake the other workers for ({@link CpuBackend#SMALL_WORK}), else across the pool.
     */
    static void dispatch(WorkerPool pool, long work, int tasks, WorkerPool.Task task) {
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

    /**
     * Into how many parts a KV head's group of query heads is split: whole groups, unless there are
     * fewer (row, KV head) tasks than workers (one row on a machine with more cores than KV heads).
     */
    static int split(int rows, int nKvHeads, int group, int workers) {
        int parts = 1;
        while ((long) rows * nKvHeads * parts < workers && parts < group) {
            parts++;
            while (group % parts != 0) {
                parts++;
            }
        }
        return parts;
    }

    /** Query heads {@code h0 .. h0+n-1} of row r, which share KV head {@code kvh}, over positions {@code 0 .. len-1}. */
    private void heads(MemorySegment qs, MemorySegment ks, MemorySegment vs, MemorySegment os, int r, int len, int h0, int n,
                       int kvh, int headDim, int qWidth, int kvWidth, float scale, int worker) {
        float[] p = scores[worker];
        if (p.length < n * len) {
            p = scores[worker] = new float[Math.max(n * len, 2 * p.length)];
        }
        float[] mx = maxima[worker];
        if (mx.length < n) {
            mx = maxima[worker] = new float[n];
        }
        long qOff = 4L * ((long) r * qWidth + (long) h0 * headDim), kvOff = 4L * (long) kvh * headDim, kvStride = 4L * kvWidth;
        int g = 0;
        for (; g + 4 <= n; g += 4) { // four heads per K row read
            scores4(qs, qOff + 4L * g * headDim, 4L * headDim, ks, kvOff, kvStride, headDim, scale, p, g * len, len, mx, g);
        }
        for (; g < n; g++) {
            mx[g] = scores(qs, qOff + 4L * g * headDim, ks, kvOff, kvStride, headDim, scale, p, g * len, len);
        }
        for (g = 0; g < n; g++) {
            mx[g] = 1f / expInPlace(p, g * len, len, mx[g]); // from here on: 1/Σp of head g
        }
        weightedSums(p, len, n, mx, vs, kvOff, kvStride, headDim, os, qOff);
    }

    /**
     * {@code p[at + t] = scale · q·k_t} for positions {@code t < len} (k_t at {@code kOff + t·kStride}),
     * returning the largest. A score's lanes are summed in a fixed tree
     * ({@link #ROT_HALF} …) rather than one lane after another as a matmul's are ({@link Dot#f32}): attention
     * is held to a summation bound, not to the matmul's order, and L dependent scalar additions per
     * score were most of its time. The first eight vectors of a score are written out: as a loop of a
     * few trips C2 set up pre-, main and post-loops for every score, which cost more than the score.
     * Every row of a batch takes the same path, so batches stay invariant.
     */
    private static float scores(MemorySegment qs, long qOff, MemorySegment ks, long kOff, long kStride, int n, float scale,
                                float[] p, int at, int len) {
        float max = Float.NEGATIVE_INFINITY;
        int nv = n / L;
        long step = 4L * L;
        for (int t = 0; t < len; t++) {
            long k = kOff + t * kStride;
            FloatVector a = FloatVector.zero(F);
            if (nv > 0) {
                a = Decode.f32(qs, qOff).fma(Decode.f32(ks, k), a);
            }
            if (nv > 1) {
                a = Decode.f32(qs, qOff + step).fma(Decode.f32(ks, k + step), a);
            }
            if (nv > 2) {
                a = Decode.f32(qs, qOff + 2 * step).fma(Decode.f32(ks, k + 2 * step), a);
            }
            if (nv > 3) {
                a = Decode.f32(qs, qOff + 3 * step).fma(Decode.f32(ks, k + 3 * step), a);
            }
            if (nv > 4) {
                a = Decode.f32(qs, qOff + 4 * step).fma(Decode.f32(ks, k + 4 * step), a);
            }
            if (nv > 5) {
                a = Decode.f32(qs, qOff + 5 * step).fma(Decode.f32(ks, k + 5 * step), a);
            }
            if (nv > 6) {
                a = Decode.f32(qs, qOff + 6 * step).fma(Decode.f32(ks, k + 6 * step), a);
            }
            if (nv > 7) {
                a = Decode.f32(qs, qOff + 7 * step).fma(Decode.f32(ks, k + 7 * step), a);
            }
            for (int j = 8; j < nv; j++) {
                a = Decode.f32(qs, qOff + j * step).fma(Decode.f32(ks, k + j * step), a);
            }
            a = a.add(a.rearrange(ROT_HALF));
            a = a.add(a.rearrange(ROT_QUARTER));
            if (L >= 8) {
                a = a.add(a.rearrange(ROT_EIGHTH));
            }
            if (L >= 16) {
                a = a.add(a.rearrange(ROT_SIXTEENTH));
            }
            float s = a.lane(0);
            for (int i = nv * L; i < n; i++) {
                s += qs.get(F32, qOff + 4L * i) * ks.get(F32, k + 4L * i);
            }
            s *= scale;
            p[at + t] = s;
            if (s > max) { // not Math.max, whose NaN handling C2 compiles to branches; a NaN score still makes NaN outputs
                max = s;
            }
        }
        return max;
    }

    /**
     * {@link #scores} for four query heads at once (q of head g at {@code qOff + g·qStep}, its scores at
     * {@code p[at + g·len + t]}, its largest into {@code max[m0 + g]}): each K vector is loaded once for
     * the four, and their four lane trees are merged — after the first step two vectors' halves share
     * one vector, after the second four quarters — so 4·log2(L) shuffles and adds become 2·log2(L) + 4
     * and three blends. Every lane sum is the same sum of the same pairs as {@link #scores}' tree (some
     * additions with their operands swapped, which IEEE addition does not see), so the bits are the
     * same whichever routine scores a head.
     */
    private static void scores4(MemorySegment qs, long qOff, long qStep, MemorySegment ks, long kOff, long kStride, int n,
                                float scale, float[] p, int at, int len, float[] max, int m0) {
        float m0a = Float.NEGATIVE_INFINITY, m0b = m0a, m0c = m0a, m0d = m0a;
        int nv = n / L;
        long step = 4L * L, qb = qOff + qStep, qc = qOff + 2 * qStep, qd = qOff + 3 * qStep;
        for (int t = 0; t < len; t++) {
            long k = kOff + t * kStride;
            FloatVector a = FloatVector.zero(F), b = a, c = a, d = a;
            if (nv > 0) {
                FloatVector kv = Decode.f32(ks, k);
                a = Decode.f32(qs, qOff).fma(kv, a);
                b = Decode.f32(qs, qb).fma(kv, b);
                c = Decode.f32(qs, qc).fma(kv, c);
                d = Decode.f32(qs, qd).fma(kv, d);
            }
            if (nv > 1) {
                FloatVector kv = Decode.f32(ks, k + step);
                a = Decode.f32(qs, qOff + step).fma(kv, a);
                b = Decode.f32(qs, qb + step).fma(kv, b);
                c = Decode.f32(qs, qc + step).fma(kv, c);
                d = Decode.f32(qs, qd + step).fma(kv, d);
            }
            if (nv > 2) {
                FloatVector kv = Decode.f32(ks, k + 2 * step);
                a = Decode.f32(qs, qOff + 2 * step).fma(kv, a);
                b = Decode.f32(qs, qb + 2 * step).fma(kv, b);
                c = Decode.f32(qs, qc + 2 * step).fma(kv, c);
                d = Decode.f32(qs, qd + 2 * step).fma(kv, d);
            }
            if (nv > 3) {
                FloatVector kv = Decode.f32(ks, k + 3 * step);
                a = Decode.f32(qs, qOff + 3 * step).fma(kv, a);
                b = Decode.f32(qs, qb + 3 * step).fma(kv, b);
                c = Decode.f32(qs, qc + 3 * step).fma(kv, c);
                d = Decode.f32(qs, qd + 3 * step).fma(kv, d);
            }
            if (nv > 4) {
                FloatVector kv = Decode.f32(ks, k + 4 * step);
                a = Decode.f32(qs, qOff + 4 * step).fma(kv, a);
                b = Decode.f32(qs, qb + 4 * step).fma(kv, b);
                c = Decode.f32(qs, qc + 4 * step).fma(kv, c);
                d = Decode.f32(qs, qd + 4 * step).fma(kv, d);
            }
            if (nv > 5) {
                FloatVector kv = Decode.f32(ks, k + 5 * step);
                a = Decode.f32(qs, qOff + 5 * step).fma(kv, a);
                b = Decode.f32(qs, qb + 5 * step).fma(kv, b);
                c = Decode.f32(qs, qc + 5 * step).fma(kv, c);
                d = Decode.f32(qs, qd + 5 * step).fma(kv, d);
            }
            if (nv > 6) {
                FloatVector kv = Decode.f32(ks, k + 6 * step);
                a = Decode.f32(qs, qOff + 6 * step).fma(kv, a);
                b = Decode.f32(qs, qb + 6 * step).fma(kv, b);
                c = Decode.f32(qs, qc + 6 * step).fma(kv, c);
                d = Decode.f32(qs, qd + 6 * step).fma(kv, d);
            }
            if (nv > 7) {
                FloatVector kv = Decode.f32(ks, k + 7 * step);
                a = Decode.f32(qs, qOff + 7 * step).fma(kv, a);
                b = Decode.f32(qs, qb + 7 * step).fma(kv, b);
                c = Decode.f32(qs, qc + 7 * step).fma(kv, c);
                d = Decode.f32(qs, qd + 7 * step).fma(kv, d);
            }
            for (int j = 8; j < nv; j++) {
                FloatVector kv = Decode.f32(ks, k + j * step);
                a = Decode.f32(qs, qOff + j * step).fma(kv, a);
                b = Decode.f32(qs, qb + j * step).fma(kv, b);
                c = Decode.f32(qs, qc + j * step).fma(kv, c);
                d = Decode.f32(qs, qd + j * step).fma(kv, d);
            }
            // a|b and c|d by halves, then a|c|b|d by quarters (the second half of a pair rotated back).
            FloatVector ab = a.add(a.rearrange(ROT_HALF)).blend(b.add(b.rearrange(ROT_HALF)), UPPER_HALF);
            FloatVector cd = c.add(c.rearrange(ROT_HALF)).blend(d.add(d.rearrange(ROT_HALF)), UPPER_HALF);
            FloatVector m = ab.add(ab.rearrange(ROT_QUARTER)).blend(cd.add(cd.rearrange(ROT_BACK_QUARTER)), UPPER_QUARTERS);
            if (L >= 8) {
                m = m.add(m.rearrange(ROT_EIGHTH));
            }
            if (L >= 16) {
                m = m.add(m.rearrange(ROT_SIXTEENTH));
            }
            float sa = m.lane(0), sc = m.lane(L / 4), sb = m.lane(L / 2), sd = m.lane(3 * L / 4);
            for (int i = nv * L; i < n; i++) {
                float kv = ks.get(F32, k + 4L * i);
                sa += qs.get(F32, qOff + 4L * i) * kv;
                sb += qs.get(F32, qb + 4L * i) * kv;
                sc += qs.get(F32, qc + 4L * i) * kv;
                sd += qs.get(F32, qd + 4L * i) * kv;
            }
            sa *= scale;
            sb *= scale;
            sc *= scale;
            sd *= scale;
            p[at + t] = sa;
            p[at + len + t] = sb;
            p[at + 2 * len + t] = sc;
            p[at + 3 * len + t] = sd;
            m0a = sa > m0a ? sa : m0a;
            m0b = sb > m0b ? sb : m0b;
            m0c = sc > m0c ? sc : m0c;
            m0d = sd > m0d ? sd : m0d;
        }
        max[m0] = m0a;
        max[m0 + 1] = m0b;
        max[m0 + 2] = m0c;
        max[m0 + 3] = m0d;
    }

    /*
     * The lane trees' steps: rotations by L/2, L/4, L/8 and L/16 lanes (lane i takes lane i + s mod L;
     * adding each in turn sums all lanes into lane 0), L - L/4 for {@link #scores4}'s second half of a
     * pair, and the lanes its blends take. Static final fields, which C2 takes as constants; steps
     * past the width are unused.
     */
    private static final VectorShuffle<Float> ROT_HALF = rot(L / 2), ROT_QUARTER = rot(L / 4), ROT_BACK_QUARTER = rot(L - L / 4),
            ROT_EIGHTH = rot(L / 8), ROT_SIXTEENTH = rot(L / 16);
    private static final VectorMask<Float> UPPER_HALF = lanes(L / 2), UPPER_QUARTERS = lanes(L / 4);

    private static VectorShuffle<Float> rot(int s) {
        return VectorShuffle.iota(F, s, 1, true);
    }

    /** The lanes i with {@code i mod 2s >= s}. */
    private static VectorMask<Float> lanes(int s) {
        boolean[] m = new boolean[L];
        for (int i = 0; i < L; i++) {
            m[i] = i % (2 * s) >= s;
        }
        return VectorMask.fromArray(F, m, 0);
    }

    /** {@code p[at + t] = exp(p[at + t] - max)} for {@code t < n}; returns the sum. */
    private static float expInPlace(float[] p, int at, int n, float max) {
        FloatVector sv = FloatVector.zero(F);
        int t = 0;
        for (int bound = F.loopBound(n); t < bound; t += L) {
            FloatVector e = VMath.exp(FloatVector.fromArray(F, p, at + t).sub(max));
            e.intoArray(p, at + t);
            sv = sv.add(e);
        }
        float sum = VMath.sum(sv);
        for (; t < n; t++) {
            p[at + t] = VMath.exp(p[at + t] - max);
            sum += p[at + t];
        }
        return sum;
    }

    /**
     * For each of the {@code n} heads g: {@code out_g[i] = inv[g] · Σ_t p[g·len + t] · v[t][i]}, the sum
     * over t in order (a fused multiply-add per position; the values past the last whole vector by
     * multiply and add), v[t] at byte {@code vOff + t·vStride}, head g's output {@code g·headDim} floats
     * after {@code outOff}. The whole vectors of all heads are taken four at a time: four independent
     * chains of multiply-adds (one chain waited on each multiply-add before) sharing the V row's loads.
     * A last group of fewer than four repeats its last vector (computed twice, stored once).
     */
    private static void weightedSums(float[] p, int len, int n, float[] inv, MemorySegment vs, long vOff, long vStride,
                                     int headDim, MemorySegment out, long outOff) {
        int vectors = headDim / L, total = n * vectors;
        for (int s = 0; s < total; s += 4) {
            int s1 = Math.min(s + 1, total - 1), s2 = Math.min(s + 2, total - 1), s3 = Math.min(s + 3, total - 1);
            int p0 = (s / vectors) * len, p1 = (s1 / vectors) * len, p2 = (s2 / vectors) * len, p3 = (s3 / vectors) * len;
            long a0 = vOff + 4L * L * (s % vectors), a1 = vOff + 4L * L * (s1 % vectors);
            long a2 = vOff + 4L * L * (s2 % vectors), a3 = vOff + 4L * L * (s3 % vectors);
            FloatVector o0 = FloatVector.zero(F), o1 = o0, o2 = o0, o3 = o0;
            for (int t = 0; t < len; t++) {
                long row = t * vStride;
                o0 = Decode.f32(vs, a0 + row).fma(FloatVector.broadcast(F, p[p0 + t]), o0);
                o1 = Decode.f32(vs, a1 + row).fma(FloatVector.broadcast(F, p[p1 + t]), o1);
                o2 = Decode.f32(vs, a2 + row).fma(FloatVector.broadcast(F, p[p2 + t]), o2);
                o3 = Decode.f32(vs, a3 + row).fma(FloatVector.broadcast(F, p[p3 + t]), o3);
            }
            o0.mul(inv[s / vectors]).intoMemorySegment(out, outAt(outOff, s, vectors, headDim), Decode.LE);
            if (s + 1 < total) {
                o1.mul(inv[s1 / vectors]).intoMemorySegment(out, outAt(outOff, s1, vectors, headDim), Decode.LE);
            }
            if (s + 2 < total) {
                o2.mul(inv[s2 / vectors]).intoMemorySegment(out, outAt(outOff, s2, vectors, headDim), Decode.LE);
            }
            if (s + 3 < total) {
                o3.mul(inv[s3 / vectors]).intoMemorySegment(out, outAt(outOff, s3, vectors, headDim), Decode.LE);
            }
        }
        for (int g = 0, tail = vectors * L; g < n && tail < headDim; g++) {
            for (int i = tail; i < headDim; i++) {
                float o = 0f;
                for (int t = 0; t < len; t++) {
                    o += p[g * len + t] * vs.get(F32, vOff + t * vStride + 4L * i);
                }
                out.set(F32, outOff + 4L * ((long) g * headDim + i), o * inv[g]);
            }
        }
    }

    /** Byte offset of whole vector s of a task's outputs (head s / vectors, vector s % vectors of it). */
    private static long outAt(long outOff, int s, int vectors, int headDim) {
        return outOff + 4L * ((long) (s / vectors) * headDim + (long) (s % vectors) * L);
    }
}
