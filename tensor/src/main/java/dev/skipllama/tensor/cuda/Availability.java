package dev.skipllama.tensor.cuda;

import dev.skipllama.cuda.CudaLibraryNotFoundException;
import dev.skipllama.cuda.cuda_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Whether this JVM can run the CUDA backend, and if not why, decided once: the driver library can be
 * found and opened, cuInit succeeds, there is a device, and the kernels are on the classpath.
 */
final class Availability {
    private static volatile String reason;
    private static volatile boolean known;

    private Availability() {
    }

    /** Null when CUDA is usable, otherwise what is missing. */
    static String problem() {
        if (!known) {
            synchronized (Availability.class) {
                if (!known) {
                    reason = probe();
                    known = true;
                }
            }
        }
        return reason;
    }

    private static String probe() {
        try {
            Kernels.resource("matmul.ptx");
        } catch (RuntimeException e) {
            return e.getMessage();
        }
        try {
            if (!cuda_h.hasSymbol("cuInit")) {
                return "the CUDA driver library has no cuInit: not a CUDA driver";
            }
            int rc = cuda_h.cuInit(0);
            if (rc != 0) {
                try {
                    Errors.cu("cuInit", rc);
                } catch (CudaException e) {
                    return "the CUDA driver is installed but cannot start: " + e.getMessage();
                }
            }
            try (Arena a = Arena.ofConfined()) {
                MemorySegment count = a.allocate(ValueLayout.JAVA_INT);
                Errors.cu("cuDeviceGetCount", cuda_h.cuDeviceGetCount(count));
                if (count.get(ValueLayout.JAVA_INT, 0) == 0) {
                    return "the CUDA driver sees no device";
                }
            }
            return null;
        } catch (CudaLibraryNotFoundException e) {
            return "no CUDA driver (libcuda): " + e.getMessage();
        } catch (CudaException e) {
            return e.getMessage();
        } catch (RuntimeException | LinkageError e) {
            return "CUDA could not be initialised: " + e;
        }
    }
}
