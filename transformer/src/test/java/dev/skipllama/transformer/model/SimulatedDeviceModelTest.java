package dev.skipllama.transformer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.tensor.Backend;
import dev.skipllama.tensor.SimulatedDevice;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The device plumbing of the decoder (weights uploaded once, workspace and KV cache in device
 * memory, logits copied back, hidden states read through the backend), checked without a GPU: the
 * simulated device computes with the CPU kernels, so everything must be bit-identical to the CPU.
 */
class SimulatedDeviceModelTest extends DeviceModelContract {
    static SimulatedDevice sim;

    @BeforeAll
    static void start() {
        sim = new SimulatedDevice(2);
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @Override
    Backend device() {
        return sim;
    }

    @Override
    double relativeTolerance() {
        return 0;
    }

    @Override
    int smallBatch() {
        return 7;
    }

    @Override
    double batchTolerance() {
        return 0;
    }

    @Test
    void weightsAreUploadedOnceAndFreedWithTheModel() throws IOException {
        long before = sim.liveBytes(), uploads = sim.uploads();
        try (Model m = Model.load(DIR, sim)) {
            int perLayer = 9, distinct = 2 + perLayer * m.config().layers() + 1; // embedding, head, layers, final norm
            assertEquals(distinct, sim.uploads() - uploads);
            assertTrue(sim.liveBytes() - before > 12_000_000L / 2, "F16 weights of the embedded model live on the device");
            try (Session s = m.newSession(SessionOptions.defaults(128))) {
                s.generate("Once upon a time", 4);
            }
        }
        assertEquals(before, sim.liveBytes(), "the model, its sessions' caches and workspaces free their device memory");
    }

    @Test
    void uploadReportsProgressToTheTotalOfTheWeights() throws IOException {
        long[] last = {0, -1};
        int[] calls = {0};
        try (Model m = Model.load(DIR, sim, (done, total) -> {
            assertTrue(done > last[0] && done <= total, "progress moves forward within the total");
            last[0] = done;
            last[1] = total;
            calls[0]++;
        })) {
            assertEquals(last[1], last[0], "ends at the total");
            assertEquals(2 + 9 * m.config().layers() + 1, calls[0], "one report per distinct weight");
        }
    }

    @Test
    void generationCopiesOneLogitsRowPerTokenToTheHost() throws IOException {
        try (Model m = Model.load(DIR, sim)) {
            int[] prompt = prompts().get(0);
            long before = sim.hostCopies();
            int[] tokens = greedy(m, prompt);
            long copies = sim.hostCopies() - before;
            assertEquals(tokens.length, copies, "one logits row per generated token (the prompt fits one prefill chunk)");
        }
    }
}
