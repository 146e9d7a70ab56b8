package dev.skipllama.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.skipllama.cuda.CudaLibraries;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The NVRTC fallback compiles every shipped kernel source to PTX that defines the kernels the
 * backend looks up. NVRTC needs no GPU, only libnvrtc: skipped, with the reason, where it is missing.
 */
class NvrtcTest {

    @Test
    void everyShippedSourceCompiles() {
        assumeTrue(CudaLibraries.system().find(CudaLibraries.NVRTC).isPresent(),
                () -> "NVRTC is unavailable: " + CudaLibraries.system().notFoundMessage(CudaLibraries.NVRTC));
        Map<String, String> headers = Map.of("common.cuh", text("common.cuh"));
        for (Map.Entry<String, List<String>> m : Kernels.MODULES.entrySet()) {
            String ptx = new String(Nvrtc.compile(m.getKey() + ".cu", text(m.getKey() + ".cu"), headers), StandardCharsets.US_ASCII);
            for (String kernel : m.getValue()) {
                assertTrue(ptx.contains(".entry " + kernel + "("), m.getKey() + ".cu via NVRTC lacks kernel " + kernel);
            }
        }
    }

    @Test
    void compileErrorsCarryTheLog() {
        assumeTrue(CudaLibraries.system().find(CudaLibraries.NVRTC).isPresent(), "NVRTC is unavailable");
        CudaException e = assertThrows(CudaException.class, () -> Nvrtc.compile("broken.cu", "extern \"C\" __global__ void f() { nope; }", Map.of()));
        assertTrue(e.getMessage().startsWith("nvrtcCompileProgram(broken.cu): NVRTC_ERROR_COMPILATION"), e.getMessage());
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
    }

    private static String text(String resource) {
        return new String(Kernels.resource(resource), StandardCharsets.UTF_8);
    }
}
