package dev.skipllama.tensor.cpu;

import dev.skipllama.tensor.Backend;
import dev.skipllama.tensor.BackendContract;
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
}
