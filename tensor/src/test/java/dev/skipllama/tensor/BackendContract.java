package dev.skipllama.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.skipllama.tensor.TestData.Values;
import dev.skipllama.tensor.quant.QuantizedRow;
import dev.skipllama.tensor.ref.ReferenceBackend;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Provide;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Every backend computes what the reference backend defines. Subclasses name the backend
 * ({@code CpuBackendProperties}, {@code CudaBackendProperties}) and may widen the tolerances where
 * their arithmetic legitimately differs; each such widening is stated where it is defined.
 * Inputs are made on the host and reach the backend through {@link Backend#upload}; results come
 * back through {@link Backend#read}, so the same properties hold for host and device backends.
 *
 * <p>Shapes are random and include lengths that are not multiples of a SIMD lane count nor of the
 * 32-element block; values include zeros, subnormals and large magnitudes.
 *
 * <p>Tolerances. Matmul and attention scores are sums whose order differs from the reference's; the
 * bound used is the classic worst case for any summation order, |error| ≤ γ_n · Σ|terms| with
 * γ_n = n·u/(1−n·u), u = 2^-24, plus n·2^-149 for subnormal products. Ops that call exp are held to
 * 2^-16 relative error (vector exp and CUDA's expf are within a few ulp).
 */
public abstract class BackendContract {
    protected static final double U = 0x1p-24;
    private static final Backend ref = new ReferenceBackend();

    /** The backend under test. */
    protected abstract Backend backend();

    /** The largest |error| allowed for one matmul output; the default is the summation bound above. */
    protected double matmulBound(DType w, int rows, int nIn, double absSum, double weightAbsSum) {
        return gamma(nIn + 2) * absSum + nIn * 0x1p-149;
    }

    /**
     * Whether the backend computes a matmul with quantized weights as the reference defines it, with
     * the activations quantized to 8-bit blocks ({@link dev.skipllama.tensor.quant.QuantDot}); a backend
     * that takes float activations (the CUDA kernels) is allowed that quantization's error on top.
     */
    protected boolean quantizesActivations() {
        return true;
    }

    /** The largest |error| allowed for a rotated element whose pair is (x0, x1): the CPU's is 0, the same formula. */
    protected double ropeBound(float x0, float x1) {
        return 0;
    }

    /** What a test description adds about the backend (e.g. its SIMD width). */
    protected String describe() {
        return backend().name();
    }

    /** Tensors on the backend for one property try; device copies are freed at the end. */
    protected final class On implements AutoCloseable {
        private final List<Tensor> owned = new ArrayList<>();

        /** The backend's copy of a host tensor (on the host: the tensor itself). */
        public Tensor in(Tensor host) {
            Tensor t = backend().upload(host);
            if (t != host) {
                owned.add(t);
            }
            return t;
        }

        /** The backend's copy of a matmul weight ({@link Backend#uploadForMatmul}: the CPU packs F32 matrices too). */
        public Tensor weight(Tensor host) {
            Tensor t = backend().uploadForMatmul(host);
            if (t != host) {
                owned.add(t);
            }
            return t;
        }

        public Tensor out(DType dtype, int... shape) {
            Tensor t = backend().allocate(dtype, shape);
            owned.add(t);
            return t;
        }

        public float[] get(Tensor t) {
            float[] a = new float[(int) t.numel()];
            backend().read(t, a);
            return a;
        }

        @Override
        public void close() {
            owned.forEach(Tensor::close);
        }
    }

    @Property(tries = 250)
    void matmulEqualsReference(@ForAll DType dtype, @ForAll @IntRange(min = 1, max = 9) int rows,
                               @ForAll @IntRange(min = 1, max = 40) int nOut, @ForAll @IntRange(min = 1, max = 300) int nInRaw,
                               @ForAll Values kind, @ForAll long seed) {
        int nIn = wholeBlocks(dtype, nInRaw);
        checkMatmul(dtype, rows, nOut, nIn, kind, seed, "matmul");
    }

    /**
     * Batches of more rows than a decode step: prompt prefill and speculative verification (on CUDA
     * these go to cuBLAS for F32/F16/BF16 weights).
     */
    @Property(tries = 30)
    void batchedMatmulEqualsReference(@ForAll DType dtype, @ForAll @IntRange(min = 17, max = 40) int rows,
                                      @ForAll @IntRange(min = 1, max = 24) int nOut, @ForAll @IntRange(min = 1, max = 160) int nInRaw,
                                      @ForAll Values kind, @ForAll long seed) {
        int nIn = wholeBlocks(dtype, nInRaw);
        checkMatmul(dtype, rows, nOut, nIn, kind, seed, "batched matmul");
    }

    /** Products large enough to be split across a CPU worker pool (the small ones run on the caller). */
    @Property(tries = 12)
    void largeMatmulSplitAcrossWorkersEqualsReference(@ForAll DType dtype, @ForAll @IntRange(min = 1, max = 6) int rows,
                                                      @ForAll @IntRange(min = 260, max = 420) int nOut, @ForAll long seed) {
        checkMatmul(dtype, rows, nOut, 512, Values.NORMAL, seed, "large matmul");
    }

    protected final void checkMatmul(DType dtype, int rows, int nOut, int nIn, Values kind, long seed, String what) {
        Random rnd = new Random(seed);
        try (Tensor w = TestData.tensor(rnd, dtype, kind, nOut, nIn);
             Tensor x = TestData.tensor(rnd, DType.F32, kind == Values.LARGE ? Values.NORMAL : kind, rows, nIn);
             Tensor b = Tensor.allocate(DType.F32, rows, nOut);
             On on = new On()) {
            Tensor a = on.out(DType.F32, rows, nOut);
            backend().matmul(on.weight(w), on.in(x), a);
            ref.matmul(w, x, b);
            float[] got = on.get(a);
            float[] wf = Dequantize.toFloats(w), xf = x.toFloatArray();
            int block = dtype.isQuantized() ? QuantizedRow.blocksFor(dtype).size() : 1;
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < nOut; o++) {
                    double absSum = 0, wSum = 0, quantization = 0;
                    for (int i = 0; i < nIn; i++) {
                        absSum += Math.abs((double) wf[o * nIn + i] * xf[r * nIn + i]);
                        wSum += Math.abs(wf[o * nIn + i]);
                    }
                    if (dtype.isQuantized() && !quantizesActivations()) {
                        // The definition rounds each activation to its block's step d = max|x| / 127 (F16-rounded
                        // for 32-blocks): |x − d·q| ≤ d/2 + 127·d·2^-11 < 0.57·d, times |w|, over the row.
                        for (int b0 = 0; b0 < nIn; b0 += block) {
                            double max = 0, ws = 0;
                            for (int i = b0; i < b0 + block; i++) {
                                max = Math.max(max, Math.abs(xf[r * nIn + i]));
                                ws += Math.abs(wf[o * nIn + i]);
                            }
                            quantization += 0.57 * max / 127 * ws;
                        }
                    }
                    check(got[r * nOut + o], b.getFloat((long) r * nOut + o), matmulBound(dtype, rows, nIn, absSum, wSum) + quantization,
                            what + " " + dtype + " [" + rows + "x" + nIn + "]·[" + nOut + "x" + nIn + "]ᵀ at (" + r + "," + o + ")");
                }
            }
        }
    }

    /**
     * Batch invariance: a row's matmul result is bit-identical whether it is computed alone or with
     * other rows (self-speculative verification depends on it for exact greedy equivalence).
     */
    @Property(tries = 150)
    void matmulRowsDoNotDependOnTheBatch(@ForAll DType dtype, @ForAll @IntRange(min = 2, max = 11) int rows,
                                         @ForAll @IntRange(min = 1, max = 20) int nOut, @ForAll @IntRange(min = 1, max = 200) int nInRaw,
                                         @ForAll long seed) {
        checkBatchInvariance(dtype, rows, nOut, wholeBlocks(dtype, nInRaw), seed);
    }

    /**
     * The same for prompt-sized batches, where kernels may take another path (CPU: 24 rows or more,
     * PanelGemm), up to the rows the backend keeps batch-invariant ({@link #batchInvariantRows}).
     */
    @Property(tries = 30)
    void promptBatchRowsDoNotDependOnTheBatch(@ForAll DType dtype, @ForAll @IntRange(min = 24, max = 31) int rows,
                                              @ForAll @IntRange(min = 1, max = 40) int nOut, @ForAll @IntRange(min = 1, max = 600) int nInRaw,
                                              @ForAll long seed) {
        checkBatchInvariance(dtype, Math.min(rows, batchInvariantRows()), nOut, wholeBlocks(dtype, nInRaw), seed);
    }

    /**
     * The most rows a batch may have for the backend to keep batch invariance: a backend may hand larger
     * batches to a library that does not (CUDA: cuBLAS above 16 rows; speculative verification stays
     * below). Unbounded by default.
     */
    protected int batchInvariantRows() {
        return Integer.MAX_VALUE;
    }

    /** The same for rows longer than 4096 values, where kernels may take another path (CPU: ffn_down's shape). */
    @Property(tries = 16)
    void longMatmulRowsDoNotDependOnTheBatch(@ForAll DType dtype, @ForAll @IntRange(min = 2, max = 5) int rows,
                                             @ForAll @IntRange(min = 1, max = 9) int nOut, @ForAll @IntRange(min = 4097, max = 4400) int nInRaw,
                                             @ForAll long seed) {
        checkBatchInvariance(dtype, rows, nOut, wholeBlocks(dtype, nInRaw), seed);
    }

    /** Fails unless every row of a {@code rows}-row matmul has the bits of the same row computed alone. */
    protected final void checkBatchInvariance(DType dtype, int rows, int nOut, int nIn, long seed) {
        Random rnd = new Random(seed);
        try (Tensor w = TestData.tensor(rnd, dtype, Values.NORMAL, nOut, nIn);
             Tensor x = TestData.tensor(rnd, DType.F32, Values.NORMAL, rows, nIn);
             On on = new On()) {
            Tensor wd = on.weight(w), xd = on.in(x), all = on.out(DType.F32, rows, nOut), one = on.out(DType.F32, 1, nOut);
            backend().matmul(wd, xd, all);
            float[] batch = on.get(all);
            for (int r = 0; r < rows; r++) {
                backend().matmul(wd, xd.rows(r, r + 1), one);
                float[] alone = on.get(one);
                for (int o = 0; o < nOut; o++) {
                    if (Float.floatToRawIntBits(alone[o]) != Float.floatToRawIntBits(batch[r * nOut + o])) {
                        fail(dtype + " row " + r + " of " + rows + ", output " + o + ": alone " + alone[o]
                                + ", in the batch " + batch[r * nOut + o]);
                    }
                }
            }
        }
    }

    /**
     * A matmul result depends on the data only, not on where the weight and activation rows sit in
     * memory (a kernel may take wide loads where rows are aligned and narrow ones elsewhere, but must
     * add in the same order): the same values at an offset of 1–7 elements give the same bits.
     */
    @Property(tries = 40)
    void matmulDoesNotDependOnAlignment(@ForAll("wideDTypes") DType dtype, @ForAll @IntRange(min = 1, max = 3) int rows,
                                        @ForAll @IntRange(min = 1, max = 6) int nOut, @ForAll @IntRange(min = 1, max = 300) int nIn,
                                        @ForAll @IntRange(min = 1, max = 7) int shift, @ForAll long seed) {
        Random rnd = new Random(seed);
        try (Tensor w = TestData.tensor(rnd, dtype, Values.NORMAL, nOut, nIn);
             Tensor x = TestData.tensor(rnd, DType.F32, Values.NORMAL, rows, nIn);
             Tensor wShifted = shifted(w, shift);
             Tensor xShifted = shifted(x, shift);
             On on = new On()) {
            Tensor a = on.out(DType.F32, rows, nOut), b = on.out(DType.F32, rows, nOut);
            backend().matmul(on.in(w), on.in(x), a);
            Tensor wd = on.in(wShifted).rows(shift, shift + nOut * nIn).reshape(nOut, nIn);
            Tensor xd = on.in(xShifted).rows(shift, shift + rows * nIn).reshape(rows, nIn);
            backend().matmul(wd, xd, b);
            float[] here = on.get(a), there = on.get(b);
            for (int i = 0; i < here.length; i++) {
                if (Float.floatToRawIntBits(here[i]) != Float.floatToRawIntBits(there[i])) {
                    fail(dtype + " [" + rows + "x" + nIn + "]·[" + nOut + "x" + nIn + "]ᵀ at " + i + ": " + here[i]
                            + " at the start of its buffer, " + there[i] + " " + shift + " elements in");
                }
            }
        }
    }

    @Provide
    Arbitrary<DType> wideDTypes() {
        return Arbitraries.of(DType.F32, DType.F16, DType.BF16);
    }

    /** A row width near {@code n} (at least 1) that holds whole blocks of {@code dtype}. */
    protected static int wholeBlocks(DType dtype, int n) {
        return dtype.blockSize() * Math.max(1, n / dtype.blockSize());
    }

    /** A one-column tensor holding {@code shift} zero elements, then t's elements. */
    private static Tensor shifted(Tensor t, int shift) {
        Tensor s = Tensor.allocate(t.dtype(), (int) t.numel() + shift, 1);
        long at = t.dtype().byteSize(shift);
        MemorySegment.copy(t.segment(), 0, s.segment(), at, t.byteSize());
        return s;
    }

    @Property(tries = 150)
    void rmsnormEqualsReference(@ForAll @IntRange(min = 1, max = 5) int rows, @ForAll @IntRange(min = 1, max = 300) int d,
                                @ForAll Values kind, @ForAll long seed) {
        Random rnd = new Random(seed);
        try (Tensor x = TestData.tensor(rnd, DType.F32, kind, rows, d);
             Tensor w = TestData.tensor(rnd, DType.F32, Values.NORMAL, d);
             Tensor b = Tensor.allocate(DType.F32, rows, d);
             On on = new On()) {
            Tensor a = on.out(DType.F32, rows, d);
            backend().rmsnorm(on.in(x), on.in(w), 1e-5f, a);
            ref.rmsnorm(x, w, 1e-5f, b);
            float[] got = on.get(a);
            for (int i = 0; i < rows * d; i++) {
                float want = b.getFloat(i);
                // Subnormal outputs carry absolute rounding of up to one step of 2^-149 from each of the
                // two products (x·scale, then ·weight): allow 2^-148.
                check(got[i], want, gamma(d + 8) * Math.abs(want) + 0x1p-148, "rmsnorm d=" + d + " at " + i);
            }
        }
    }

    @Property(tries = 150)
    void ropeEqualsReference(@ForAll RopeLayout layout, @ForAll @IntRange(min = 1, max = 5) int rows,
                             @ForAll @IntRange(min = 1, max = 4) int heads, @ForAll @IntRange(min = 1, max = 40) int halfDim,
                             @ForAll @IntRange(min = 0, max = 8191) int startPos, @ForAll boolean shuffled, @ForAll long seed) {
        Random rnd = new Random(seed);
        int headDim = 2 * halfDim;
        float[] invFreq = new float[halfDim];
        for (int i = 0; i < halfDim; i++) {
            invFreq[i] = (float) (1.0 / Math.pow(10000, 2.0 * i / headDim));
        }
        int[] pos = new int[rows];
        for (int r = 0; r < rows; r++) {
            pos[r] = shuffled ? rnd.nextInt(8192) : startPos + r; // consecutive (a forward step) or any
        }
        try (Tensor x = TestData.tensor(rnd, DType.F32, Values.NORMAL, rows, heads * headDim);
             Tensor b = Tensor.of(x.toFloatArray(), rows, heads * headDim);
             Tensor hostCopy = Tensor.of(x.toFloatArray(), rows, heads * headDim);
             On on = new On()) {
            Tensor a = on.in(hostCopy);
            backend().rope(a, headDim, pos, invFreq, layout);
            ref.rope(b, headDim, pos, invFreq, layout);
            float[] got = on.get(a), in = x.toFloatArray();
            for (int i = 0; i < got.length; i++) {
                int inHead = i % headDim, base = i - inHead, pair = layout == RopeLayout.INTERLEAVED ? inHead ^ 1
                        : (inHead < halfDim ? inHead + halfDim : inHead - halfDim);
                check(got[i], b.getFloat(i), ropeBound(in[i], in[base + pair]), "rope " + layout + " at " + i);
            }
        }
    }

    @Property(tries = 150)
    void softmaxEqualsReference(@ForAll @IntRange(min = 1, max = 4) int rows, @ForAll @IntRange(min = 1, max = 500) int n,
                                @ForAll Values kind, @ForAll long seed) {
        Random rnd = new Random(seed);
        Values k = kind == Values.LARGE ? Values.WIDE : kind; // logits, not overflowing sums
        try (Tensor x = TestData.tensor(rnd, DType.F32, k, rows, n);
             Tensor b = Tensor.of(x.toFloatArray(), rows, n);
             On on = new On()) {
            Tensor a = on.in(x);
            backend().softmax(a);
            ref.softmax(b);
            float[] got = on.get(a);
            for (int i = 0; i < got.length; i++) {
                check(got[i], b.getFloat(i), 0x1p-16 * b.getFloat(i) + 0x1p-30, "softmax n=" + n + " at " + i);
            }
        }
    }

    @Property(tries = 120)
    void attentionEqualsReference(@ForAll @IntRange(min = 1, max = 4) int kvHeads, @ForAll @IntRange(min = 1, max = 3) int group,
                                  @ForAll @IntRange(min = 1, max = 70) int headDim, @ForAll @IntRange(min = 1, max = 6) int rows,
                                  @ForAll @IntRange(min = 0, max = 600) int start, @ForAll long seed) {
        // Starts up to 600 make some calls large enough to be split across CPU workers. Scores carry
        // γ_headDim·|q||k| error, amplified by at most |score| in exp; 2^-14·max|v| covers it here.
        attentionAgainstReference(DType.F32, kvHeads, group, headDim, rows, start, seed, 0x1p-14 * Math.max(1, headDim / 16.0));
    }

    /**
     * Attention over an F16 cache (llama.cpp's flash-attention arithmetic): the reference's steps, so
     * the same values up to an exponential rounded differently in its last bit, which can move one F16
     * rounding of the accumulator (2^-11 of it) — hence 2^-9·max|v|. The CPU gives the bits exactly
     * ({@code HalfAttentionProperties}), and so does the emulated GPU.
     */
    @Property(tries = 60)
    void attentionOverAnF16CacheEqualsReference(@ForAll @IntRange(min = 1, max = 3) int kvHeads, @ForAll @IntRange(min = 1, max = 3) int group,
                                                @ForAll @IntRange(min = 1, max = 70) int headDim, @ForAll @IntRange(min = 1, max = 10) int rows,
                                                @ForAll @IntRange(min = 0, max = 80) int start, @ForAll long seed) {
        attentionAgainstReference(DType.F16, kvHeads, group, headDim, rows, start, seed, 0x1p-9);
    }

    /** Rows at positions start.. over a cache of {@code cache} values: the backend against the reference, within {@code bound}·max|v|. */
    private void attentionAgainstReference(DType cache, int kvHeads, int group, int headDim, int rows, int start, long seed, double bound) {
        Random rnd = new Random(seed);
        int heads = kvHeads * group, ctx = start + rows + 3;
        int[] pos = new int[rows];
        for (int r = 0; r < rows; r++) {
            pos[r] = start + r;
        }
        try (Tensor q = TestData.tensor(rnd, DType.F32, Values.NORMAL, rows, heads * headDim);
             Tensor k = TestData.tensor(rnd, cache, Values.NORMAL, ctx, kvHeads * headDim);
             Tensor v = TestData.tensor(rnd, cache, Values.NORMAL, ctx, kvHeads * headDim);
             Tensor b = Tensor.allocate(DType.F32, rows, heads * headDim);
             Tensor v32 = Dequantize.toF32(v);
             On on = new On()) {
            Tensor a = on.out(DType.F32, rows, heads * headDim);
            backend().attention(on.in(q), on.in(k), on.in(v), pos, heads, kvHeads, a);
            ref.attention(q, k, v, pos, heads, kvHeads, b);
            float[] got = on.get(a);
            float vmax = 0;
            for (float f : v32.toFloatArray()) {
                vmax = Math.max(vmax, Math.abs(f));
            }
            for (int i = 0; i < got.length; i++) {
                check(got[i], b.getFloat(i), bound * vmax, cache + "-cache attention heads=" + heads + " kv=" + kvHeads + " hd=" + headDim + " at " + i);
            }
        }
    }

    /** F32 → F16 (the KV cache's store) rounds to nearest even, as the JDK's Float.floatToFloat16; F32 → F32 copies. */
    @Property(tries = 40)
    void convertEqualsReference(@ForAll @IntRange(min = 1, max = 6) int rows, @ForAll @IntRange(min = 1, max = 300) int n,
                                @ForAll Values kind, @ForAll long seed) {
        Random rnd = new Random(seed);
        try (Tensor x = TestData.tensor(rnd, DType.F32, kind, rows, n);
             Tensor want = Tensor.allocate(DType.F16, rows, n);
             Tensor got = Tensor.allocate(DType.F16, rows, n);
             On on = new On()) {
            ref.convert(x, want);
            Tensor half = on.out(DType.F16, rows, n), full = on.out(DType.F32, rows, n);
            Tensor dx = on.in(x);
            backend().convert(dx, half);
            backend().convert(dx, full);
            backend().toHost(half, got);
            assertEquals(want.segment().asByteBuffer(), got.segment().asByteBuffer(), "F16 bits, " + kind);
            float[] copy = on.get(full), xs = x.toFloatArray();
            for (int i = 0; i < xs.length; i++) {
                assertEquals(Float.floatToRawIntBits(xs[i]), Float.floatToRawIntBits(copy[i]), "F32 copy at " + i);
            }
        }
    }

    @Property(tries = 150)
    void swigluEqualsReference(@ForAll @IntRange(min = 1, max = 4) int rows, @ForAll @IntRange(min = 1, max = 300) int n,
                               @ForAll Values kind, @ForAll long seed) {
        Random rnd = new Random(seed);
        try (Tensor g = TestData.tensor(rnd, DType.F32, kind, rows, n);
             Tensor u = TestData.tensor(rnd, DType.F32, kind == Values.LARGE ? Values.NORMAL : kind, rows, n);
             Tensor b = Tensor.allocate(DType.F32, rows, n);
             On on = new On()) {
            Tensor a = on.out(DType.F32, rows, n);
            backend().swiglu(on.in(g), on.in(u), a);
            ref.swiglu(g, u, b);
            float[] got = on.get(a);
            for (int i = 0; i < got.length; i++) {
                // Where sigmoid(g) or silu(g) falls below 2^-126 float keeps only a few bits of it: allow
                // 2^-140·(1+|g|)·(1+|up|) absolute on top of the relative bound.
                double slack = 0x1p-140 * (1 + Math.abs(g.getFloat(i))) * (1 + Math.abs(u.getFloat(i)));
                check(got[i], b.getFloat(i), 0x1p-16 * Math.abs(b.getFloat(i)) + slack, "swiglu at " + i);
            }
        }
    }

    @Property(tries = 100)
    void addEqualsReference(@ForAll @IntRange(min = 1, max = 4) int rows, @ForAll @IntRange(min = 1, max = 300) int n,
                            @ForAll Values kind, @ForAll long seed) {
        Random rnd = new Random(seed);
        try (Tensor x = TestData.tensor(rnd, DType.F32, kind, rows, n);
             Tensor y = TestData.tensor(rnd, DType.F32, kind, rows, n);
             Tensor b = Tensor.allocate(DType.F32, rows, n);
             On on = new On()) {
            Tensor a = on.out(DType.F32, rows, n);
            backend().add(on.in(x), on.in(y), a);
            ref.add(x, y, b);
            float[] got = on.get(a);
            for (int i = 0; i < got.length; i++) {
                check(got[i], b.getFloat(i), 0, "add at " + i);
            }
        }
    }

    @Property(tries = 100)
    void embeddingEqualsReference(@ForAll DType dtype, @ForAll @IntRange(min = 1, max = 50) int vocab,
                                  @ForAll @IntRange(min = 1, max = 5) int dBlocks, @ForAll @IntRange(min = 1, max = 7) int count,
                                  @ForAll long seed) {
        Random rnd = new Random(seed);
        int d = Math.max(32, dtype.blockSize()) * dBlocks;
        int[] tokens = rnd.ints(count, 0, vocab).toArray();
        try (Tensor table = TestData.tensor(rnd, dtype, Values.NORMAL, vocab, d);
             Tensor b = Tensor.allocate(DType.F32, count, d);
             On on = new On()) {
            Tensor a = on.out(DType.F32, count, d);
            backend().embedding(on.in(table), tokens, a);
            ref.embedding(table, tokens, b);
            float[] got = on.get(a);
            for (int i = 0; i < got.length; i++) {
                check(got[i], b.getFloat(i), 0, "embedding " + dtype + " at " + i);
            }
        }
    }

    protected static double gamma(int n) {
        return n * U / (1 - n * U);
    }

    private void check(float got, float want, double bound, String what) {
        if (Float.isNaN(want) || Float.isNaN(got)) {
            if (Float.isNaN(want) != Float.isNaN(got)) {
                fail(what + ": got " + got + ", want " + want);
            }
            return;
        }
        double err = Math.abs((double) got - want);
        assertTrue(err <= bound, () -> what + ": got " + got + ", want " + want + ", error " + err + " > bound " + bound
                + " (" + describe() + ")");
    }
}
