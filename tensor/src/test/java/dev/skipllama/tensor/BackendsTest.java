package dev.skipllama.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.skipllama.cuda.CudaLibraries;
import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.tensor.cuda.CudaBackend;
import dev.skipllama.tensor.ref.ReferenceBackend;
import org.junit.jupiter.api.Test;

class BackendsTest {

    @Test
    void hostBackendsByName() {
        try (Backend b = Backends.create("cpu")) {
            assertTrue(b instanceof CpuBackend);
        }
        try (Backend b = Backends.create(" CPU:1 ")) {
            assertEquals(1, ((CpuBackend) b).threads());
        }
        try (Backend b = Backends.create("reference")) {
            assertTrue(b instanceof ReferenceBackend);
        }
    }

    @Test
    void badNamesSayWhatIsExpected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.create("tpu"));
        assertTrue(e.getMessage().contains("expected cpu, cpu:THREADS, cuda, cuda:DEVICE or reference"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Backends.create("cpu:0"));
        assertThrows(IllegalArgumentException.class, () -> Backends.create("cuda:x"));
        assertThrows(IllegalArgumentException.class, () -> Backends.create(null));
    }

    @Test
    void availabilityAndItsReasonAgree() {
        assertEquals(CudaBackend.isAvailable(), CudaBackend.unavailableReason() == null);
    }

    @Test
    void withoutCudaTheFactorySaysWhy() {
        assumeFalse(CudaBackend.isAvailable(), "CUDA is available here");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.create("cuda:1"));
        assertTrue(e.getMessage().startsWith("backend 'cuda:1' is unavailable: "), e.getMessage());
        assertTrue(e.getMessage().endsWith(CudaBackend.unavailableReason()), e.getMessage());
        IllegalStateException direct = assertThrows(IllegalStateException.class, CudaBackend::new);
        assertTrue(direct.getMessage().contains(CudaBackend.unavailableReason()));
    }

    /** This build machine has no GPU driver: the reason names libcuda and where it was looked for. */
    @Test
    void withoutADriverTheReasonListsWhereItLooked() {
        assumeTrue(CudaLibraries.system().find("cuda").isEmpty(), "a libcuda is installed here");
        String reason = CudaBackend.unavailableReason();
        assertNotNull(reason);
        assertTrue(reason.contains("libcuda.so not found"), reason);
        assertTrue(reason.contains("/usr/lib/x86_64-linux-gnu"), reason);
        assertTrue(reason.contains("-D" + CudaLibraries.PATH_PROPERTY), reason);
    }

    @Test
    void anAvailableDeviceReportsNoReason() {
        assumeTrue(CudaBackend.isAvailable(), () -> "CUDA is unavailable: " + CudaBackend.unavailableReason());
        assertNull(CudaBackend.unavailableReason());
        try (Backend b = Backends.create("cuda")) {
            assertEquals(new Location("cuda:0"), b.location());
        }
    }
}
