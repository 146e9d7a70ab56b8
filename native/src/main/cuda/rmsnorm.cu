// out[r, i] = x[r, i] · scale_r · weight[i], scale_r = 1 / sqrt(mean_i x[r, i]² + eps): ReferenceBackend.rmsnorm.
// One block per row. The scale is rounded as CpuBackend rounds it (float mean, double sqrt).
#include "common.cuh"

extern "C" __global__ void rmsnorm(const float* x, const float* weight, float* out, int d, float eps) {
    __shared__ float scratch[32];
    const float* xr = x + (size_t) blockIdx.x * d;
    float* outr = out + (size_t) blockIdx.x * d;
    float ss = 0.0f;
    for (int i = threadIdx.x; i < d; i += blockDim.x) {
        ss = fmaf(xr[i], xr[i], ss);
    }
    ss = block_sum(ss, scratch);
    float mean = __fadd_rn(__fdiv_rn(ss, (float) d), eps);
    float scale = (float) (1.0 / sqrt((double) mean));
    for (int i = threadIdx.x; i < d; i += blockDim.x) {
        outr[i] = __fmul_rn(__fmul_rn(xr[i], scale), weight[i]);
    }
}
