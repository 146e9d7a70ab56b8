// Elementwise ops over n floats: ReferenceBackend.swiglu and .add. Grid-stride loops.
#include "common.cuh"

// silu(g) · up with sigmoid from e = exp(-|g|), which cannot overflow (CpuBackend does the same).
extern "C" __global__ void swiglu(const float* gate, const float* up, float* out, long long n) {
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        float g = gate[i];
        float e = expf(-fabsf(g));
        float sig = (g < 0.0f ? e : 1.0f) / (e + 1.0f);
        out[i] = __fmul_rn(__fmul_rn(g, sig), up[i]);
    }
}

extern "C" __global__ void add(const float* a, const float* b, float* out, long long n) {
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        out[i] = __fadd_rn(a[i], b[i]);
    }
}
