package dev.skipllama.tensor.cuda;

import dev.skipllama.cuda.cublas_api_h;
import dev.skipllama.cuda.cuda_h;
import dev.skipllama.cuda.nvrtc_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Turns CUDA, cuBLAS and NVRTC status codes into {@link CudaException}s that name the call. */
final class Errors {
    private Errors() {
    }

    /** Checks a CUresult. */
    static void cu(String call, int result) {
        if (result != 0) {
            throw new CudaException(call, result, cuString(result, true), cuString(result, false));
        }
    }

    static void cublas(String call, int status) {
        if (status != 0) {
            String name = "CUBLAS_STATUS_" + status;
            String text = null;
            try {
                name = cString(cublas_api_h.cublasGetStatusName(status));
                text = cString(cublas_api_h.cublasGetStatusString(status));
            } catch (RuntimeException | LinkageError e) {
                // an old cuBLAS without the name functions: the number must do
            }
            throw new CudaException(call, status, name, text);
        }
    }

    static void nvrtc(String call, int result, String log) {
        if (result != 0) {
            String name = "NVRTC_ERROR_" + result;
            try {
                name = cString(nvrtc_h.nvrtcGetErrorString(result));
            } catch (RuntimeException | LinkageError e) {
                // keep the number
            }
            throw new CudaException(call, result, name, log);
        }
    }

    private static String cuString(int result, boolean name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.ADDRESS);
            int rc = name ? cuda_h.cuGetErrorName(result, out) : cuda_h.cuGetErrorString(result, out);
            return rc == 0 ? cString(out.get(ValueLayout.ADDRESS, 0)) : (name ? "CUresult " + result : "");
        } catch (RuntimeException | LinkageError e) {
            return name ? "CUresult " + result : "";
        }
    }

    static String cString(MemorySegment p) {
        return p.equals(MemorySegment.NULL) ? "" : p.reinterpret(Integer.MAX_VALUE).getString(0);
    }
}
