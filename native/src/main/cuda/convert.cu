// F32 activations → F16 / BF16, round to nearest even, for cuBLAS's GemmEx, whose A and B must share
// a type. BF16 rounding is done on the bits because cvt.rn.bf16.f32 needs sm_80 and we target sm_75.
#include "common.cuh"

extern "C" __global__ void f32_to_f16(const float* in, unsigned short* out, long long n) {
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        unsigned short h;
        asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(in[i]));
        out[i] = h;
    }
}

extern "C" __global__ void f32_to_bf16(const float* in, unsigned short* out, long long n) {
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        unsigned int u = __float_as_uint(in[i]);
        if ((u & 0x7fffffffu) > 0x7f800000u) {
            out[i] = (unsigned short) ((u >> 16) | 0x40u); // NaN stays a (quiet) NaN
        } else {
            out[i] = (unsigned short) ((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
        }
    }
}
