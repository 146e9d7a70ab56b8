// In the layout jextract produces for cuda.h (regenerate with cuda-bindings/jextract.sh), written by hand
// because jextract cannot be installed where this was built. One difference on purpose: the library
// is looked up in a holder class on the first call, not when this class initialises, so the class
// loads (and the CUDA backend can report why CUDA is missing) on machines without the CUDA driver (libcuda).
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
public final class cuda_h {

    cuda_h() {
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
        static final SymbolLookup LOOKUP = CudaLibraries.lookup(CudaLibraries.DRIVER);
    }

    /** Whether {@code name} is exported by the library (opens it; throws when it cannot be found). */
    public static boolean hasSymbol(String name) {
        return Lib.LOOKUP.find(name).isPresent();
    }

    private static final int CUDA_SUCCESS = (int) 0L;

    /** {@code enum cudaError_enum.CUDA_SUCCESS = 0} */
    public static int CUDA_SUCCESS() {
        return CUDA_SUCCESS;
    }

    private static final int CUDA_ERROR_NOT_INITIALIZED = (int) 3L;

    /** {@code CUDA_ERROR_NOT_INITIALIZED = 3} */
    public static int CUDA_ERROR_NOT_INITIALIZED() {
        return CUDA_ERROR_NOT_INITIALIZED;
    }

    private static final int CUDA_ERROR_NO_DEVICE = (int) 100L;

    /** {@code CUDA_ERROR_NO_DEVICE = 100} */
    public static int CUDA_ERROR_NO_DEVICE() {
        return CUDA_ERROR_NO_DEVICE;
    }

    private static final int CUDA_ERROR_INVALID_PTX = (int) 218L;

    /** {@code CUDA_ERROR_INVALID_PTX = 218} */
    public static int CUDA_ERROR_INVALID_PTX() {
        return CUDA_ERROR_INVALID_PTX;
    }

    private static final int CUDA_ERROR_UNSUPPORTED_PTX_VERSION = (int) 222L;

    /** {@code CUDA_ERROR_UNSUPPORTED_PTX_VERSION = 222} */
    public static int CUDA_ERROR_UNSUPPORTED_PTX_VERSION() {
        return CUDA_ERROR_UNSUPPORTED_PTX_VERSION;
    }

    private static final int CUDA_ERROR_NOT_FOUND = (int) 500L;

    /** {@code CUDA_ERROR_NOT_FOUND = 500} */
    public static int CUDA_ERROR_NOT_FOUND() {
        return CUDA_ERROR_NOT_FOUND;
    }

    private static final int CU_STREAM_DEFAULT = (int) 0L;

    /** {@code CU_STREAM_DEFAULT = 0} */
    public static int CU_STREAM_DEFAULT() {
        return CU_STREAM_DEFAULT;
    }

    private static final int CU_STREAM_NON_BLOCKING = (int) 1L;

    /** {@code CU_STREAM_NON_BLOCKING = 1} */
    public static int CU_STREAM_NON_BLOCKING() {
        return CU_STREAM_NON_BLOCKING;
    }

    private static final int CU_JIT_INFO_LOG_BUFFER = (int) 3L;

    /** {@code CU_JIT_INFO_LOG_BUFFER = 3} */
    public static int CU_JIT_INFO_LOG_BUFFER() {
        return CU_JIT_INFO_LOG_BUFFER;
    }

    private static final int CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES = (int) 4L;

    /** {@code CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4} */
    public static int CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES() {
        return CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES;
    }

    private static final int CU_JIT_ERROR_LOG_BUFFER = (int) 5L;

    /** {@code CU_JIT_ERROR_LOG_BUFFER = 5} */
    public static int CU_JIT_ERROR_LOG_BUFFER() {
        return CU_JIT_ERROR_LOG_BUFFER;
    }

    private static final int CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = (int) 6L;

    /** {@code CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6} */
    public static int CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES() {
        return CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES;
    }

    private static final int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = (int) 16L;

    /** {@code CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16} */
    public static int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT() {
        return CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT;
    }

    private static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = (int) 75L;

    /** {@code CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75} */
    public static int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR() {
        return CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR;
    }

    private static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = (int) 76L;

    /** {@code CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76} */
    public static int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR() {
        return CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR;
    }

    private static final int CUDA_VERSION = (int) 13000L;

    /** {@code #define CUDA_VERSION 13000} */
    public static int CUDA_VERSION() {
        return CUDA_VERSION;
    }

    private static class cuInit {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_INT);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cuInit"), DESC);
    }

    /** {@code CUresult cuInit(unsigned int Flags)} */
    public static FunctionDescriptor cuInit$descriptor() {
        return cuInit.DESC;
    }

    /** {@code CUresult cuInit(unsigned int Flags)} */
    public static MethodHandle cuInit$handle() {
        return cuInit.HANDLE;
    }

    /** {@code CUresult cuInit(unsigned int Flags)} */
    public static int cuInit(int Flags) {
        var mh$ = cuInit.HANDLE;
        try {
            return (int) mh$.invokeExact(Flags);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cuDriverGetVersion {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cuDriverGetVersion"), DESC);
    }

    /** {@code CUresult cuDriverGetVersion(int *driverVersion)} */
    public static FunctionDescriptor cuDriverGetVersion$descriptor() {
        return cuDriverGetVersion.DESC;
    }

    /** {@code CUresult cuDriverGetVersion(int *driverVersion)} */
    public static MethodHandle cuDriverGetVersion$handle() {
        return cuDriverGetVersion.HANDLE;
    }

    /** {@code CUresult cuDriverGetVersion(int *driverVersion)} */
    public static int cuDriverGetVersion(MemorySegment driverVersion) {
        var mh$ = cuDriverGetVersion.HANDLE;
        try {
            return (int) mh$.invokeExact(driverVersion);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cuDeviceGetCount {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cuDeviceGetCount"), DESC);
    }

    /** {@code CUresult cuDeviceGetCount(int *count)} */
    public static FunctionDescriptor cuDeviceGetCount$descriptor() {
        return cuDeviceGetCount.DESC;
    }

    /** {@code CUresult cuDeviceGetCount(int *count)} */
    public static MethodHandle cuDeviceGetCount$handle() {
        return cuDeviceGetCount.HANDLE;
    }

    /** {@code CUresult cuDeviceGetCount(int *count)} */
    public static int cuDeviceGetCount(MemorySegment count) {
        var mh$ = cuDeviceGetCount.HANDLE;
        try {
            return (int) mh$.invokeExact(count);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cuDeviceGet {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER,
                C_INT);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cuDeviceGet"), DESC);
    }

    /** {@code CUresult cuDeviceGet(CUdevice *device, int ordinal)} */
    public static FunctionDescriptor cuDeviceGet$descriptor() {
        return cuDeviceGet.DESC;
    }

    /** {@code CUresult cuDeviceGet(CUdevice *device, int ordinal)} */
    public static MethodHandle cuDeviceGet$handle() {
        return cuDeviceGet.HANDLE;
    }

    /** {@code CUresult cuDeviceGet(CUdevice *device, int ordinal)} */
    public static int cuDeviceGet(MemorySegment device, int ordinal) {
        var mh$ = cuDeviceGet.HANDLE;
        try {
            return (int) mh$.invokeExact(device, ordinal);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cuDeviceGetName {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER,
                C_INT,
                C_INT);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cuDeviceGetName"), DESC);
    }

    /** {@code CUresult cuDeviceGetName(char *name, int len, CUdevice dev)} */
    public static FunctionDescriptor cuDeviceGetName$descriptor() {
        return cuDeviceGetName.DESC;
    }

    /** {@code CUresult cuDeviceGetName(char *name, int len, CUdevice dev)} */
    public static MethodHandle cuDeviceGetName$handle() {
        return cuDeviceGetName.HANDLE;
    }

    /** {@code CUresult cuDeviceGetName(char *name, int len, CUdevice dev)} */
    public static int cuDeviceGetName(MemorySegment name, int len, int dev) {
        var mh$ = cuDeviceGetName.HANDLE;
        try {
            return (int) mh$.invokeExact(name, len, dev);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cuDeviceGetAttribute {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER,
                C_INT,
                C_INT);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cuDeviceGetAttribute"), DESC);
    }

    /** {@code CUresult cuDeviceGetAttribute(int *pi, CUdevice_attribute attrib, CUdevice dev)} */
    public static FunctionDescriptor cuDeviceGetAttribute$descriptor() {
        return cuDeviceGetAttribute.DESC;
    }

    /** {@code CUresult cuDeviceGetAttribute(int *pi, CUdevice_attribute attrib, CUdevice dev)} */
    public static MethodHandle cuDeviceGetAttribute$handle() {
        return cuDeviceGetAttribute.HANDLE;
    }

    /** {@code CUresult cuDeviceGetAttribute(int *pi, CUdevice_attribute attrib, CUdevice dev)} */
    public static int cuDeviceGetAttribute(MemorySegment pi, int attrib, int dev) {
        var mh$ = cuDeviceGetAttribute.HANDLE;
        try {
            return (int) mh$.invokeExact(pi, attrib, dev);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cuDeviceTotalMem_v2 {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER,
                C_INT);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cuDeviceTotalMem_v2"), DESC);
    }

    /** {@code CUresult cuDeviceTotalMem_v2(size_t *bytes, CUdevice dev)} */
    public static FunctionDescriptor cuDeviceTotalMem_v2$descriptor() {
        return cuDeviceTotalMem_v2.DESC;
    }

    /** {@code CUresult cuDeviceTotalMem_v2(size_t *bytes, CUdevice dev)} */
    public static MethodHandle cuDeviceTotalMem_v2$handle() {
        return cuDeviceTotalMem_v2.HANDLE;
    }

    /** {@code CUresult cuDeviceTotalMem_v2(size_t *bytes, CUdevice dev)} */
    public static int cuDeviceTotalMem_v2(MemorySegment bytes, int dev) {
        var mh$ = cuDeviceTotalMem_v2.HANDLE;
        try {
            return (int) mh$.invokeExact(bytes, dev);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cuDevicePrimaryCtxRetain {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER,
                C_INT);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cuDevicePrimaryCtxRetain"), DESC);
    }

    /** {@code CUresult cuDevicePrimaryCtxRetain(CUcontext *pctx, CUdevice dev)} */
    public static FunctionDescriptor cuDevicePrimaryCtxRetain$descriptor() {
        return cuDevicePrimaryCtxRetain.DESC;
    }

    /** {@code CUresult cuDevicePrimaryCtxRetain(CUcontext *pctx, CUdevice dev)} */
    public static MethodHandle cuDevicePrimaryCtxRetain$handle() {
        return cuDevicePrimaryCtxRetain.HANDLE;
    }

    /** {@code CUresult cuDevicePrimaryCtxRetain(CUcontext *pctx, CUdevice dev)} */
    public static int cuDevicePrimaryCtxRetain(MemorySegment pctx, int dev) {
        var mh$ = cuDevicePrimaryCtxRetain.HANDLE;
        try {
            return (int) mh$.invokeExact(pctx, dev);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cuDevicePrimaryCtxRelease_v2 {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_INT);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cuDevicePrimaryCtxRelease_v2"), DESC);
    }

    /** {@code CUresult cuDevicePrimaryCtxRelease_v2(CUdevice dev)} */
    public static FunctionDescriptor cuDevicePrimaryCtxRelease_v2$descriptor() {
        return cuDevicePrimaryCtxRelease_v2.DESC;
    }

    /** {@code CUresult cuDevicePrimaryCtxRelease_v2(CUdevice dev)} */
    public static MethodHandle cuDevicePrimaryCtxRelease_v2$handle() {
        return cuDevicePrimaryCtxRelease_v2.HANDLE;
    }

    /** {@code CUresult cuDevicePrimaryCtxRelease_v2(CUdevice dev)} */
    public static int cuDevicePrimaryCtxRelease_v2(int dev) {
        var mh$ = cuDevicePrimaryCtxRelease_v2.HANDLE;
        try {
            return (int) mh$.invokeExact(dev);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cuCtxSetCurrent {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cuCtxSetCurrent"), DESC);
    }

    /** {@code CUresult cuCtxSetCurrent(CUcontext ctx)} */
    public static FunctionDescriptor cuCtxSetCurrent$descriptor() {
        return cuCtxSetCurrent.DESC;
    }

    /** {@code CUresult cuCtxSetCurrent(CUcontext ctx)} */
    public static MethodHandle cuCtxSetCurrent$handle() {
        return cuCtxSetCurrent.HANDLE;
    }

    /** {@code CUresult cuCtxSetCurrent(CUcontext ctx)} */
    public static int cuCtxSetCurrent(MemorySegment ctx) {
        var mh$ = cuCtxSetCurrent.HANDLE;
        try {
            return (int) mh$.invokeExact(ctx);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cuStreamCreate {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER,
                C_INT);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cuStreamCreate"), DESC);
    }

    /** {@code CUresult cuStreamCreate(CUstream *phStream, unsigned int Flags)} */
    public static FunctionDescriptor cuStreamCreate$descriptor() {
        return cuStreamCreate.DESC;
    }

    /** {@code CUresult cuStreamCreate(CUstream *phStream, unsigned int Flags)} */
    public static MethodHandle cuStreamCreate$handle() {
        return cuStreamCreate.HANDLE;
    }

    /** {@code CUresult cuStreamCreate(CUstream *phStream, unsigned int Flags)} */
    public static int cuStreamCreate(MemorySegment phStream, int Flags) {
        var mh$ = cuStreamCreate.HANDLE;
        try {
            return (int) mh$.invokeExact(phStream, Flags);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cuStreamDestroy_v2 {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cuStreamDestroy_v2"), DESC);
    }

    /** {@code CUresult cuStreamDestroy_v2(CUstream hStream)} */
    public static FunctionDescriptor cuStreamDestroy_v2$descriptor() {
        return cuStreamDestroy_v2.DESC;
    }

    /** {@code CUresult cuStreamDestroy_v2(CUstream hStream)} */
    public static MethodHandle cuStreamDestroy_v2$handle() {
        return cuStreamDestroy_v2.HANDLE;
    }

    /** {@code CUresult cuStreamDestroy_v2(CUstream hStream)} */
    public static int cuStreamDestroy_v2(MemorySegment hStream) {
        var mh$ = cuStreamDestroy_v2.HANDLE;
        try {
            return (int) mh$.invokeExact(hStream);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cuStreamSynchronize {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cuStreamSynchronize"), DESC);
    }

    /** {@code CUresult cuStreamSynchronize(CUstream hStream)} */
    public static FunctionDescriptor cuStreamSynchronize$descriptor() {
        return cuStreamSynchronize.DESC;
    }

    /** {@code CUresult cuStreamSynchronize(CUstream hStream)} */
    public static MethodHandle cuStreamSynchronize$handle() {
        return cuStreamSynchronize.HANDLE;
    }

    /** {@code CUresult cuStreamSynchronize(CUstream hStream)} */
    public static int cuStreamSynchronize(MemorySegment hStream) {
        var mh$ = cuStreamSynchronize.HANDLE;
        try {
            return (int) mh$.invokeExact(hStream);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cuModuleLoadData {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER,
                C_POINTER);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cuModuleLoadData"), DESC);
    }

    /** {@code CUresult cuModuleLoadData(CUmodule *module, const void *image)} */
    public static FunctionDescriptor cuModuleLoadData$descriptor() {
        return cuModuleLoadData.DESC;
    }

    /** {@code CUresult cuModuleLoadData(CUmodule *module, const void *image)} */
    public static MethodHandle cuModuleLoadData$handle() {
        return cuModuleLoadData.HANDLE;
    }

    /** {@code CUresult cuModuleLoadData(CUmodule *module, const void *image)} */
    public static int cuModuleLoadData(MemorySegment module, MemorySegment image) {
        var mh$ = cuModuleLoadData.HANDLE;
        try {
            return (int) mh$.invokeExact(module, image);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cuModuleLoadDataEx {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER,
                C_POINTER,
                C_INT,
                C_POINTER,
                C_POINTER);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cuModuleLoadDataEx"), DESC);
    }

    /** {@code CUresult cuModuleLoadDataEx(CUmodule *module, const void *image, unsigned int numOptions, CUjit_option *options, void **optionValues)} */
    public static FunctionDescriptor cuModuleLoadDataEx$descriptor() {
        return cuModuleLoadDataEx.DESC;
    }

    /** {@code CUresult cuModuleLoadDataEx(CUmodule *module, const void *image, unsigned int numOptions, CUjit_option *options, void **optionValues)} */
    public static MethodHandle cuModuleLoadDataEx$handle() {
        return cuModuleLoadDataEx.HANDLE;
    }

    /** {@code CUresult cuModuleLoadDataEx(CUmodule *module, const void *image, unsigned int numOptions, CUjit_option *options, void **optionValues)} */
    public static int cuModuleLoadDataEx(MemorySegment module, MemorySegment image, int numOptions, MemorySegment options, MemorySegment optionValues) {
        var mh$ = cuModuleLoadDataEx.HANDLE;
        try {
            return (int) mh$.invokeExact(module, image, numOptions, options, optionValues);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cuModuleGetFunction {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER,
                C_POINTER,
                C_POINTER);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cuModuleGetFunction"), DESC);
    }

    /** {@code CUresult cuModuleGetFunction(CUfunction *hfunc, CUmodule hmod, const char *name)} */
    public static FunctionDescriptor cuModuleGetFunction$descriptor() {
        return cuModuleGetFunction.DESC;
    }

    /** {@code CUresult cuModuleGetFunction(CUfunction *hfunc, CUmodule hmod, const char *name)} */
    public static MethodHandle cuModuleGetFunction$handle() {
        return cuModuleGetFunction.HANDLE;
    }

    /** {@code CUresult cuModuleGetFunction(CUfunction *hfunc, CUmodule hmod, const char *name)} */
    public static int cuModuleGetFunction(MemorySegment hfunc, MemorySegment hmod, MemorySegment name) {
        var mh$ = cuModuleGetFunction.HANDLE;
        try {
            return (int) mh$.invokeExact(hfunc, hmod, name);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cuModuleUnload {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cuModuleUnload"), DESC);
    }

    /** {@code CUresult cuModuleUnload(CUmodule hmod)} */
    public static FunctionDescriptor cuModuleUnload$descriptor() {
        return cuModuleUnload.DESC;
    }

    /** {@code CUresult cuModuleUnload(CUmodule hmod)} */
    public static MethodHandle cuModuleUnload$handle() {
        return cuModuleUnload.HANDLE;
    }

    /** {@code CUresult cuModuleUnload(CUmodule hmod)} */
    public static int cuModuleUnload(MemorySegment hmod) {
        var mh$ = cuModuleUnload.HANDLE;
        try {
            return (int) mh$.invokeExact(hmod);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cuLaunchKernel {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER,
                C_INT,
                C_INT,
                C_INT,
                C_INT,
                C_INT,
                C_INT,
                C_INT,
                C_POINTER,
                C_POINTER,
                C_POINTER);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cuLaunchKernel"), DESC);
    }

    /** {@code CUresult cuLaunchKernel(CUfunction f, unsigned int gridDimX, unsigned int gridDimY, unsigned int gridDimZ, unsigned int blockDimX, unsigned int blockDimY, unsigned int blockDimZ, unsigned int sharedMemBytes, CUstream hStream, void **kernelParams, void **extra)} */
    public static FunctionDescriptor cuLaunchKernel$descriptor() {
        return cuLaunchKernel.DESC;
    }

    /** {@code CUresult cuLaunchKernel(CUfunction f, unsigned int gridDimX, unsigned int gridDimY, unsigned int gridDimZ, unsigned int blockDimX, unsigned int blockDimY, unsigned int blockDimZ, unsigned int sharedMemBytes, CUstream hStream, void **kernelParams, void **extra)} */
    public static MethodHandle cuLaunchKernel$handle() {
        return cuLaunchKernel.HANDLE;
    }

    /** {@code CUresult cuLaunchKernel(CUfunction f, unsigned int gridDimX, unsigned int gridDimY, unsigned int gridDimZ, unsigned int blockDimX, unsigned int blockDimY, unsigned int blockDimZ, unsigned int sharedMemBytes, CUstream hStream, void **kernelParams, void **extra)} */
    public static int cuLaunchKernel(MemorySegment f, int gridDimX, int gridDimY, int gridDimZ, int blockDimX, int blockDimY, int blockDimZ, int sharedMemBytes, MemorySegment hStream, MemorySegment kernelParams, MemorySegment extra) {
        var mh$ = cuLaunchKernel.HANDLE;
        try {
            return (int) mh$.invokeExact(f, gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ, sharedMemBytes, hStream, kernelParams, extra);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cuMemAlloc_v2 {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER,
                C_LONG);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cuMemAlloc_v2"), DESC);
    }

    /** {@code CUresult cuMemAlloc_v2(CUdeviceptr *dptr, size_t bytesize)} */
    public static FunctionDescriptor cuMemAlloc_v2$descriptor() {
        return cuMemAlloc_v2.DESC;
    }

    /** {@code CUresult cuMemAlloc_v2(CUdeviceptr *dptr, size_t bytesize)} */
    public static MethodHandle cuMemAlloc_v2$handle() {
        return cuMemAlloc_v2.HANDLE;
    }

    /** {@code CUresult cuMemAlloc_v2(CUdeviceptr *dptr, size_t bytesize)} */
    public static int cuMemAlloc_v2(MemorySegment dptr, long bytesize) {
        var mh$ = cuMemAlloc_v2.HANDLE;
        try {
            return (int) mh$.invokeExact(dptr, bytesize);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cuMemFree_v2 {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_LONG_LONG);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cuMemFree_v2"), DESC);
    }

    /** {@code CUresult cuMemFree_v2(CUdeviceptr dptr)} */
    public static FunctionDescriptor cuMemFree_v2$descriptor() {
        return cuMemFree_v2.DESC;
    }

    /** {@code CUresult cuMemFree_v2(CUdeviceptr dptr)} */
    public static MethodHandle cuMemFree_v2$handle() {
        return cuMemFree_v2.HANDLE;
    }

    /** {@code CUresult cuMemFree_v2(CUdeviceptr dptr)} */
    public static int cuMemFree_v2(long dptr) {
        var mh$ = cuMemFree_v2.HANDLE;
        try {
            return (int) mh$.invokeExact(dptr);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cuMemGetInfo_v2 {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER,
                C_POINTER);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cuMemGetInfo_v2"), DESC);
    }

    /** {@code CUresult cuMemGetInfo_v2(size_t *free, size_t *total)} */
    public static FunctionDescriptor cuMemGetInfo_v2$descriptor() {
        return cuMemGetInfo_v2.DESC;
    }

    /** {@code CUresult cuMemGetInfo_v2(size_t *free, size_t *total)} */
    public static MethodHandle cuMemGetInfo_v2$handle() {
        return cuMemGetInfo_v2.HANDLE;
    }

    /** {@code CUresult cuMemGetInfo_v2(size_t *free, size_t *total)} */
    public static int cuMemGetInfo_v2(MemorySegment free, MemorySegment total) {
        var mh$ = cuMemGetInfo_v2.HANDLE;
        try {
            return (int) mh$.invokeExact(free, total);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cuMemcpyHtoDAsync_v2 {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_LONG_LONG,
                C_POINTER,
                C_LONG,
                C_POINTER);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cuMemcpyHtoDAsync_v2"), DESC);
    }

    /** {@code CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dstDevice, const void *srcHost, size_t ByteCount, CUstream hStream)} */
    public static FunctionDescriptor cuMemcpyHtoDAsync_v2$descriptor() {
        return cuMemcpyHtoDAsync_v2.DESC;
    }

    /** {@code CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dstDevice, const void *srcHost, size_t ByteCount, CUstream hStream)} */
    public static MethodHandle cuMemcpyHtoDAsync_v2$handle() {
        return cuMemcpyHtoDAsync_v2.HANDLE;
    }

    /** {@code CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dstDevice, const void *srcHost, size_t ByteCount, CUstream hStream)} */
    public static int cuMemcpyHtoDAsync_v2(long dstDevice, MemorySegment srcHost, long ByteCount, MemorySegment hStream) {
        var mh$ = cuMemcpyHtoDAsync_v2.HANDLE;
        try {
            return (int) mh$.invokeExact(dstDevice, srcHost, ByteCount, hStream);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cuMemcpyDtoHAsync_v2 {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER,
                C_LONG_LONG,
                C_LONG,
                C_POINTER);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cuMemcpyDtoHAsync_v2"), DESC);
    }

    /** {@code CUresult cuMemcpyDtoHAsync_v2(void *dstHost, CUdeviceptr srcDevice, size_t ByteCount, CUstream hStream)} */
    public static FunctionDescriptor cuMemcpyDtoHAsync_v2$descriptor() {
        return cuMemcpyDtoHAsync_v2.DESC;
    }

    /** {@code CUresult cuMemcpyDtoHAsync_v2(void *dstHost, CUdeviceptr srcDevice, size_t ByteCount, CUstream hStream)} */
    public static MethodHandle cuMemcpyDtoHAsync_v2$handle() {
        return cuMemcpyDtoHAsync_v2.HANDLE;
    }

    /** {@code CUresult cuMemcpyDtoHAsync_v2(void *dstHost, CUdeviceptr srcDevice, size_t ByteCount, CUstream hStream)} */
    public static int cuMemcpyDtoHAsync_v2(MemorySegment dstHost, long srcDevice, long ByteCount, MemorySegment hStream) {
        var mh$ = cuMemcpyDtoHAsync_v2.HANDLE;
        try {
            return (int) mh$.invokeExact(dstHost, srcDevice, ByteCount, hStream);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cuMemcpyDtoDAsync_v2 {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_LONG_LONG,
                C_LONG_LONG,
                C_LONG,
                C_POINTER);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cuMemcpyDtoDAsync_v2"), DESC);
    }

    /** {@code CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dstDevice, CUdeviceptr srcDevice, size_t ByteCount, CUstream hStream)} */
    public static FunctionDescriptor cuMemcpyDtoDAsync_v2$descriptor() {
        return cuMemcpyDtoDAsync_v2.DESC;
    }

    /** {@code CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dstDevice, CUdeviceptr srcDevice, size_t ByteCount, CUstream hStream)} */
    public static MethodHandle cuMemcpyDtoDAsync_v2$handle() {
        return cuMemcpyDtoDAsync_v2.HANDLE;
    }

    /** {@code CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dstDevice, CUdeviceptr srcDevice, size_t ByteCount, CUstream hStream)} */
    public static int cuMemcpyDtoDAsync_v2(long dstDevice, long srcDevice, long ByteCount, MemorySegment hStream) {
        var mh$ = cuMemcpyDtoDAsync_v2.HANDLE;
        try {
            return (int) mh$.invokeExact(dstDevice, srcDevice, ByteCount, hStream);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cuMemsetD8Async {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_LONG_LONG,
                C_CHAR,
                C_LONG,
                C_POINTER);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cuMemsetD8Async"), DESC);
    }

    /** {@code CUresult cuMemsetD8Async(CUdeviceptr dstDevice, unsigned char uc, size_t N, CUstream hStream)} */
    public static FunctionDescriptor cuMemsetD8Async$descriptor() {
        return cuMemsetD8Async.DESC;
    }

    /** {@code CUresult cuMemsetD8Async(CUdeviceptr dstDevice, unsigned char uc, size_t N, CUstream hStream)} */
    public static MethodHandle cuMemsetD8Async$handle() {
        return cuMemsetD8Async.HANDLE;
    }

    /** {@code CUresult cuMemsetD8Async(CUdeviceptr dstDevice, unsigned char uc, size_t N, CUstream hStream)} */
    public static int cuMemsetD8Async(long dstDevice, byte uc, long N, MemorySegment hStream) {
        var mh$ = cuMemsetD8Async.HANDLE;
        try {
            return (int) mh$.invokeExact(dstDevice, uc, N, hStream);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cuGetErrorName {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_INT,
                C_POINTER);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cuGetErrorName"), DESC);
    }

    /** {@code CUresult cuGetErrorName(CUresult error, const char **pStr)} */
    public static FunctionDescriptor cuGetErrorName$descriptor() {
        return cuGetErrorName.DESC;
    }

    /** {@code CUresult cuGetErrorName(CUresult error, const char **pStr)} */
    public static MethodHandle cuGetErrorName$handle() {
        return cuGetErrorName.HANDLE;
    }

    /** {@code CUresult cuGetErrorName(CUresult error, const char **pStr)} */
    public static int cuGetErrorName(int error, MemorySegment pStr) {
        var mh$ = cuGetErrorName.HANDLE;
        try {
            return (int) mh$.invokeExact(error, pStr);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class cuGetErrorString {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_INT,
                C_POINTER);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("cuGetErrorString"), DESC);
    }

    /** {@code CUresult cuGetErrorString(CUresult error, const char **pStr)} */
    public static FunctionDescriptor cuGetErrorString$descriptor() {
        return cuGetErrorString.DESC;
    }

    /** {@code CUresult cuGetErrorString(CUresult error, const char **pStr)} */
    public static MethodHandle cuGetErrorString$handle() {
        return cuGetErrorString.HANDLE;
    }

    /** {@code CUresult cuGetErrorString(CUresult error, const char **pStr)} */
    public static int cuGetErrorString(int error, MemorySegment pStr) {
        var mh$ = cuGetErrorString.HANDLE;
        try {
            return (int) mh$.invokeExact(error, pStr);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }
}
