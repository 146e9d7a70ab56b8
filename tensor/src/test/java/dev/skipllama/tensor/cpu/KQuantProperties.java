package dev.skipllama.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.tensor.Backend;
import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Dequantize;
import dev.skipllama.tensor.Halfs;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.tensor.TestData;
import dev.skipllama.tensor.ref.ReferenceBackend;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The CPU K-quant kernels on arbitrary blocks: every quant and packed-scale byte random (so all bit
 * patterns of the 6-bit scales/mins and the Q6_K high bits occur, which a quantizer would not
 * produce), with finite F16 super-block scales from 0 through F16 subnormals to large.
 *
 * <p>The kernels decode to exactly {@link Dequantize}'s floats, so matmul differs from the reference
 * only by summation order: |error| ≤ γ_n·Σ|w·x| as in {@link CpuBackendProperties}; embedding is exact.
 */
class KQuantProperties {
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

    @Property(tries = 100)
    void matmulOnRandomBlocksEqualsReference(@ForAll("kQuants") DType dtype, @ForAll @IntRange(min = 1, max = 9) int rows,
                                             @ForAll @IntRange(min = 1, max = 20) int nOut,
                                             @ForAll @IntRange(min = 1, max = 4) int superBlocks, @ForAll long seed) {
        int nIn = 256 * superBlocks;
        Random rnd = new Random(seed);
        try (Tensor w = randomBlocks(rnd, dtype, nOut, nIn);
             Tensor x = TestData.tensor(rnd, DType.F32, TestData.Values.NORMAL, rows, nIn);
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
                    double bound = (nIn + 2) * U / (1 - (nIn + 2) * U) * absSum + nIn * 0x1p-149;
                    float got = a.getFloat((long) r * nOut + o), want = b.getFloat((long) r * nOut + o);
                    double err = Math.abs((double) got - want);
                    String what = dtype + " [" + rows + "x" + nIn + "]·[" + nOut + "x" + nIn + "]ᵀ at (" + r + "," + o + ")";
                    assertTrue(err <= bound, () -> what + ": got " + got + ", want " + want + ", error " + err
                            + " > " + bound + " (" + Simd.describe() + ")");
                }
            }
        }
    }

    @Property(tries = 40)
    void embeddingOnRandomBlocksEqualsReference(@ForAll("kQuants") DType dtype, @ForAll @IntRange(min = 1, max = 30) int vocab,
                                                @ForAll @IntRange(min = 1, max = 3) int superBlocks,
                                                @ForAll @IntRange(min = 1, max = 6) int count, @ForAll long seed) {
        Random rnd = new Random(seed);
        int d = 256 * superBlocks;
        int[] tokens = rnd.ints(count, 0, vocab).toArray();
        try (Tensor table = randomBlocks(rnd, dtype, vocab, d);
             Tensor a = Tensor.allocate(DType.F32, count, d);
             Tensor b = Tensor.allocate(DType.F32, count, d)) {
            cpu.embedding(table, tokens, a);
            ref.embedding(table, tokens, b);
            for (int i = 0; i < a.numel(); i++) {
                assertEquals(b.getFloat(i), a.getFloat(i), "embedding " + dtype + " at " + i);
            }
        }
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<DType> kQuants() {
        return net.jqwik.api.Arbitraries.of(DType.Q4_K, DType.Q6_K);
    }

    /** Random bytes, then finite F16 super-block scales (d, and dmin for Q4_K) of random magnitude. */
    static Tensor randomBlocks(Random rnd, DType dtype, int rows, int cols) {
        Tensor t = Tensor.allocate(dtype, rows, cols);
        MemorySegment s = t.segment();
        byte[] bytes = new byte[(int) t.byteSize()];
        rnd.nextBytes(bytes);
        MemorySegment.copy(bytes, 0, s, ValueLayout.JAVA_BYTE, 0, bytes.length);
        for (long blk = 0; blk < t.byteSize(); blk += dtype.blockBytes()) {
            if (dtype == DType.Q4_K) {
                s.set(ValueLayout.JAVA_SHORT_UNALIGNED, blk, scale(rnd));
                s.set(ValueLayout.JAVA_SHORT_UNALIGNED, blk + 2, scale(rnd));
            } else {
                s.set(ValueLayout.JAVA_SHORT_UNALIGNED, blk + 208, scale(rnd));
            }
        }
        return t;
    }

    private static short scale(Random rnd) {
        return switch (rnd.nextInt(6)) {
            case 0 -> (short) 0;
            case 1 -> (short) (rnd.nextInt(0x3ff) + 1 | (rnd.nextBoolean() ? 0x8000 : 0)); // F16 subnormal
            case 2 -> Halfs.floatToF16((float) (rnd.nextGaussian() * 10));
            default -> Halfs.floatToF16((float) (rnd.nextGaussian() * 1e-3));
        };
    }
}
