package dev.skipllama.cuda;

/** A CUDA shared library could not be found; the message lists every place that was searched. */
public final class CudaLibraryNotFoundException extends RuntimeException {
    public CudaLibraryNotFoundException(String message) {
        super(message);
    }
}
