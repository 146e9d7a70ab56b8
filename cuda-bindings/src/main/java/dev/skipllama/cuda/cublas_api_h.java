// In the layout jextract produces for cublas_api.h (regenerate with cuda-bindings/jextract.sh), written by hand
// because jextract cannot be installed where this was built. One difference on purpose: the library
// is looked up in a holder class on the first call, not when this class initialises, so the class
// loads (and the CUDA backend can report why CUDA is missing) on machines without cuBLAS.
package dev.skipllama.cuda;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

@SuppressWarnings("unused")
public final class cublas_api_h {

    cublas_api_h() {
        // Should not be called directly
    }

    public static final ValueLayout.OfBoolean C_BOOL = ValueLayout.JAVA_BOOLEAN;
    public static final ValueLayout.OfByte C_CHAR = ValueLayout.JAVA_BYTE;
    public static final ValueLayout.OfShort C_SHORT = ValueLayout.JAVA_SHORT;
    public static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    public static final ValueLayout.OfLong C_LONG_LONG = ValueLayout.JAVA_LONG;
    public static final ValueLayout.OfFloat C_FLOAT = ValueLayout.JAVA_FLOAT;
    public static final ValueLayout.OfDouble C_DOUBLE = ValueLayout.JAVA_DOUBLE;
    public static final AddressLayout C_POINTER = ValueLayout.ADDRESS
            .withTargetLayout(MemoryLayout.sequenceLayout(java.lang.Long.MAX_VALUE, ValueLayout.JAVA_BYTE));
    public static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;

    /** The library, found by {@link CudaLibraries} and opened on the first downcall. */
    private static final class Lib {
        static final SymbolLookup LOOKUP = CudaLibraries.lookup(CudaLibraries.CUBLAS);
    }

    /** Whether {@code name} is exported by the library (opens it; throws when it cannot be found). */
    public static boolean hasSymbol(String name) {
        return Lib.LOOKUP.find(name).isPresent();
    }

    private static final int CUBLAS_STATUS_SUCCESS = (int) 0L;

    /** {@code CUBLAS_STATUS_SUCCESS = 0} */
    public static int CUBLAS_STATUS_SUCCESS() {
        return CUBLAS_STATUS_SUCCESS;
    }

    private static final int CUBLAS_STATUS_NOT_INITIALIZED = (int) 1L;

    /** {@code CUBLAS_STATUS_NOT_INITIALIZED = 1} */
    public static int CUBLAS_STATUS_NOT_INITIALIZED() {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }

    private static final int CUBLAS_STATUS_ALLOC_FAILED = (int) 3L;

    /** {@code CUBLAS_STATUS_ALLOC_FAILED = 3} */
    public static int CUBLAS_STATUS_ALLOC_FAILED() {
        return CUBLAS_STATUS_ALLOC_FAILED;
    }

    private static final int CUBLAS_STATUS_INVALID_VALUE = (int) 7L;

    /** {@code CUBLAS_STATUS_INVALID_VALUE = 7} */
    public static int CUBLAS_STATUS_INVALID_VALUE() {
        return CUBLAS_STATUS_INVALID_VALUE;
    }

    private static final int CUBLAS_STATUS_ARCH_MISMATCH = (int) 8L;

    /** {@code CUBLAS_STATUS_ARCH_MISMATCH = 8} */
    public static int CUBLAS_STATUS_ARCH_MISMATCH() {
        return CUBLAS_STATUS_ARCH_MISMATCH;
    }

    private static final int CUBLAS_STATUS_MAPPING_ERROR = (int) 11L;

    /** {@code CUBLAS_STATUS_MAPPING_ERROR = 11} */
    public static int CUBLAS_STATUS_MAPPING_ERROR() {
        return CUBLAS_STATUS_MAPPING_ERROR;
    }

    private static final int CUBLAS_STATUS_EXECUTION_FAILED = (int) 13L;

    /** {@code CUBLAS_STATUS_EXECUTION_FAILED = 13} */
    public static int CUBLAS_STATUS_EXECUTION_FAILED() {
        return CUBLAS_STATUS_EXECUTION_FAILED;
    }

    private static final int CUBLAS_STATUS_INTERNAL_ERROR = (int) 14L;

    /** {@code CUBLAS_STATUS_INTERNAL_ERROR = 14} */
    public static int CUBLAS_STATUS_INTERNAL_ERROR() {
        return CUBLAS_STATUS_INTERNAL_ERROR;
    }

    private static final int CUBLAS_STATUS_NOT_SUPPORTED = (int) 15L;

    /** {@code CUBLAS_STATUS_NOT_SUPPORTED = 15} */
    public static int CUBLAS_STATUS_NOT_SUPPORTED() {
        return CUBLAS_STATUS_NOT_SUPPORTED;
    }

    private static final int CUBLAS_STATUS_LICENSE_ERROR = (int) 16L;

    /** {@code CUBLAS_STATUS_LICENSE_ERROR = 16} */
    public static int CUBLAS_STATUS_LICENSE_ERROR() {
        return CUBLAS_STATUS_LICENSE_ERROR;
    }

    private static final int CUBLAS_OP_N = (int) 0L;

    /** {@code CUBLAS_OP_N = 0} */
    public static int CUBLAS_OP_N() {
        return CUBLAS_OP_N;
    }

    private static final int CUBLAS_OP_T = (int) 1L;

    /** {@code CUBLAS_OP_T = 1} */
    public static int CUBLAS_OP_T() {
        return CUBLAS_OP_T;
    }

    private static final int CUBLAS_DEFAULT_MATH = (int) 0L;

    /** {@code CUBLAS_DEFAULT_MATH = 0} */
    public static int CUBLAS_DEFAULT_MATH() {
        return CUBLAS_DEFAULT_MATH;
    }

    private static final int CUBLAS_PEDANTIC_MATH = (int) 2L;

    /** {@code CUBLAS_PEDANTIC_MATH = 2} */
    public static int CUBLAS_PEDANTIC_MATH() {
        return CUBLAS_PEDANTIC_MATH;
    }

    private static final int CUBLAS_TF32_TENSOR_OP_MATH = (int) 3L;

    /** {@code CUBLAS_TF32_TENSOR_OP_MATH = 3} */
    public static int CUBLAS_TF32_TENSOR_OP_MATH() {
        return CUBLAS_TF32_TENSOR_OP_MATH;
    }

    private static final int CUBLAS_COMPUTE_32F = (int) 68L;

    /** {@code CUBLAS_COMPUTE_32F = 68} */
    public static int CUBLAS_COMPUTE_32F() {
        return CUBLAS_COMPUTE_32F;
    }

    private static final int CUBLAS_COMPUTE_32F_PEDANTIC = (int) 69L;

    /** {@code CUBLAS_COMPUTE_32F_PEDANTIC = 69} */
    public static int CUBLAS_COMPUTE_32F_PEDANTIC() {
        return CUBLAS_COMPUTE_32F_PEDANTIC;
    }

    private static final int CUBLAS_GEMM_DEFAULT = (int) -1L;

    /** {@code CUBLAS_GEMM_DEFAULT = -1} */
    public static int CUBLAS_GEMM_DEFAULT() {
        return CUBLAS_GEMM_DEFAULT;
    }

    private static final int CUDA_R_32F = (int) 0L;

    /** {@code cudaDataType_t.CUDA_R_32F = 0 (library_types.h)} */
    public static int CUDA_R_32F() {
        return CUDA_R_32F;
    }

    private static final int CUDA_R_16F = (int) 2L;

    /** {@code cudaDataType_t.CUDA_R_16F = 2 (library_types.h)} */
    public static int CUDA_R_16F() {
        return CUDA_R_16F;
    }

    private static final int CUDA_R_16BF = (int) 14L;

    /** {@code cudaDataType_t.CUDA_R_16BF = 14 (library_types.h)} */
    public static int CUDA_R_16BF() {
        return CUDA_R_16BF;
    }

    private static class cublasCreate_v2 {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cublasCreate_v2"), DESC);
    }

    /** {@code cublasStatus_t cublasCreate_v2(cublasHandle_t *handle)} */
    public static FunctionDescriptor cublasCreate_v2$descriptor() {
        return cublasCreate_v2.DESC;
    }

    /** {@code cublasStatus_t cublasCreate_v2(cublasHandle_t *handle)} */
    public static MethodHandle cublasCreate_v2$handle() {
        return cublasCreate_v2.HANDLE;
    }

    /** {@code cublasStatus_t cublasCreate_v2(cublasHandle_t *handle)} */
    public static int cublasCreate_v2(MemorySegment handle) {
        var mh$ = cublasCreate_v2.HANDLE;
        try {
            return (int) mh$.invokeExact(handle);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cublasDestroy_v2 {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cublasDestroy_v2"), DESC);
    }

    /** {@code cublasStatus_t cublasDestroy_v2(cublasHandle_t handle)} */
    public static FunctionDescriptor cublasDestroy_v2$descriptor() {
        return cublasDestroy_v2.DESC;
    }

    /** {@code cublasStatus_t cublasDestroy_v2(cublasHandle_t handle)} */
    public static MethodHandle cublasDestroy_v2$handle() {
        return cublasDestroy_v2.HANDLE;
    }

    /** {@code cublasStatus_t cublasDestroy_v2(cublasHandle_t handle)} */
    public static int cublasDestroy_v2(MemorySegment handle) {
        var mh$ = cublasDestroy_v2.HANDLE;
        try {
            return (int) mh$.invokeExact(handle);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cublasGetVersion_v2 {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER,
                C_POINTER);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cublasGetVersion_v2"), DESC);
    }

    /** {@code cublasStatus_t cublasGetVersion_v2(cublasHandle_t handle, int *version)} */
    public static FunctionDescriptor cublasGetVersion_v2$descriptor() {
        return cublasGetVersion_v2.DESC;
    }

    /** {@code cublasStatus_t cublasGetVersion_v2(cublasHandle_t handle, int *version)} */
    public static MethodHandle cublasGetVersion_v2$handle() {
        return cublasGetVersion_v2.HANDLE;
    }

    /** {@code cublasStatus_t cublasGetVersion_v2(cublasHandle_t handle, int *version)} */
    public static int cublasGetVersion_v2(MemorySegment handle, MemorySegment version) {
        var mh$ = cublasGetVersion_v2.HANDLE;
        try {
            return (int) mh$.invokeExact(handle, version);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cublasSetStream_v2 {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER,
                C_POINTER);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cublasSetStream_v2"), DESC);
    }

    /** {@code cublasStatus_t cublasSetStream_v2(cublasHandle_t handle, cudaStream_t streamId)} */
    public static FunctionDescriptor cublasSetStream_v2$descriptor() {
        return cublasSetStream_v2.DESC;
    }

    /** {@code cublasStatus_t cublasSetStream_v2(cublasHandle_t handle, cudaStream_t streamId)} */
    public static MethodHandle cublasSetStream_v2$handle() {
        return cublasSetStream_v2.HANDLE;
    }

    /** {@code cublasStatus_t cublasSetStream_v2(cublasHandle_t handle, cudaStream_t streamId)} */
    public static int cublasSetStream_v2(MemorySegment handle, MemorySegment streamId) {
        var mh$ = cublasSetStream_v2.HANDLE;
        try {
            return (int) mh$.invokeExact(handle, streamId);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cublasSetMathMode {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER,
                C_INT);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cublasSetMathMode"), DESC);
    }

    /** {@code cublasStatus_t cublasSetMathMode(cublasHandle_t handle, cublasMath_t mode)} */
    public static FunctionDescriptor cublasSetMathMode$descriptor() {
        return cublasSetMathMode.DESC;
    }

    /** {@code cublasStatus_t cublasSetMathMode(cublasHandle_t handle, cublasMath_t mode)} */
    public static MethodHandle cublasSetMathMode$handle() {
        return cublasSetMathMode.HANDLE;
    }

    /** {@code cublasStatus_t cublasSetMathMode(cublasHandle_t handle, cublasMath_t mode)} */
    public static int cublasSetMathMode(MemorySegment handle, int mode) {
        var mh$ = cublasSetMathMode.HANDLE;
        try {
            return (int) mh$.invokeExact(handle, mode);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cublasGetStatusName {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER,
                C_INT);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cublasGetStatusName"), DESC);
    }

    /** {@code const char *cublasGetStatusName(cublasStatus_t status)} */
    public static FunctionDescriptor cublasGetStatusName$descriptor() {
        return cublasGetStatusName.DESC;
    }

    /** {@code const char *cublasGetStatusName(cublasStatus_t status)} */
    public static MethodHandle cublasGetStatusName$handle() {
        return cublasGetStatusName.HANDLE;
    }

    /** {@code const char *cublasGetStatusName(cublasStatus_t status)} */
    public static MemorySegment cublasGetStatusName(int status) {
        var mh$ = cublasGetStatusName.HANDLE;
        try {
            return (MemorySegment) mh$.invokeExact(status);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cublasGetStatusString {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER,
                C_INT);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cublasGetStatusString"), DESC);
    }

    /** {@code const char *cublasGetStatusString(cublasStatus_t status)} */
    public static FunctionDescriptor cublasGetStatusString$descriptor() {
        return cublasGetStatusString.DESC;
    }

    /** {@code const char *cublasGetStatusString(cublasStatus_t status)} */
    public static MethodHandle cublasGetStatusString$handle() {
        return cublasGetStatusString.HANDLE;
    }

    /** {@code const char *cublasGetStatusString(cublasStatus_t status)} */
    public static MemorySegment cublasGetStatusString(int status) {
        var mh$ = cublasGetStatusString.HANDLE;
        try {
            return (MemorySegment) mh$.invokeExact(status);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cublasSgemm_v2 {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER,
                C_INT,
                C_INT,
                C_INT,
                C_INT,
                C_INT,
                C_POINTER,
                C_POINTER,
                C_INT,
                C_POINTER,
                C_INT,
                C_POINTER,
                C_POINTER,
                C_INT);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cublasSgemm_v2"), DESC);
    }

    /** {@code cublasStatus_t cublasSgemm_v2(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k, const float *alpha, const float *A, int lda, const float *B, int ldb, const float *beta, float *C, int ldc)} */
    public static FunctionDescriptor cublasSgemm_v2$descriptor() {
        return cublasSgemm_v2.DESC;
    }

    /** {@code cublasStatus_t cublasSgemm_v2(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k, const float *alpha, const float *A, int lda, const float *B, int ldb, const float *beta, float *C, int ldc)} */
    public static MethodHandle cublasSgemm_v2$handle() {
        return cublasSgemm_v2.HANDLE;
    }

    /** {@code cublasStatus_t cublasSgemm_v2(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k, const float *alpha, const float *A, int lda, const float *B, int ldb, const float *beta, float *C, int ldc)} */
    public static int cublasSgemm_v2(MemorySegment handle, int transa, int transb, int m, int n, int k, MemorySegment alpha, MemorySegment A, int lda, MemorySegment B, int ldb, MemorySegment beta, MemorySegment C, int ldc) {
        var mh$ = cublasSgemm_v2.HANDLE;
        try {
            return (int) mh$.invokeExact(handle, transa, transb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cublasGemmEx {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER,
                C_INT,
                C_INT,
                C_INT,
                C_INT,
                C_INT,
                C_POINTER,
                C_POINTER,
                C_INT,
                C_INT,
                C_POINTER,
                C_INT,
                C_INT,
                C_POINTER,
                C_POINTER,
                C_INT,
                C_INT,
                C_INT,
                C_INT);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cublasGemmEx"), DESC);
    }

    /** {@code cublasStatus_t cublasGemmEx(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k, const void *alpha, const void *A, cudaDataType Atype, int lda, const void *B, cudaDataType Btype, int ldb, const void *beta, void *C, cudaDataType Ctype, int ldc, cublasComputeType_t computeType, cublasGemmAlgo_t algo)} */
    public static FunctionDescriptor cublasGemmEx$descriptor() {
        return cublasGemmEx.DESC;
    }

    /** {@code cublasStatus_t cublasGemmEx(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k, const void *alpha, const void *A, cudaDataType Atype, int lda, const void *B, cudaDataType Btype, int ldb, const void *beta, void *C, cudaDataType Ctype, int ldc, cublasComputeType_t computeType, cublasGemmAlgo_t algo)} */
    public static MethodHandle cublasGemmEx$handle() {
        return cublasGemmEx.HANDLE;
    }

    /** {@code cublasStatus_t cublasGemmEx(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k, const void *alpha, const void *A, cudaDataType Atype, int lda, const void *B, cudaDataType Btype, int ldb, const void *beta, void *C, cudaDataType Ctype, int ldc, cublasComputeType_t computeType, cublasGemmAlgo_t algo)} */
    public static int cublasGemmEx(MemorySegment handle, int transa, int transb, int m, int n, int k, MemorySegment alpha, MemorySegment A, int Atype, int lda, MemorySegment B, int Btype, int ldb, MemorySegment beta, MemorySegment C, int Ctype, int ldc, int computeType, int algo) {
        var mh$ = cublasGemmEx.HANDLE;
        try {
            return (int) mh$.invokeExact(handle, transa, transb, m, n, k, alpha, A, Atype, lda, B, Btype, ldb, beta, C, Ctype, ldc, computeType, algo);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cublasGemmStridedBatchedEx {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER,
                C_INT,
                C_INT,
                C_INT,
                C_INT,
                C_INT,
                C_POINTER,
                C_POINTER,
                C_INT,
                C_INT,
                C_LONG_LONG,
                C_POINTER,
                C_INT,
                C_INT,
                C_LONG_LONG,
                C_POINTER,
                C_POINTER,
                C_INT,
                C_INT,
                C_LONG_LONG,
                C_INT,
                C_INT,
                C_INT);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cublasGemmStridedBatchedEx"), DESC);
    }

    /** {@code cublasStatus_t cublasGemmStridedBatchedEx(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k, const void *alpha, const void *A, cudaDataType Atype, int lda, long long strideA, const void *B, cudaDataType Btype, int ldb, long long strideB, const void *beta, void *C, cudaDataType Ctype, int ldc, long long strideC, int batchCount, cublasComputeType_t computeType, cublasGemmAlgo_t algo)} */
    public static FunctionDescriptor cublasGemmStridedBatchedEx$descriptor() {
        return cublasGemmStridedBatchedEx.DESC;
    }

    /** {@code cublasStatus_t cublasGemmStridedBatchedEx(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k, const void *alpha, const void *A, cudaDataType Atype, int lda, long long strideA, const void *B, cudaDataType Btype, int ldb, long long strideB, const void *beta, void *C, cudaDataType Ctype, int ldc, long long strideC, int batchCount, cublasComputeType_t computeType, cublasGemmAlgo_t algo)} */
    public static MethodHandle cublasGemmStridedBatchedEx$handle() {
        return cublasGemmStridedBatchedEx.HANDLE;
    }

    /** {@code cublasStatus_t cublasGemmStridedBatchedEx(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k, const void *alpha, const void *A, cudaDataType Atype, int lda, long long strideA, const void *B, cudaDataType Btype, int ldb, long long strideB, const void *beta, void *C, cudaDataType Ctype, int ldc, long long strideC, int batchCount, cublasComputeType_t computeType, cublasGemmAlgo_t algo)} */
    public static int cublasGemmStridedBatchedEx(MemorySegment handle, int transa, int transb, int m, int n, int k, MemorySegment alpha, MemorySegment A, int Atype, int lda, long strideA, MemorySegment B, int Btype, int ldb, long strideB, MemorySegment beta, MemorySegment C, int Ctype, int ldc, long strideC, int batchCount, int computeType, int algo) {
        var mh$ = cublasGemmStridedBatchedEx.HANDLE;
        try {
            return (int) mh$.invokeExact(handle, transa, transb, m, n, k, alpha, A, Atype, lda, strideA, B, Btype, ldb, strideB, beta, C, Ctype, ldc, strideC, batchCount, computeType, algo);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }
}
