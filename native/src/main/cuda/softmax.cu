// Softmax over each row, in place: ReferenceBackend.softmax. One block per row.
#include "common.cuh"

extern "C" __global__ void softmax(float* x, int n) {
    __shared__ float scratch[32];
    float* xr = x + (size_t) blockIdx.x * n;
    float mx = -__int_as_float(0x7f800000);
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        mx = fmaxf(mx, xr[i]);
    }
    mx = block_max(mx, scratch);
    float inv = 1.0f / exp_shifted_sum(xr, n, mx, scratch);
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        xr[i] *= inv;
    }
}
