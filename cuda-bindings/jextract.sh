#!/usr/bin/env bash
# Regenerates the bindings in src/main/java/dev/skipllama/cuda with jextract
# (https://jdk.java.net/jextract/, a build for JDK 25). The checked-in classes were written by hand in
# the same layout because jextract could not be installed where they were made; after regenerating,
# restore the one deliberate difference: jextract's header class opens its library in a static
# initialiser, ours in a holder (`Lib.LOOKUP = CudaLibraries.lookup(...)`) so that the classes load
# on machines without CUDA. Headers: cuda.h and library_types.h come with the CUDA toolkit;
# cublas_api.h and nvrtc.h with the toolkit or pip's nvidia-cublas / nvidia-cuda-nvrtc wheels
# (site-packages/nvidia/{cublas,cuda_nvrtc}/include, or nvidia/cu13/include for CUDA 13 wheels).
#
#   CUDA_INCLUDE=/usr/local/cuda/include CUBLAS_INCLUDE=... NVRTC_INCLUDE=... ./jextract.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
JEXTRACT="${JEXTRACT:-jextract}"
CUDA_INCLUDE="${CUDA_INCLUDE:-/usr/local/cuda/include}"
CUBLAS_INCLUDE="${CUBLAS_INCLUDE:-$CUDA_INCLUDE}"
NVRTC_INCLUDE="${NVRTC_INCLUDE:-$CUDA_INCLUDE}"
out="$here/src/main/java"
pkg=dev.skipllama.cuda
command -v "$JEXTRACT" >/dev/null || { echo "jextract not found (set JEXTRACT=/path/to/jextract)" >&2; exit 1; }

# The driver API (libcuda): context, memory, stream, module and launch.
"$JEXTRACT" --output "$out" --target-package "$pkg" --header-class-name cuda_h \
    -I "$CUDA_INCLUDE" --library cuda \
    --include-function cuInit \
    --include-function cuDriverGetVersion \
    --include-function cuDeviceGetCount \
    --include-function cuDeviceGet \
    --include-function cuDeviceGetName \
    --include-function cuDeviceGetAttribute \
    --include-function cuDeviceTotalMem_v2 \
    --include-function cuDevicePrimaryCtxRetain \
    --include-function cuDevicePrimaryCtxRelease_v2 \
    --include-function cuCtxSetCurrent \
    --include-function cuStreamCreate \
    --include-function cuStreamDestroy_v2 \
    --include-function cuStreamSynchronize \
    --include-function cuModuleLoadData \
    --include-function cuModuleLoadDataEx \
    --include-function cuModuleGetFunction \
    --include-function cuModuleUnload \
    --include-function cuLaunchKernel \
    --include-function cuMemAlloc_v2 \
    --include-function cuMemFree_v2 \
    --include-function cuMemGetInfo_v2 \
    --include-function cuMemcpyHtoDAsync_v2 \
    --include-function cuMemcpyDtoHAsync_v2 \
    --include-function cuMemcpyDtoDAsync_v2 \
    --include-function cuMemsetD8Async \
    --include-function cuGetErrorName \
    --include-function cuGetErrorString \
    --include-constant CUDA_SUCCESS \
    --include-constant CUDA_ERROR_NOT_INITIALIZED \
    --include-constant CUDA_ERROR_NO_DEVICE \
    --include-constant CUDA_ERROR_INVALID_PTX \
    --include-constant CUDA_ERROR_UNSUPPORTED_PTX_VERSION \
    --include-constant CUDA_ERROR_NOT_FOUND \
    --include-constant CU_STREAM_DEFAULT \
    --include-constant CU_STREAM_NON_BLOCKING \
    --include-constant CU_JIT_INFO_LOG_BUFFER \
    --include-constant CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES \
    --include-constant CU_JIT_ERROR_LOG_BUFFER \
    --include-constant CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES \
    --include-constant CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT \
    --include-constant CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR \
    --include-constant CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR \
    --include-constant CUDA_VERSION \
    "$CUDA_INCLUDE/cuda.h"

# cuBLAS (v2 API): handle, stream, math mode, GEMMs, status names.
"$JEXTRACT" --output "$out" --target-package "$pkg" --header-class-name cublas_api_h \
    -I "$CUDA_INCLUDE" -I "$CUBLAS_INCLUDE" --library cublas \
    --include-function cublasCreate_v2 \
    --include-function cublasDestroy_v2 \
    --include-function cublasGetVersion_v2 \
    --include-function cublasSetStream_v2 \
    --include-function cublasSetMathMode \
    --include-function cublasGetStatusName \
    --include-function cublasGetStatusString \
    --include-function cublasSgemm_v2 \
    --include-function cublasGemmEx \
    --include-function cublasGemmStridedBatchedEx \
    --include-constant CUBLAS_STATUS_SUCCESS \
    --include-constant CUBLAS_STATUS_NOT_INITIALIZED \
    --include-constant CUBLAS_STATUS_ALLOC_FAILED \
    --include-constant CUBLAS_STATUS_INVALID_VALUE \
    --include-constant CUBLAS_STATUS_ARCH_MISMATCH \
    --include-constant CUBLAS_STATUS_MAPPING_ERROR \
    --include-constant CUBLAS_STATUS_EXECUTION_FAILED \
    --include-constant CUBLAS_STATUS_INTERNAL_ERROR \
    --include-constant CUBLAS_STATUS_NOT_SUPPORTED \
    --include-constant CUBLAS_STATUS_LICENSE_ERROR \
    --include-constant CUBLAS_OP_N \
    --include-constant CUBLAS_OP_T \
    --include-constant CUBLAS_DEFAULT_MATH \
    --include-constant CUBLAS_PEDANTIC_MATH \
    --include-constant CUBLAS_TF32_TENSOR_OP_MATH \
    --include-constant CUBLAS_COMPUTE_32F \
    --include-constant CUBLAS_COMPUTE_32F_PEDANTIC \
    --include-constant CUBLAS_GEMM_DEFAULT \
    --include-constant CUDA_R_32F \
    --include-constant CUDA_R_16F \
    --include-constant CUDA_R_16BF \
    "$CUBLAS_INCLUDE/cublas_api.h"

# NVRTC: run-time compilation of the kernel sources when the shipped PTX is too new for the driver.
"$JEXTRACT" --output "$out" --target-package "$pkg" --header-class-name nvrtc_h \
    -I "$NVRTC_INCLUDE" --library nvrtc \
    --include-function nvrtcVersion \
    --include-function nvrtcGetErrorString \
    --include-function nvrtcCreateProgram \
    --include-function nvrtcDestroyProgram \
    --include-function nvrtcCompileProgram \
    --include-function nvrtcGetPTXSize \
    --include-function nvrtcGetPTX \
    --include-function nvrtcGetProgramLogSize \
    --include-function nvrtcGetProgramLog \
    --include-constant NVRTC_SUCCESS \
    --include-constant NVRTC_ERROR_COMPILATION \
    "$NVRTC_INCLUDE/nvrtc.h"

echo "regenerated cuda_h, cublas_api_h, nvrtc_h under $out/${pkg//.//}"
echo "now move each header class's library lookup into a lazy holder (see the comment at the top of this script)"
