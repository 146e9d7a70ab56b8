// Shared by every kernel file. No CUDA headers are included (the half and bfloat16 conversions are
// written with PTX and bit operations) so that NVRTC can compile these sources without include paths.
#pragma once

// GGUF's layouts, as in ggml-common.h and DType.java.
#define QK 32
#define Q8_0_BYTES 34
#define Q4_0_BYTES 18

__device__ __forceinline__ float f16_to_f32(unsigned short h) {
    float f;
    asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h));
    return f;
}

__device__ __forceinline__ float bf16_to_f32(unsigned short b) {
    return __uint_as_float(((unsigned int) b) << 16);
}

// Unaligned-safe: quantized blocks are 34 or 18 bytes, so their scales sit on 2-byte boundaries only.
__device__ __forceinline__ unsigned short load_u16(const unsigned char* p) {
    return (unsigned short) (p[0] | (p[1] << 8));
}

// 16-byte loads: one instruction moves 512 bytes per warp where 2-byte loads move 64, which is what
// lets a matvec keep enough bytes in flight to approach the memory bandwidth. A misaligned vector
// load faults on the GPU, so callers check aligned16 first (the emulator checks it again).
struct alignas(16) u32x4 { unsigned int x, y, z, w; };
struct alignas(16) f32x4 { float x, y, z, w; };

__device__ __forceinline__ bool aligned16(const void* p) {
    return ((unsigned long long) p & 15) == 0;
}

__device__ __forceinline__ u32x4 load_u32x4(const void* p) {
    return *(const u32x4*) p;
}

__device__ __forceinline__ f32x4 load_f32x4(const float* p) {
    return *(const f32x4*) p;
}

__device__ __forceinline__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) {
        v += __shfl_xor_sync(0xffffffffu, v, o);
    }
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) {
        v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    }
    return v;
}

// Every thread gets the same total, reduced in the same order on every call: results depend only on
// the data and the block size, never on timing. blockDim.x must be a multiple of 32.
__device__ __forceinline__ float block_sum(float v, float* scratch) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    v = warp_sum(v);
    __syncthreads();
    if (lane == 0) {
        scratch[warp] = v;
    }
    __syncthreads();
    v = lane < warps ? scratch[lane] : 0.0f;
    return warp_sum(v);
}

__device__ __forceinline__ float block_max(float v, float* scratch) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    v = warp_max(v);
    __syncthreads();
    if (lane == 0) {
        scratch[warp] = v;
    }
    __syncthreads();
    v = lane < warps ? scratch[lane] : -__int_as_float(0x7f800000);
    return warp_max(v);
}

// p[i] = exp(p[i] - mx) for i < n, in place; returns Σ p[i] to every thread. The barriers of the
// block sum also publish the new p[] to the whole block. Softmax and attention both use it.
__device__ __forceinline__ float exp_shifted_sum(float* p, int n, float mx, float* scratch) {
    float sum = 0.0f;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        float e = expf(p[i] - mx);
        p[i] = e;
        sum += e;
    }
    return block_sum(sum, scratch);
}

// Llama passes consecutive positions, which travel as pos0 alone (positions == nullptr) so that no
// copy to the device is needed; other callers upload the array.
__device__ __forceinline__ int position(const int* positions, int pos0, int r) {
    return positions != nullptr ? positions[r] : pos0 + r;
}

// x rounded to the nearest F16 (ties to even), as a float: Java's Float.float16ToFloat(Float.floatToFloat16(x)).
__device__ __forceinline__ float round_f16(float x) {
    unsigned short h;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(x));
    return f16_to_f32(h);
}
