package dev.skipllama.tensor;

import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The backend contract through device tensors, on a machine without a GPU: inputs uploaded,
 * outputs allocated on the "device" and read back, exactly as {@code CudaBackendProperties} does it.
 */
class SimulatedDeviceProperties extends BackendContract {
    private static SimulatedDevice sim;

    @BeforeContainer
    static void start() {
        sim = new SimulatedDevice(2);
    }

    @AfterContainer
    static void stop() {
        sim.close();
    }

    @Override
    protected Backend backend() {
        return sim;
    }
}
