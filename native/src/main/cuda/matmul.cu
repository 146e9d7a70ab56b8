// out[r, o] = Σ_i w[o, i] · x[r, i]: ReferenceBackend.matmul for one row or a few. One warp per
// (output, row): blockDim.x / 32 outputs per block along grid.x, rows along grid.y. A row's result
// never depends on the other rows of the batch (same lanes, same order), which self-speculative
// verification relies on. Quantized weights are decoded in registers (w = d · q, as Dequantize does).
#include "common.cuh"

#define OUTPUT_AND_ROW                                              \
    int lane = threadIdx.x & 31;                                    \
    int o = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);    \
    if (o >= nOut) return;                                          \
    const float* xr = x + (size_t) blockIdx.y * nIn;

#define STORE(s)                                                    \
    s = warp_sum(s);                                                \
    if (lane == 0) out[(size_t) blockIdx.y * nOut + o] = s;

// F32/F16/BF16 weights: lane l takes elements [8l + 256k, 8l + 256k + 8) in order, then the tail
// 8⌊n/8⌋ + l + 32k. That order is the same whether the eight go through 16-byte loads (weight row and
// activation row both aligned, as in every real model) or one by one, so the result never depends on
// where a row sits in memory, only on its data.
template <bool BF16>
__device__ __forceinline__ float half_to_f32(unsigned int h) {
    return BF16 ? bf16_to_f32((unsigned short) h) : f16_to_f32((unsigned short) h);
}

// The eight two-byte weights of a 16-byte word (element 2k in the low half of word k) times a, b.
template <bool BF16>
__device__ __forceinline__ float dot8(u32x4 h, f32x4 a, f32x4 b, float s) {
    s = fmaf(half_to_f32<BF16>(h.x & 0xffffu), a.x, s); s = fmaf(half_to_f32<BF16>(h.x >> 16), a.y, s);
    s = fmaf(half_to_f32<BF16>(h.y & 0xffffu), a.z, s); s = fmaf(half_to_f32<BF16>(h.y >> 16), a.w, s);
    s = fmaf(half_to_f32<BF16>(h.z & 0xffffu), b.x, s); s = fmaf(half_to_f32<BF16>(h.z >> 16), b.y, s);
    s = fmaf(half_to_f32<BF16>(h.w & 0xffffu), b.z, s); s = fmaf(half_to_f32<BF16>(h.w >> 16), b.w, s);
    return s;
}

template <bool BF16>
__device__ __forceinline__ void matmul_half(const unsigned short* w, const float* x, float* out, int nOut, int nIn) {
    OUTPUT_AND_ROW
    const unsigned short* wr = w + (size_t) o * nIn;
    int n8 = nIn & ~7;
    float s = 0.0f;
    if (aligned16(wr) && aligned16(xr)) {
        for (int i = lane * 8; i < n8; i += 256) {
            s = dot8<BF16>(load_u32x4(wr + i), load_f32x4(xr + i), load_f32x4(xr + i + 4), s);
        }
    } else {
        for (int i = lane * 8; i < n8; i += 256) {
            for (int j = 0; j < 8; j++) {
                s = fmaf(half_to_f32<BF16>(wr[i + j]), xr[i + j], s);
            }
        }
    }
    for (int i = n8 + lane; i < nIn; i += 32) {
        s = fmaf(half_to_f32<BF16>(wr[i]), xr[i], s);
    }
    STORE(s)
}

extern "C" __global__ void matmul_f16(const unsigned short* w, const float* x, float* out, int nOut, int nIn) {
    matmul_half<false>(w, x, out, nOut, nIn);
}

extern "C" __global__ void matmul_bf16(const unsigned short* w, const float* x, float* out, int nOut, int nIn) {
    matmul_half<true>(w, x, out, nOut, nIn);
}

extern "C" __global__ void matmul_f32(const float* w, const float* x, float* out, int nOut, int nIn) {
    OUTPUT_AND_ROW
    const float* wr = w + (size_t) o * nIn;
    int n8 = nIn & ~7;
    float s = 0.0f;
    if (aligned16(wr) && aligned16(xr)) {
        for (int i = lane * 8; i < n8; i += 256) {
            f32x4 p = load_f32x4(wr + i), q = load_f32x4(wr + i + 4);
            f32x4 a = load_f32x4(xr + i), b = load_f32x4(xr + i + 4);
            s = fmaf(p.x, a.x, s); s = fmaf(p.y, a.y, s); s = fmaf(p.z, a.z, s); s = fmaf(p.w, a.w, s);
            s = fmaf(q.x, b.x, s); s = fmaf(q.y, b.y, s); s = fmaf(q.z, b.z, s); s = fmaf(q.w, b.w, s);
        }
    } else {
        for (int i = lane * 8; i < n8; i += 256) {
            for (int j = 0; j < 8; j++) {
                s = fmaf(wr[i + j], xr[i + j], s);
            }
        }
    }
    for (int i = n8 + lane; i < nIn; i += 32) {
        s = fmaf(wr[i], xr[i], s);
    }
    STORE(s)
}

// Quantized weights: eight lanes per 32-element block, so a warp step covers four whole blocks (136
// or 72 contiguous bytes) and 128 contiguous activations; each lane loads its block's scale (eight
// lanes, one address: a broadcast). Q8_0: lane l takes elements 4(l mod 8) … +3 of block l/8 + 4k.
extern "C" __global__ void matmul_q8_0(const unsigned char* w, const float* x, float* out, int nOut, int nIn) {
    OUTPUT_AND_ROW
    int blocks = nIn / QK, sub = lane & 7;
    const unsigned char* wr = w + (size_t) o * blocks * Q8_0_BYTES;
    float s = 0.0f;
    for (int b = lane >> 3; b < blocks; b += 4) {
        const unsigned char* blk = wr + (size_t) b * Q8_0_BYTES;
        float d = f16_to_f32(load_u16(blk));
        const signed char* q = (const signed char*) blk + 2 + 4 * sub;
        const float* xb = xr + b * QK + 4 * sub;
        for (int j = 0; j < 4; j++) {
            s = fmaf(__fmul_rn(d, (float) q[j]), xb[j], s);
        }
    }
    STORE(s)
}

// Q4_0: lane l takes bytes 2(l mod 8) and +1 of block l/8 + 4k: elements j, j+1 (low nibbles) and
// j+16, j+17 (high nibbles), j = 2(l mod 8).
extern "C" __global__ void matmul_q4_0(const unsigned char* w, const float* x, float* out, int nOut, int nIn) {
    OUTPUT_AND_ROW
    int blocks = nIn / QK, sub = lane & 7;
    const unsigned char* wr = w + (size_t) o * blocks * Q4_0_BYTES;
    float s = 0.0f;
    for (int b = lane >> 3; b < blocks; b += 4) {
        const unsigned char* blk = wr + (size_t) b * Q4_0_BYTES;
        float d = f16_to_f32(load_u16(blk));
        int q0 = blk[2 + 2 * sub], q1 = blk[3 + 2 * sub];
        const float* xb = xr + b * QK + 2 * sub;
        s = fmaf(__fmul_rn(d, (float) ((q0 & 0xF) - 8)), xb[0], s);
        s = fmaf(__fmul_rn(d, (float) ((q1 & 0xF) - 8)), xb[1], s);
        s = fmaf(__fmul_rn(d, (float) ((q0 >> 4) - 8)), xb[16], s);
        s = fmaf(__fmul_rn(d, (float) ((q1 >> 4) - 8)), xb[17], s);
    }
    STORE(s)
}
