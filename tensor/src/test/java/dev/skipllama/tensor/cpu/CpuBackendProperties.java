package dev.skipllama.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.skipllama.tensor.Backend;
import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Dequantize;
import dev.skipllama.tensor.RopeLayout;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.tensor.TestData;
import dev.skipllama.tensor.TestData.Values;
import dev.skipllama.tensor.ref.ReferenceBackend;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The Vector API backend computes what the reference backend defines. Shapes are random and include
 * lengths that are not multiples of the lane count (any species: see {@link Simd}) nor of the
 * 32-element block; values include zeros, subnormals and large magnitudes.
 *
 * <p>Tolerances. Matmul and attention scores are sums whose order differs from the reference's; the
 * bound used is the classic worst case for any summation order, |error| ≤ γ_n · Σ|terms| with
 * γ_n = n·u/(1−n·u), u = 2^-24, plus n·2^-149 for subnormal products. Ops that call exp are held to
 * 2^-16 relative error (the JDK's vector exp is within a few ulp).
 */
class CpuBackendProperties {
    private static final double U = 0x1p-24;
    private static Backend cpu;
    private static final Backend ref = new ReferenceBackend();

    @BeforeContainer
    static void start() {
        cpu = new CpuBackend(2);
    }

    @AfterContainer
    static void stop() {
        cpu.close();
    }

    @Property(tries = 250)
    void matmulEqualsReference(@ForAll DType dtype, @ForAll @IntRange(min = 1, max = 9) int rows,
                               @ForAll @IntRange(min = 1, max = 40) int nOut, @ForAll @IntRange(min = 1, max = 300) int nInRaw,
                               @ForAll Values kind, @ForAll long seed) {
        int nIn = dtype.isQuantized() ? dtype.blockSize() * Math.max(1, nInRaw / dtype.blockSize()) : nInRaw;
        Random rnd = new Random(seed);
        try (Tensor w = TestData.tensor(rnd, dtype, kind, nOut, nIn);
             Tensor x = TestData.tensor(rnd, DType.F32, kind == Values.LARGE ? Values.NORMAL : kind, rows, nIn);
             Tensor a = Tensor.allocate(DType.F32, rows, nOut);
             Tensor b = Tensor.allocate(DType.F32, rows, nOut)) {
            cpu.matmul(w, x, a);
            ref.matmul(w, x, b);
            float[] wf = Dequantize.toFloats(w), xf = x.toFloatArray();
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < nOut; o++) {
                    double absSum = 0;
                    for (int i = 0; i < nIn; i++) {
                        absSum += Math.abs((double) wf[o * nIn + i] * xf[r * nIn + i]);
                    }
                    double bound = gamma(nIn + 2) * absSum + nIn * 0x1p-149;
                    check(a.getFloat((long) r * nOut + o), b.getFloat((long) r * nOut + o), bound,
                            "matmul " + dtype + " [" + rows + "x" + nIn + "]·[" + nOut + "x" + nIn + "]ᵀ at (" + r + "," + o + ")");
                }
            }
        }
    }

    @Property(tries = 150)
    void rmsnormEqualsReference(@ForAll @IntRange(min = 1, max = 5) int rows, @ForAll @IntRange(min = 1, max = 300) int d,
                                @ForAll Values kind, @ForAll long seed) {
        Random rnd = new Random(seed);
        try (Tensor x = TestData.tensor(rnd, DType.F32, kind, rows, d);
             Tensor w = TestData.tensor(rnd, DType.F32, Values.NORMAL, d);
             Tensor a = Tensor.allocate(DType.F32, rows, d);
             Tensor b = Tensor.allocate(DType.F32, rows, d)) {
            cpu.rmsnorm(x, w, 1e-5f, a);
            ref.rmsnorm(x, w, 1e-5f, b);
            for (int i = 0; i < rows * d; i++) {
                float want = b.getFloat(i);
                check(a.getFloat(i), want, gamma(d + 8) * Math.abs(want) + 0x1p-149, "rmsnorm d=" + d + " at " + i);
            }
        }
    }

    @Property(tries = 150)
    void ropeEqualsReference(@ForAll RopeLayout layout, @ForAll @IntRange(min = 1, max = 5) int rows,
                             @ForAll @IntRange(min = 1, max = 4) int heads, @ForAll @IntRange(min = 1, max = 40) int halfDim,
                             @ForAll @IntRange(min = 0, max = 8191) int startPos, @ForAll long seed) {
        Random rnd = new Random(seed);
        int headDim = 2 * halfDim;
        float[] invFreq = new float[halfDim];
        for (int i = 0; i < halfDim; i++) {
            invFreq[i] = (float) (1.0 / Math.pow(10000, 2.0 * i / headDim));
        }
        int[] pos = new int[rows];
        for (int r = 0; r < rows; r++) {
            pos[r] = startPos + r;
        }
        try (Tensor a = TestData.tensor(rnd, DType.F32, Values.NORMAL, rows, heads * headDim);
             Tensor b = Tensor.of(a.toFloatArray(), rows, heads * headDim)) {
            cpu.rope(a, headDim, pos, invFreq, layout);
            ref.rope(b, headDim, pos, invFreq, layout);
            for (int i = 0; i < a.numel(); i++) {
                check(a.getFloat(i), b.getFloat(i), 0, "rope " + layout + " at " + i); // same formula: exact
            }
        }
    }

    @Property(tries = 150)
    void softmaxEqualsReference(@ForAll @IntRange(min = 1, max = 4) int rows, @ForAll @IntRange(min = 1, max = 500) int n,
                                @ForAll Values kind, @ForAll long seed) {
        Random rnd = new Random(seed);
        Values k = kind == Values.LARGE ? Values.WIDE : kind; // logits, not overflowing sums
        try (Tensor a = TestData.tensor(rnd, DType.F32, k, rows, n);
             Tensor b = Tensor.of(a.toFloatArray(), rows, n)) {
            cpu.softmax(a);
            ref.softmax(b);
            for (int i = 0; i < a.numel(); i++) {
                check(a.getFloat(i), b.getFloat(i), 0x1p-16 * b.getFloat(i) + 0x1p-30, "softmax n=" + n + " at " + i);
            }
        }
    }

    @Property(tries = 120)
    void attentionEqualsReference(@ForAll @IntRange(min = 1, max = 4) int kvHeads, @ForAll @IntRange(min = 1, max = 3) int group,
                                  @ForAll @IntRange(min = 1, max = 70) int headDim, @ForAll @IntRange(min = 1, max = 6) int rows,
                                  @ForAll @IntRange(min = 0, max = 60) int start, @ForAll long seed) {
        Random rnd = new Random(seed);
        int heads = kvHeads * group, ctx = start + rows + 3;
        int[] pos = new int[rows];
        for (int r = 0; r < rows; r++) {
            pos[r] = start + r;
        }
        try (Tensor q = TestData.tensor(rnd, DType.F32, Values.NORMAL, rows, heads * headDim);
             Tensor k = TestData.tensor(rnd, DType.F32, Values.NORMAL, ctx, kvHeads * headDim);
             Tensor v = TestData.tensor(rnd, DType.F32, Values.NORMAL, ctx, kvHeads * headDim);
             Tensor a = Tensor.allocate(DType.F32, rows, heads * headDim);
             Tensor b = Tensor.allocate(DType.F32, rows, heads * headDim)) {
            cpu.attention(q, k, v, pos, heads, kvHeads, a);
            ref.attention(q, k, v, pos, heads, kvHeads, b);
            float vmax = 0;
            for (float f : v.toFloatArray()) {
                vmax = Math.max(vmax, Math.abs(f));
            }
            for (int i = 0; i < a.numel(); i++) {
                // scores carry γ_headDim·|q||k| error, amplified by at most |score| in exp; 2^-14·max|v| covers it here.
                check(a.getFloat(i), b.getFloat(i), 0x1p-14 * vmax * Math.max(1, headDim / 16.0),
                        "attention heads=" + heads + " kv=" + kvHeads + " hd=" + headDim + " at " + i);
            }
        }
    }

    @Property(tries = 150)
    void swigluEqualsReference(@ForAll @IntRange(min = 1, max = 4) int rows, @ForAll @IntRange(min = 1, max = 300) int n,
                               @ForAll Values kind, @ForAll long seed) {
        Random rnd = new Random(seed);
        try (Tensor g = TestData.tensor(rnd, DType.F32, kind, rows, n);
             Tensor u = TestData.tensor(rnd, DType.F32, kind == Values.LARGE ? Values.NORMAL : kind, rows, n);
             Tensor a = Tensor.allocate(DType.F32, rows, n);
             Tensor b = Tensor.allocate(DType.F32, rows, n)) {
            cpu.swiglu(g, u, a);
            ref.swiglu(g, u, b);
            for (int i = 0; i < a.numel(); i++) {
                // Where sigmoid(g) or silu(g) falls below 2^-126 float keeps only a few bits of it: allow
                // 2^-140·(1+|g|)·(1+|up|) absolute on top of the relative bound.
                double slack = 0x1p-140 * (1 + Math.abs(g.getFloat(i))) * (1 + Math.abs(u.getFloat(i)));
                check(a.getFloat(i), b.getFloat(i), 0x1p-16 * Math.abs(b.getFloat(i)) + slack, "swiglu at " + i);
            }
        }
    }

    @Property(tries = 100)
    void addEqualsReference(@ForAll @IntRange(min = 1, max = 4) int rows, @ForAll @IntRange(min = 1, max = 300) int n,
                            @ForAll Values kind, @ForAll long seed) {
        Random rnd = new Random(seed);
        try (Tensor x = TestData.tensor(rnd, DType.F32, kind, rows, n);
             Tensor y = TestData.tensor(rnd, DType.F32, kind, rows, n);
             Tensor a = Tensor.allocate(DType.F32, rows, n);
             Tensor b = Tensor.allocate(DType.F32, rows, n)) {
            cpu.add(x, y, a);
            ref.add(x, y, b);
            for (int i = 0; i < a.numel(); i++) {
                check(a.getFloat(i), b.getFloat(i), 0, "add at " + i);
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
             Tensor a = Tensor.allocate(DType.F32, count, d);
             Tensor b = Tensor.allocate(DType.F32, count, d)) {
            cpu.embedding(table, tokens, a);
            ref.embedding(table, tokens, b);
            for (int i = 0; i < a.numel(); i++) {
                check(a.getFloat(i), b.getFloat(i), 0, "embedding " + dtype + " at " + i);
            }
        }
    }

    private static double gamma(int n) {
        return n * U / (1 - n * U);
    }

    private static void check(float got, float want, double bound, String what) {
        if (Float.isNaN(want) || Float.isNaN(got)) {
            if (Float.isNaN(want) != Float.isNaN(got)) {
                fail(what + ": got " + got + ", want " + want);
            }
            return;
        }
        double err = Math.abs((double) got - want);
        assertTrue(err <= bound, () -> what + ": got " + got + ", want " + want + ", error " + err + " > bound " + bound
                + " (" + Simd.describe() + ")");
    }
}
