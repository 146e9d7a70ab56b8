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
    float sum = 0.0f;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        float e = expf(xr[i] - mx);
        xr[i] = e;
        sum += e;
    }
    sum = block_sum(sum, scratch);
    float inv = 1.0f / sum;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        xr[i] *= inv;
    }
}
