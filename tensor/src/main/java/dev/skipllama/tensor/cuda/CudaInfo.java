package dev.skipllama.tensor.cuda;

import dev.skipllama.cuda.CudaLibraries;

/**
 * Prints what the CUDA backend finds on this machine: the libraries, whether it can run and why not,
 * and the device. For the first look at a new GPU machine:
 * {@code java --enable-native-access=ALL-UNNAMED -cp ... dev.skipllama.tensor.cuda.CudaInfo}.
 */
public final class CudaInfo {
    private CudaInfo() {
    }

    public static void main(String[] args) {
        CudaLibraries libs = CudaLibraries.system();
        for (String lib : new String[]{CudaLibraries.DRIVER, CudaLibraries.CUBLAS, CudaLibraries.NVRTC}) {
            System.out.println("lib" + lib + ": " + libs.find(lib).map(Object::toString).orElse("not found in the search path"));
        }
        if (!CudaBackend.isAvailable()) {
            System.out.println("CUDA backend unavailable: " + CudaBackend.unavailableReason());
            return;
        }
        try (CudaBackend b = new CudaBackend(args.length > 0 ? Integer.parseInt(args[0]) : 0)) {
            System.out.println("CUDA backend: " + b.name());
        }
    }
}
