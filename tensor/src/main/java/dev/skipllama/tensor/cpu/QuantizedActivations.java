package dev.skipllama.tensor.cpu;

import static dev.skipllama.tensor.cpu.Simd.F;
import static dev.skipllama.tensor.cpu.Simd.I;
import static dev.skipllama.tensor.cpu.Simd.L;

import dev.skipllama.tensor.Halfs;
import dev.skipllama.tensor.quant.QuantizedRow;
import dev.skipllama.tensor.quant.QuantizedRow.Blocks;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Set;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

/**
 * Activation rows quantized for the packed integer kernels: the values of {@link QuantizedRow} (the
 * definition; this class computes the same q and d with vector code), laid out for the kernels.
 *
 * <p>The kernels multiply 16-bit lanes in which the low half of a 32-bit lane holds a weight of value
 * {@code s} of a 32-value group and the high half the weight of value {@code 16 + s} (see
 * {@link Packing}), so the activations are kept as {@code pairs}: for each 32 values, 16 ints
 * {@code q[16 + s] << 16 | q[s] & 0xffff}, broadcast whole to multiply both halves at once.
 *
 * <p>Scratch owned by one {@link CpuBackend}: arrays grow to the largest batch seen and are reused.
 */
final class QuantizedActivations {
    /** Lane k takes lane k − 1 within each run of four (a 4-bit word's slots), lane k itself at a run's start. */
    private static final VectorShuffle<Integer> SLOT_BELOW = VectorShuffle.fromOp(I, k -> k % 4 == 0 ? k : k - 1);
    /** Lanes that are not a run's first. */
    private static final VectorMask<Integer> ABOVE_FIRST = VectorMask.fromLong(I, 0xeeeeeeeeeeeeeeeeL);
    /** 1.5 · 2^23: adding and subtracting it rounds a float below 2^22 to the nearest integer, ties to even. */
    private static final float ROUND = 12582912f;

    Blocks blocks;
    int rows;
    int n;
    /** rows × n/2: the pairs of each 32-value group, row after row. */
    int[] pairs = new int[0];
    /** rows × n/blockSize: each block's scale. */
    float[] d = new float[0];
    /**
     * rows × n/2, for 4-bit weights only (see {@link #reset}): {@link #pairs} turned into the steps
     * {@code y_k − 16·y_(k−1)} of each run of four slots that one 16-bit lane's nibbles meet. A lane
     * holding nibbles {@code n_0..n_3} (value {@code u = Σ 16^k·n_k}) then needs no masks:
     * {@code u·y_0 + (u>>>4)·(y_1 − 16y_0) + (u>>>8)·(y_2 − 16y_1) + (u>>>12)·(y_3 − 16y_2) = Σ n_k·y_k},
     * an identity of integers that also holds modulo 2^16, where the 16-bit lanes compute it; the true
     * sum fits in 16 bits (at most 16 products of 15·127 per lane and block), so the lanes end exact.
     * Three ands fewer per 64 weight bytes, of ~19 operations (measured: no change beyond the noise
     * where generation is memory-bound; kept as exact and less work).
     */
    int[] steps = new int[0];
    boolean nibbles;
    /**
     * rows × n/32 × 20, for the Q5_K and Q5_0 single-row kernels only (see {@link #reset}): per 32 values, for
     * each of the five 16-bit words a lane holds per half ({@link Words#FIVE}: values {@code 3i, 3i+1,
     * 3i+2} in base 32 and bit i of value 15 at bit 15), the steps {@code y_3i}, {@code y_3i+1 − 32y_3i},
     * {@code y_3i+2 − 32y_3i+1}, {@code 2^i·y_15 − 32y_3i+2} (pairs, as {@link #pairs}; {@link Words#steps}):
     * a word {@code u} times them, shifted by 0, 5, 10 and 15, sums to its three values' products plus
     * its bit's share of value 15's, modulo 2^16.
     */
    int[] quints = new int[0];
    boolean fives;
    /**
     * rows × n/32 × 20, for the Q6_K single-row kernel only: per 32 values, for each set of eight
     * values of a half (0-7, then 8-15) and each of its three words ({@link Words#SIX}), the steps of the
     * same identity in base 64 (a word's digits at bits 0, 6, 12 and, in word 1, 14): word 0
     * {@code y0, y1 − 64y0, y6 − 64y1}; word 1 {@code y2, y3 − 64y2, 16y6 − 64y3, y7 − 64y6}; word 2
     * {@code y4, y5 − 64y4, 4y7 − 64y5} (y of the set's values; pairs, as {@link #pairs}).
     */
    int[] sextets = new int[0];
    boolean sixes;
    /** rows × n/32 × 2: {@code −32·Σy} of each set of eight values of each half (values 0-7, then 8-15), as pairs, for the Q6_K kernels. */
    int[] center6 = new int[0];
    /**
     * rows × n/32: {@code −16·Σy} of the low and of the high 16 values of each 32, as a pair: the
     * Q5_K and Q5_0 kernels add it to a sub-block's 16-bit lanes, which then hold
     * {@code Σ (q − 16)·y}, which fits in 16 bits where {@code Σ q·y} would not.
     */
    int[] center = new int[0];
    boolean centers;
    boolean centers6;
    /**
     * rows × n, for Q8_0 batches only (see {@link #reset}): the quantized values as floats, which the
     * float kernel of {@link TileGemm} multiplies (every product and block sum of 8-bit values is an
     * integer below 2^24, so exact in float).
     */
    float[] qf = new float[0];
    boolean floats;
    /**
     * {@link PanelGemm#padded}(rows) × n, for {@link PanelGemm} only: the quantized values as floats,
     * each six rows' interleaved ({@code panels[(r/6)·6n + 6k + r%6]} is row r's value k), so that its
     * micro-kernel reads one stream; the rows that pad the last six are zero, and so are their
     * {@link #d}.
     */
    float[] panels = new float[0];
    boolean panelled;
    /**
     * {@link PanelGemm#padded}(rows) × n/2, for {@link PanelGemm}'s Q4_0, Q4_K and Q5_K kernels only:
     * the {@link #pairs}, each six rows' interleaved as {@link #panels} ({@code pairPanels[(r/6)·3n +
     * 6p + r%6]} is row r's pair p); the padding rows' pairs are zero.
     */
    int[] pairPanels = new int[0];
    boolean pairPanelled;
    /** rows × n/32: Σq of each 32 values. */
    int[] sum = new int[0];
    /** rows × n/32: Q8_1's f16(d · Σq) (B32 only), for the Q4_1 kernels only (see {@link #reset}). */
    float[] s = new float[0];
    boolean scaledSums;
    /** Per-worker scratch: a row's floats (grown to the longest row) and a block's quantized values. */
    private final float[][] v;
    private final int[][] qi;

    QuantizedActivations(int workers) {
        v = new float[workers][256];
        qi = new int[workers][256];
    }

    /** What a matmul's kernels read besides the pairs, d and sums; {@link #reset} computes only those. */
    enum Extra {
        /** {@link #steps}: the 4-bit single-row kernels. */
        STEPS,
        /** {@link #quints}: the Q5_K and Q5_0 single-row kernels. */
        QUINTS,
        /** {@link #sextets}: the Q6_K single-row kernel. */
        SEXTETS,
        /** {@link #center}: the Q5_K and Q5_0 kernels, one row or several. */
        CENTER,
        /** {@link #center6}: the Q6_K kernels. */
        CENTER6,
        /** {@link #qf}: the Q8_0 batch kernel. */
        FLOATS,
        /** {@link #panels}: {@link PanelGemm}'s float kernels. */
        PANELS,
        /** {@link #pairPanels}: {@link PanelGemm}'s Q4_0, Q4_K and Q5_K kernels. */
        PAIR_PANELS,
        /** {@link #s}: the Q4_1 kernels. */
        SCALED_SUMS
    }

    /** Sizes the arrays for {@code rows} rows of {@code n} values (a multiple of the block size), the {@code extras} among them. */
    void reset(Blocks blocks, int rows, int n, Set<Extra> extras) {
        this.blocks = blocks;
        this.rows = rows;
        this.n = n;
        this.nibbles = extras.contains(Extra.STEPS);
        this.fives = extras.contains(Extra.QUINTS);
        this.sixes = extras.contains(Extra.SEXTETS);
        this.centers = extras.contains(Extra.CENTER);
        this.centers6 = extras.contains(Extra.CENTER6);
        this.floats = extras.contains(Extra.FLOATS);
        this.scaledSums = extras.contains(Extra.SCALED_SUMS);
        if (floats && qf.length < rows * n) {
            qf = new float[rows * n];
        }
        this.panelled = extras.contains(Extra.PANELS);
        this.pairPanelled = extras.contains(Extra.PAIR_PANELS);
        int padded = panelled || pairPanelled ? PanelGemm.padded(rows) : rows;
        if (panelled && panels.length < padded * n) {
            panels = new float[padded * n];
        }
        if (pairPanelled && pairPanels.length < padded * (n / 2)) {
            pairPanels = new int[padded * (n / 2)];
        }
        int groups = rows * (n / 32);
        if (pairs.length < rows * (n / 2)) {
            pairs = new int[rows * (n / 2)];
        }
        if (nibbles && steps.length < rows * (n / 2)) {
            steps = new int[rows * (n / 2)];
        }
        if (fives && quints.length < groups * 20) {
            quints = new int[groups * 20];
        }
        if (sixes && sextets.length < groups * 20) {
            sextets = new int[groups * 20];
        }
        if (centers && center.length < groups) {
            center = new int[groups];
        }
        if (centers6 && center6.length < 2 * groups) {
            center6 = new int[2 * groups];
        }
        if (d.length < padded * (n / 32)) {
            d = new float[padded * (n / 32)];
            sum = new int[padded * (n / 32)];
            s = new float[padded * (n / 32)];
        }
        if (padded > rows) { // the padding rows: zero values, scales and sums (the kernel computes them, never stores them)
            int nb = n / blocks.size();
            Arrays.fill(d, rows * nb, padded * nb, 0f);
            Arrays.fill(sum, rows * (n / 32), padded * (n / 32), 0);
            int g0 = rows / PanelGemm.TOKENS * PanelGemm.TOKENS;
            for (int k = 0; panelled && k < n; k++) {
                for (int r = rows; r < padded; r++) {
                    panels[g0 * n + PanelGemm.TOKENS * k + r - g0] = 0f;
                }
            }
            for (int p = 0; pairPanelled && p < n / 2; p++) {
                for (int r = rows; r < padded; r++) {
                    pairPanels[g0 * (n / 2) + PanelGemm.TOKENS * p + r - g0] = 0;
                }
            }
        }
    }

    int pairsPerRow() {
        return n / 2;
    }

    int blocksPerRow() {
        return n / blocks.size();
    }

    int groupsPerRow() {
        return n / 32;
    }

    /**
     * Quantizes row {@code r} from the {@link #n} floats at byte offset {@code at} of {@code x}, with
     * {@code worker}'s scratch (rows may be quantized by several workers at once).
     */
    void quantizeRow(MemorySegment x, long at, int r, int worker) {
        int bs = blocks.size();
        if (v[worker].length < n) {
            v[worker] = new float[n];
        }
        float[] v = this.v[worker];
        int[] qi = this.qi[worker];
        MemorySegment.copy(x, Decode.F32, at, v, 0, n); // one copy a row: a copy a block cost as much as the block's arithmetic
        for (int b = 0; b < n / bs; b++) {
            int blk = r * (n / bs) + b;
            d[blk] = blocks == Blocks.B32 ? block32(v, b * bs, qi) : block256(v, b * bs, qi);
            if (floats) {
                for (int i = 0, o = r * n + b * bs; i < bs; i++) {
                    qf[o + i] = qi[i];
                }
            }
            if (panelled) {
                int t = PanelGemm.TOKENS;
                for (int i = 0, o = r / t * t * n + t * b * bs + r % t; i < bs; i++) {
                    panels[o + t * i] = qi[i];
                }
            }
            for (int g = 0; g < bs / 32; g++) {
                int gi = r * (n / 32) + b * (bs / 32) + g;
                sum[gi] = pairsOf(qi, 32 * g, r * (n / 2) + 16 * (b * (bs / 32) + g), gi);
                if (pairPanelled) {
                    int t = PanelGemm.TOKENS, p0 = 16 * (b * (bs / 32) + g);
                    for (int i = 0, o = r / t * t * (n / 2) + t * p0 + r % t; i < 16; i++) {
                        pairPanels[o + t * i] = pairs[r * (n / 2) + p0 + i];
                    }
                }
                if (scaledSums) {
                    s[gi] = blocks == Blocks.B32 ? Halfs.f16ToFloat(Halfs.floatToF16(d[blk] * sum[gi])) : 0f;
                }
            }
        }
    }

    /** {@link QuantizedRow#block32} on v[v0..v0+32) into qi; returns d. */
    private static float block32(float[] v, int v0, int[] qi) {
        FloatVector mx = FloatVector.zero(F);
        for (int i = 0; i < 32; i += L) {
            mx = mx.max(FloatVector.fromArray(F, v, v0 + i).abs());
        }
        float max = mx.reduceLanes(VectorOperators.MAX); // max is exact in any order (and NaN wins, as in Math.max)
        float id = max != 0 ? 127f / max : 0f;
        for (int i = 0; i < 32; i += L) {
            rint(FloatVector.fromArray(F, v, v0 + i).mul(id).min(127f).max(-127f)).intoArray(qi, i);
        }
        return Halfs.f16ToFloat(Halfs.floatToF16(max / 127f));
    }

    /** {@link QuantizedRow#block256} on v[v0..v0+256) into qi; returns d. */
    private static float block256(float[] v, int v0, int[] qi) {
        FloatVector mx = FloatVector.zero(F);
        for (int i = 0; i < 256; i += L) {
            mx = mx.max(FloatVector.fromArray(F, v, v0 + i).abs());
        }
        float amax = mx.reduceLanes(VectorOperators.MAX);
        if (amax != amax || amax == 0) { // NaN: keep the block non-finite, as the definition does
            java.util.Arrays.fill(qi, 0);
            return amax == 0 ? 0f : Float.NaN;
        }
        float max = 0;
        for (int i = v0; i < v0 + 256; i++) { // the first value of largest magnitude, sign kept
            if (Math.abs(v[i]) == amax) {
                max = v[i];
                break;
            }
        }
        float iscale = -127f / max;
        for (int i = 0; i < 256; i += L) {
            rint(FloatVector.fromArray(F, v, v0 + i).mul(iscale).min(127f).max(-127f)).intoArray(qi, i);
        }
        return 1f / iscale;
    }

    /**
     * Math.rint of floats below 2^22 in magnitude, then to int; NaN becomes 0 as in a Java cast (the
     * vector conversion gives Integer.MIN_VALUE for it, as x86's does).
     */
    private static IntVector rint(FloatVector x) {
        FloatVector r = x.add(ROUND).sub(ROUND);
        return (IntVector) r.blend(0f, r.test(VectorOperators.IS_NAN)).convert(VectorOperators.F2I, 0);
    }

    /** Pairs of qi[q0..q0+32) into {@link #pairs} at {@code p0}, and group {@code gi}'s center and steps; returns their sum. */
    private int pairsOf(int[] qi, int q0, int p0, int gi) {
        IntVector totalLo = IntVector.zero(I), totalHi = totalLo;
        for (int i = 0; i < 16; i += L) {
            IntVector lo = IntVector.fromArray(I, qi, q0 + i), hi = IntVector.fromArray(I, qi, q0 + 16 + i);
            hi.lanewise(VectorOperators.LSHL, 16).or(lo.and(0xffff)).intoArray(pairs, p0 + i);
            totalLo = totalLo.add(lo);
            totalHi = totalHi.add(hi);
        }
        int total;
        if (centers) {
            int sumLo = totalLo.reduceLanes(VectorOperators.ADD), sumHi = totalHi.reduceLanes(VectorOperators.ADD);
            center[gi] = pair(-16 * sumLo, -16 * sumHi);
            total = sumLo + sumHi;
        } else {
            total = totalLo.add(totalHi).reduceLanes(VectorOperators.ADD); // one reduction where the halves are not needed apart
        }
        for (int set = 0; centers6 && set < 2; set++) {
            int lo = 0, hi = 0;
            for (int i = 8 * set; i < 8 * set + 8; i++) {
                lo += qi[q0 + i];
                hi += qi[q0 + 16 + i];
            }
            center6[2 * gi + set] = pair(-32 * lo, -32 * hi);
        }
        if (sixes) { // per half, its six words' 3 + 4 + 3 + 3 + 4 + 3 steps
            sixSteps(qi, q0, q0 + 16, sextets, 20 * gi);
            sixSteps(qi, q0 + 8, q0 + 24, sextets, 20 * gi + 10);
        }
        if (fives) { // per half, its five words' four steps: Words.steps of Words.FIVE, written out
            for (int w = 0, at = 20 * gi; w < 5; w++, at += 4) {
                int a = q0 + 3 * w, b = a + 16;
                quints[at] = pair(qi[a], qi[b]);
                quints[at + 1] = pair(qi[a + 1] - 32 * qi[a], qi[b + 1] - 32 * qi[b]);
                quints[at + 2] = pair(qi[a + 2] - 32 * qi[a + 1], qi[b + 2] - 32 * qi[b + 1]);
                quints[at + 3] = pair((qi[q0 + 15] << w) - 32 * qi[a + 2], (qi[q0 + 31] << w) - 32 * qi[b + 2]);
            }
        }
        if (nibbles) { // per half, its four words' four steps (Words.steps of Words.FOUR, in 16-bit lanes: half a 1-row matmul's fixed cost went to that general form)
            for (int i = 0; i < 16; i += L) { // L ≥ 4: a word's four slots share a vector
                IntVector p = IntVector.fromArray(I, pairs, p0 + i);
                ShortVector below = p.rearrange(SLOT_BELOW, ABOVE_FIRST).reinterpretAsShorts(); // pair k − 1 of a word, zero below its first
                p.reinterpretAsShorts().sub(below.lanewise(VectorOperators.LSHL, 4)).reinterpretAsInts().intoArray(steps, p0 + i);
            }
        }
        return total;
    }

    /**
     * The steps of one set of eight six-bit values' three words ({@link Words#SIX}, written out: the
     * general {@link Words#steps} cost a 1-row Q6_K matmul more than its kernel on short rows), of the
     * low half's values {@code q[a..a+8)} and the high half's {@code q[b..b+8)}, into {@code out[at..at+10)}.
     */
    private static void sixSteps(int[] q, int a, int b, int[] out, int at) {
        out[at] = pair(q[a], q[b]); // word 0: values 0, 1 and bits 0-3 of 6
        out[at + 1] = pair(q[a + 1] - 64 * q[a], q[b + 1] - 64 * q[b]);
        out[at + 2] = pair(q[a + 6] - 64 * q[a + 1], q[b + 6] - 64 * q[b + 1]);
        out[at + 3] = pair(q[a + 2], q[b + 2]); // word 1: values 2, 3, bits 4-5 of 6 and 0-1 of 7
        out[at + 4] = pair(q[a + 3] - 64 * q[a + 2], q[b + 3] - 64 * q[b + 2]);
        out[at + 5] = pair(16 * q[a + 6] - 64 * q[a + 3], 16 * q[b + 6] - 64 * q[b + 3]);
        out[at + 6] = pair(q[a + 7] - 64 * q[a + 6], q[b + 7] - 64 * q[b + 6]);
        out[at + 7] = pair(q[a + 4], q[b + 4]); // word 2: values 4, 5 and bits 2-5 of 7
        out[at + 8] = pair(q[a + 5] - 64 * q[a + 4], q[b + 5] - 64 * q[b + 4]);
        out[at + 9] = pair(4 * q[a + 7] - 64 * q[a + 5], 4 * q[b + 7] - 64 * q[b + 5]);
    }

    /** Two 16-bit lanes (each value taken modulo 2^16) as one int: {@code lo} low, {@code hi} high. */
    private static int pair(int lo, int hi) {
        return hi << 16 | lo & 0xffff;
    }
}
