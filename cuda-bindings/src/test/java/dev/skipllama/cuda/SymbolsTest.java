package dev.skipllama.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.invoke.MethodHandle;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Where a library is installed, every function bound to it exists under the name we bind (the
 * {@code _v2} names the headers' macros select), so no call can fail with a missing symbol later.
 * Skipped, with the reason, where the library is not found. (Checked with the CUDA 12 driver,
 * cuBLAS 11 and NVRTC 11.8 of Debian's non-free archive.)
 */
class SymbolsTest {

    @ParameterizedTest
    @CsvSource({"cuda, dev.skipllama.cuda.cuda_h", "cublas, dev.skipllama.cuda.cublas_api_h", "nvrtc, dev.skipllama.cuda.nvrtc_h"})
    void everyBoundFunctionResolves(String library, String header) throws ReflectiveOperationException {
        assumeTrue(CudaLibraries.system().find(library).isPresent(),
                () -> "lib" + library + " is not installed: " + CudaLibraries.system().notFoundMessage(library));
        List<String> missing = new ArrayList<>();
        int bound = 0;
        for (Method m : Class.forName(header).getMethods()) {
            if (m.getName().endsWith("$handle")) {
                try {
                    assertTrue(m.invoke(null) instanceof MethodHandle);
                    bound++;
                } catch (InvocationTargetException | ExceptionInInitializerError e) {
                    missing.add(m.getName().replace("$handle", "") + " (" + rootCause(e) + ")");
                }
            }
        }
        assertEquals(List.of(), missing, "functions lib" + library + " does not export");
        assertTrue(bound > 0);
    }

    private static String rootCause(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.toString();
    }
}
