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

// Q8_0 / Q4_0 weight rows → F32, w = d · q exactly as Dequantize does (the product of an F16 scale and
// a small integer is exact in F32), for prompt-sized batches: SGEMM on the decoded rows reads each
// weight once per batch where the matmul kernels read it once per row. One thread per element.
extern "C" __global__ void dequant_q8_0(const unsigned char* w, float* out, long long n) {
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        const unsigned char* blk = w + (i / QK) * Q8_0_BYTES;
        out[i] = __fmul_rn(f16_to_f32(load_u16(blk)), (float) (signed char) blk[2 + i % QK]);
    }
}

extern "C" __global__ void dequant_q4_0(const unsigned char* w, float* out, long long n) {
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        const unsigned char* blk = w + (i / QK) * Q4_0_BYTES;
        int j = (int) (i % QK);
        int q = blk[2 + (j & 15)];
        out[i] = __fmul_rn(f16_to_f32(load_u16(blk)), (float) ((j < 16 ? (q & 0xF) : (q >> 4)) - 8));
    }
}
