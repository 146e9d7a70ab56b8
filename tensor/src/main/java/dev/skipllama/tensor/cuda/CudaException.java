package dev.skipllama.tensor.cuda;

/**
 * A CUDA, cuBLAS or NVRTC call failed. The message names the call and the library's own name and
 * description of the error, e.g. {@code cuMemAlloc_v2: CUDA_ERROR_OUT_OF_MEMORY (out of memory)}.
 */
public final class CudaException extends RuntimeException {
    private final String call;
    private final int code;

    public CudaException(String call, int code, String errorName, String description) {
        super(call + ": " + errorName + (description == null || description.isBlank() ? "" : " (" + description + ")")
                + " [code " + code + "]");
        this.call = call;
        this.code = code;
    }

    /** The failing function, as the C API names it. */
    public String call() {
        return call;
    }

    /** The CUresult, cublasStatus_t or nvrtcResult value. */
    public int code() {
        return code;
    }
}
