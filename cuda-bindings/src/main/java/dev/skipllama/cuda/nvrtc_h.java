// In the layout jextract produces for nvrtc.h (regenerate with cuda-bindings/jextract.sh), written by hand
// because jextract cannot be installed where this was built. One difference on purpose: the library
// is looked up in a holder class on the first call, not when this class initialises, so the class
// loads (and the CUDA backend can report why CUDA is missing) on machines without NVRTC.
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
public final class nvrtc_h {

    nvrtc_h() {
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
        static final SymbolLookup LOOKUP = CudaLibraries.lookup(CudaLibraries.NVRTC);
    }

    /** Whether {@code name} is exported by the library (opens it; throws when it cannot be found). */
    public static boolean hasSymbol(String name) {
        return Lib.LOOKUP.find(name).isPresent();
    }

    private static final int NVRTC_SUCCESS = (int) 0L;

    /** {@code NVRTC_SUCCESS = 0} */
    public static int NVRTC_SUCCESS() {
        return NVRTC_SUCCESS;
    }

    private static final int NVRTC_ERROR_COMPILATION = (int) 6L;

    /** {@code NVRTC_ERROR_COMPILATION = 6} */
    public static int NVRTC_ERROR_COMPILATION() {
        return NVRTC_ERROR_COMPILATION;
    }

    private static class nvrtcVersion {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER,
                C_POINTER);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("nvrtcVersion"), DESC);
    }

    /** {@code nvrtcResult nvrtcVersion(int *major, int *minor)} */
    public static FunctionDescriptor nvrtcVersion$descriptor() {
        return nvrtcVersion.DESC;
    }

    /** {@code nvrtcResult nvrtcVersion(int *major, int *minor)} */
    public static MethodHandle nvrtcVersion$handle() {
        return nvrtcVersion.HANDLE;
    }

    /** {@code nvrtcResult nvrtcVersion(int *major, int *minor)} */
    public static int nvrtcVersion(MemorySegment major, MemorySegment minor) {
        var mh$ = nvrtcVersion.HANDLE;
        try {
            return (int) mh$.invokeExact(major, minor);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class nvrtcGetErrorString {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER,
                C_INT);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("nvrtcGetErrorString"), DESC);
    }

    /** {@code const char *nvrtcGetErrorString(nvrtcResult result)} */
    public static FunctionDescriptor nvrtcGetErrorString$descriptor() {
        return nvrtcGetErrorString.DESC;
    }

    /** {@code const char *nvrtcGetErrorString(nvrtcResult result)} */
    public static MethodHandle nvrtcGetErrorString$handle() {
        return nvrtcGetErrorString.HANDLE;
    }

    /** {@code const char *nvrtcGetErrorString(nvrtcResult result)} */
    public static MemorySegment nvrtcGetErrorString(int result) {
        var mh$ = nvrtcGetErrorString.HANDLE;
        try {
            return (MemorySegment) mh$.invokeExact(result);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class nvrtcCreateProgram {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER,
                C_POINTER,
                C_POINTER,
                C_INT,
                C_POINTER,
                C_POINTER);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("nvrtcCreateProgram"), DESC);
    }

    /** {@code nvrtcResult nvrtcCreateProgram(nvrtcProgram *prog, const char *src, const char *name, int numHeaders, const char * const *headers, const char * const *includeNames)} */
    public static FunctionDescriptor nvrtcCreateProgram$descriptor() {
        return nvrtcCreateProgram.DESC;
    }

    /** {@code nvrtcResult nvrtcCreateProgram(nvrtcProgram *prog, const char *src, const char *name, int numHeaders, const char * const *headers, const char * const *includeNames)} */
    public static MethodHandle nvrtcCreateProgram$handle() {
        return nvrtcCreateProgram.HANDLE;
    }

    /** {@code nvrtcResult nvrtcCreateProgram(nvrtcProgram *prog, const char *src, const char *name, int numHeaders, const char * const *headers, const char * const *includeNames)} */
    public static int nvrtcCreateProgram(MemorySegment prog, MemorySegment src, MemorySegment name, int numHeaders, MemorySegment headers, MemorySegment includeNames) {
        var mh$ = nvrtcCreateProgram.HANDLE;
        try {
            return (int) mh$.invokeExact(prog, src, name, numHeaders, headers, includeNames);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class nvrtcDestroyProgram {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("nvrtcDestroyProgram"), DESC);
    }

    /** {@code nvrtcResult nvrtcDestroyProgram(nvrtcProgram *prog)} */
    public static FunctionDescriptor nvrtcDestroyProgram$descriptor() {
        return nvrtcDestroyProgram.DESC;
    }

    /** {@code nvrtcResult nvrtcDestroyProgram(nvrtcProgram *prog)} */
    public static MethodHandle nvrtcDestroyProgram$handle() {
        return nvrtcDestroyProgram.HANDLE;
    }

    /** {@code nvrtcResult nvrtcDestroyProgram(nvrtcProgram *prog)} */
    public static int nvrtcDestroyProgram(MemorySegment prog) {
        var mh$ = nvrtcDestroyProgram.HANDLE;
        try {
            return (int) mh$.invokeExact(prog);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class nvrtcCompileProgram {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER,
                C_INT,
                C_POINTER);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("nvrtcCompileProgram"), DESC);
    }

    /** {@code nvrtcResult nvrtcCompileProgram(nvrtcProgram prog, int numOptions, const char * const *options)} */
    public static FunctionDescriptor nvrtcCompileProgram$descriptor() {
        return nvrtcCompileProgram.DESC;
    }

    /** {@code nvrtcResult nvrtcCompileProgram(nvrtcProgram prog, int numOptions, const char * const *options)} */
    public static MethodHandle nvrtcCompileProgram$handle() {
        return nvrtcCompileProgram.HANDLE;
    }

    /** {@code nvrtcResult nvrtcCompileProgram(nvrtcProgram prog, int numOptions, const char * const *options)} */
    public static int nvrtcCompileProgram(MemorySegment prog, int numOptions, MemorySegment options) {
        var mh$ = nvrtcCompileProgram.HANDLE;
        try {
            return (int) mh$.invokeExact(prog, numOptions, options);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class nvrtcGetPTXSize {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER,
                C_POINTER);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("nvrtcGetPTXSize"), DESC);
    }

    /** {@code nvrtcResult nvrtcGetPTXSize(nvrtcProgram prog, size_t *ptxSizeRet)} */
    public static FunctionDescriptor nvrtcGetPTXSize$descriptor() {
        return nvrtcGetPTXSize.DESC;
    }

    /** {@code nvrtcResult nvrtcGetPTXSize(nvrtcProgram prog, size_t *ptxSizeRet)} */
    public static MethodHandle nvrtcGetPTXSize$handle() {
        return nvrtcGetPTXSize.HANDLE;
    }

    /** {@code nvrtcResult nvrtcGetPTXSize(nvrtcProgram prog, size_t *ptxSizeRet)} */
    public static int nvrtcGetPTXSize(MemorySegment prog, MemorySegment ptxSizeRet) {
        var mh$ = nvrtcGetPTXSize.HANDLE;
        try {
            return (int) mh$.invokeExact(prog, ptxSizeRet);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class nvrtcGetPTX {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER,
                C_POINTER);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("nvrtcGetPTX"), DESC);
    }

    /** {@code nvrtcResult nvrtcGetPTX(nvrtcProgram prog, char *ptx)} */
    public static FunctionDescriptor nvrtcGetPTX$descriptor() {
        return nvrtcGetPTX.DESC;
    }

    /** {@code nvrtcResult nvrtcGetPTX(nvrtcProgram prog, char *ptx)} */
    public static MethodHandle nvrtcGetPTX$handle() {
        return nvrtcGetPTX.HANDLE;
    }

    /** {@code nvrtcResult nvrtcGetPTX(nvrtcProgram prog, char *ptx)} */
    public static int nvrtcGetPTX(MemorySegment prog, MemorySegment ptx) {
        var mh$ = nvrtcGetPTX.HANDLE;
        try {
            return (int) mh$.invokeExact(prog, ptx);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class nvrtcGetProgramLogSize {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER,
                C_POINTER);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("nvrtcGetProgramLogSize"), DESC);
    }

    /** {@code nvrtcResult nvrtcGetProgramLogSize(nvrtcProgram prog, size_t *logSizeRet)} */
    public static FunctionDescriptor nvrtcGetProgramLogSize$descriptor() {
        return nvrtcGetProgramLogSize.DESC;
    }

    /** {@code nvrtcResult nvrtcGetProgramLogSize(nvrtcProgram prog, size_t *logSizeRet)} */
    public static MethodHandle nvrtcGetProgramLogSize$handle() {
        return nvrtcGetProgramLogSize.HANDLE;
    }

    /** {@code nvrtcResult nvrtcGetProgramLogSize(nvrtcProgram prog, size_t *logSizeRet)} */
    public static int nvrtcGetProgramLogSize(MemorySegment prog, MemorySegment logSizeRet) {
        var mh$ = nvrtcGetProgramLogSize.HANDLE;
        try {
            return (int) mh$.invokeExact(prog, logSizeRet);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class nvrtcGetProgramLog {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT,
                C_POINTER,
                C_POINTER);

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(Lib.LOOKUP.findOrThrow("nvrtcGetProgramLog"), DESC);
    }

    /** {@code nvrtcResult nvrtcGetProgramLog(nvrtcProgram prog, char *log)} */
    public static FunctionDescriptor nvrtcGetProgramLog$descriptor() {
        return nvrtcGetProgramLog.DESC;
    }

    /** {@code nvrtcResult nvrtcGetProgramLog(nvrtcProgram prog, char *log)} */
    public static MethodHandle nvrtcGetProgramLog$handle() {
        return nvrtcGetProgramLog.HANDLE;
    }

    /** {@code nvrtcResult nvrtcGetProgramLog(nvrtcProgram prog, char *log)} */
    public static int nvrtcGetProgramLog(MemorySegment prog, MemorySegment log) {
        var mh$ = nvrtcGetProgramLog.HANDLE;
        try {
            return (int) mh$.invokeExact(prog, log);
        } catch (Error | RuntimeException ex) {
            throw ex;
        } catch (Throwable ex$) {
            throw new AssertionError("should not reach here", ex$);
        }
    }
}
