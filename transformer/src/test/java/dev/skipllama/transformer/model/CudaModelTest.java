package dev.skipllama.transformer.model;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.skipllama.tensor.Backend;
import dev.skipllama.tensor.cuda.CudaBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * The embedded model on the GPU (skipped, with the reason, where there is no CUDA). Tolerances, per
 * logits row, as a fraction of max|logit|: forwards of at most 16 rows run every matmul on our FP32
 * kernels (the weights are F16, decoded exactly), so they differ from the CPU only by summation order
 * and expf: 1e-4, the bound the CPU itself holds against PyTorch. A whole prompt in one forward
 * (15–42 rows) goes through cuBLAS with the activations rounded to F16 (2^-11 relative) before each
 * F16 GEMM, compounded over 12 layers: 1e-2. Greedy tokens must be identical (the decode steps are
 * single rows; the prompt's KV rows come from the batched path).
 */
class CudaModelTest extends DeviceModelContract {
    static CudaBackend cuda;

    @BeforeAll
    static void start() {
        if (CudaBackend.isAvailable()) {
            cuda = new CudaBackend(0);
            System.out.println("CUDA backend: " + cuda.name());
        }
    }

    /** Per test rather than per class, so that each test is reported as skipped, with the reason. */
    @BeforeEach
    void needsCuda() {
        assumeTrue(CudaBackend.isAvailable(), () -> "CUDA is unavailable: " + CudaBackend.unavailableReason());
    }

    @AfterAll
    static void stop() {
        if (cuda != null) {
            cuda.close();
        }
    }

    @Override
    Backend device() {
        return cuda;
    }

    @Override
    double relativeTolerance() {
        return 1e-4;
    }

    @Override
    int smallBatch() {
        return 16;
    }

    @Override
    double batchTolerance() {
        return 1e-2;
    }
}
