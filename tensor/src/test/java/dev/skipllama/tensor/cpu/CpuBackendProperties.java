package dev.skipllama.tensor.cpu;

import dev.skipllama.tensor.Backend;
import dev.skipllama.tensor.BackendContract;
import dev.skipllama.tensor.DType;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The Vector API backend computes what the reference backend defines ({@link BackendContract}),
 * at every vector width the build tests (see {@link Simd}), with the contract's tolerances: the
 * summation bound for matmul and attention, 2^-16 relative for exp, exact for rope, add and embedding.
 */
class CpuBackendProperties extends BackendContract {
    private static Backend cpu;

    @BeforeContainer
    static void start() {
        cpu = new CpuBackend(2);
    }

    @AfterContainer
    static void stop() {
        cpu.close();
    }

    @Override
    protected Backend backend() {
        return cpu;
    }

    @Override
    protected String describe() {
        return Simd.describe();
    }

    /**
     * Batch invariance for prompt-sized batches too (16-26 rows), where the CPU kernels take other
     * paths again (batch tiles over many token rows, leftover rows at their edges): a prompt's rows
     * get the bits they would get decoded one at a time. (The CUDA backend hands batches this large
     * to cuBLAS and keeps the property only up to its kernels' row limit.)
     */
    @Property(tries = 40)
    void promptMatmulRowsDoNotDependOnTheBatch(@ForAll DType dtype, @ForAll @IntRange(min = 16, max = 26) int rows,
                                               @ForAll @IntRange(min = 1, max = 12) int nOut, @ForAll @IntRange(min = 1, max = 300) int nInRaw,
                                               @ForAll long seed) {
        checkBatchInvariance(dtype, rows, nOut, wholeBlocks(dtype, nInRaw), seed);
    }
}
