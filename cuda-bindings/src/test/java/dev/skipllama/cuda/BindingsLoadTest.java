package dev.skipllama.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.lang.foreign.FunctionDescriptor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.Test;

/**
 * The binding classes initialise on any machine: the libraries are opened by the first downcall,
 * never by class initialisation, so a JVM without CUDA can load them and report why CUDA is missing.
 */
class BindingsLoadTest {

    @Test
    void headerClassesInitialiseWithoutTouchingNativeCode() throws Exception {
        for (Class<?> header : new Class<?>[]{cuda_h.class, cublas_api_h.class, nvrtc_h.class}) {
            Class.forName(header.getName(), true, header.getClassLoader());
        }
        assertEquals(0, cuda_h.CUDA_SUCCESS());
        assertEquals(100, cuda_h.CUDA_ERROR_NO_DEVICE());
        assertEquals(68, cublas_api_h.CUBLAS_COMPUTE_32F());
        assertEquals(-1, cublas_api_h.CUBLAS_GEMM_DEFAULT());
        assertEquals(14, cublas_api_h.CUDA_R_16BF());
        assertEquals(0, nvrtc_h.NVRTC_SUCCESS());
    }

    @Test
    void descriptorsMatchTheCSignatures() {
        // Reading a descriptor initialises the function's holder, which looks the symbol up; so only
        // count parameters through reflection on the Java wrappers here.
        assertEquals(11, paramCount(cuda_h.class, "cuLaunchKernel"));
        assertEquals(19, paramCount(cublas_api_h.class, "cublasGemmEx"));
        assertEquals(23, paramCount(cublas_api_h.class, "cublasGemmStridedBatchedEx"));
        assertEquals(14, paramCount(cublas_api_h.class, "cublasSgemm_v2"));
        assertEquals(6, paramCount(nvrtc_h.class, "nvrtcCreateProgram"));
        assertEquals(long.class, param(cuda_h.class, "cuMemFree_v2", 0), "CUdeviceptr is unsigned long long");
        assertEquals(long.class, param(cublas_api_h.class, "cublasGemmStridedBatchedEx", 10), "strideA is long long");
    }

    private static int paramCount(Class<?> c, String name) {
        return wrapper(c, name).getParameterCount();
    }

    private static Class<?> param(Class<?> c, String name, int i) {
        return wrapper(c, name).getParameterTypes()[i];
    }

    private static Method wrapper(Class<?> c, String name) {
        for (Method m : c.getMethods()) {
            if (m.getName().equals(name) && Modifier.isStatic(m.getModifiers()) && m.getReturnType() != FunctionDescriptor.class) {
                return m;
            }
        }
        throw new AssertionError(c.getSimpleName() + " has no function " + name);
    }

    @Test
    void lookupsAreLazy() {
        assertNotNull(CudaLibraries.lookup("no-such-library-anywhere"), "making a lookup must not open anything");
    }
}
