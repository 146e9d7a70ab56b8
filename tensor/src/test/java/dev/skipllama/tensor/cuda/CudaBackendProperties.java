package dev.skipllama.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.tensor.Backend;
import dev.skipllama.tensor.BackendContract;
import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Dequantize;
import dev.skipllama.tensor.Location;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.tensor.TestData;
import dev.skipllama.tensor.TestData.Values;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Provide;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The CUDA backend computes what the reference backend defines: every property of
 * {@link BackendContract}, on the GPU, with inputs uploaded and results read back. Skipped, with
 * the reason, where there is no CUDA (CI).
 *
 * <p>Tolerances that differ from the CPU's, and why:
 * <ul>
 *   <li>matmul through our kernels (≤ {@value CudaBackend#KERNEL_MAX_ROWS} rows): the contract's
 *       summation bound γ_n·Σ|w·x| (FMA only removes roundings);</li>
 *   <li>matmul through cuBLAS (more rows; quantized weights decoded to their exact F32 values first,
 *       K-quants already at upload): twice the summation bound (cuBLAS may split
 *       the sum and accumulate on tensor cores, still in FP32: compute type 32F, TF32 off), plus for
 *       F16 weights the rounding of the activations to F16, |Δx| ≤ 2^-11·|x| + 2^-25 (its subnormal
 *       step), i.e. 2^-11·Σ|w·x| + 2^-25·Σ|w|; for BF16, 2^-8·Σ|w·x| + 2^-133·Σ|w|;</li>
 *   <li>rope: cos and sin are taken in double like the CPU's, but CUDA's double cos/sin may differ from
 *       Java's in the last bit, which can move the float result by one ulp: 2^-22·(|x0| + |x1|);</li>
 *   <li>softmax, attention, swiglu: expf is within 2 ulp, inside the contract's 2^-16 relative bound;
 *       rmsnorm, add and embedding as on the CPU (embedding and add exact).</li>
 * </ul>
 */
@AddLifecycleHook(CudaRequired.class)
class CudaBackendProperties extends BackendContract {
    private static CudaBackend cuda;

    @BeforeContainer
    static void start() {
        if (CudaBackend.isAvailable()) {
            cuda = new CudaBackend(0);
        }
    }

    @AfterContainer
    static void stop() {
        if (cuda != null) {
            cuda.close();
            cuda = null;
        }
    }

    @Override
    protected Backend backend() {
        return cuda;
    }

    /** Batches above {@code KERNEL_MAX_ROWS} go to cuBLAS, whose GEMMs are not batch-invariant. */
    @Override
    protected int batchInvariantRows() {
        return CudaBackend.KERNEL_MAX_ROWS;
    }

    @Override
    protected double matmulBound(DType w, int rows, int nIn, double absSum, double weightAbsSum) {
        double kernel = super.matmulBound(w, rows, nIn, absSum, weightAbsSum);
        boolean kQuant = w == DType.Q4_1 || w == DType.Q5_0 || w == DType.Q4_K || w == DType.Q5_K || w == DType.Q6_K; // uploaded as F32
        if (!cuda.batchesToCublas(kQuant ? DType.F32 : w, rows, nIn)) {
            return kernel;
        }
        return switch (w) {
            case F16 -> 2 * kernel + 0x1p-11 * absSum + 0x1p-25 * weightAbsSum;
            case BF16 -> 2 * kernel + 0x1p-8 * absSum + 0x1p-133 * weightAbsSum;
            default -> 2 * kernel;
        };
    }

    /** The CUDA kernels multiply quantized weights with float activations. */
    @Override
    protected boolean quantizesActivations() {
        return false;
    }

    @Override
    protected double ropeBound(float x0, float x1) {
        return 0x1p-22 * (Math.abs(x0) + Math.abs(x1));
    }

    /** Prefill-sized batches of Q8_0/Q4_0 weights decode a few weight rows at a time: every slice lands in its columns. */
    @Property(tries = 20)
    void quantizedBatchesDecodedInSlicesEqualReference(@ForAll("blockQuants") DType dtype, @ForAll @IntRange(min = 17, max = 24) int rows,
                                                       @ForAll @IntRange(min = 1, max = 40) int nOut, @ForAll @IntRange(min = 1, max = 5) int blocks,
                                                       @ForAll @IntRange(min = 1, max = 7) int sliceRows, @ForAll long seed) {
        int nIn = 32 * blocks;
        cuda.dequantMaxFloats = sliceRows * nIn;
        try {
            checkMatmul(dtype, rows, nOut, nIn, Values.NORMAL, seed, "matmul decoded " + sliceRows + " weight rows at a time");
        } finally {
            cuda.dequantMaxFloats = CudaBackend.DEQUANT_MAX_FLOATS;
        }
    }

    @Provide
    Arbitrary<DType> blockQuants() {
        return Arbitraries.of(DType.Q8_0, DType.Q4_0);
    }

    /** K-quants have no kernel: upload decodes them to the same numbers in F32. */
    @Property(tries = 20)
    void kQuantWeightsUploadAsTheirF32Values(@ForAll @IntRange(min = 1, max = 12) int rows, @ForAll long seed) {
        Random rnd = new Random(seed);
        for (DType k : new DType[]{DType.Q4_K, DType.Q6_K}) {
            try (Tensor w = TestData.tensor(rnd, k, Values.NORMAL, rows, 256);
                 Tensor up = cuda.upload(w)) {
                assertEquals(DType.F32, up.dtype());
                assertEquals(new Location("cuda:0"), up.location());
                float[] got = new float[rows * 256];
                cuda.read(up, got);
                float[] want = Dequantize.toFloats(w);
                for (int i = 0; i < got.length; i++) {
                    assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]), k + " at " + i);
                }
            }
        }
    }

    @Property(tries = 5)
    void deviceMemoryIsFreedByClose(@ForAll @IntRange(min = 1, max = 1000) int n) {
        long before = cuda.allocatedBytes();
        Tensor t = cuda.allocate(DType.F32, n, 3);
        assertTrue(cuda.allocatedBytes() >= before + 12L * n);
        t.close();
        t.close();
        assertEquals(before, cuda.allocatedBytes());
    }
}
