// out[r, o] = Σ_i w[o, i] · x[r, i]: ReferenceBackend.matmul for one row or a few. One warp per
// output and group of up to four rows (blockDim.x / 32 outputs per block along grid.x, groups along
// grid.y = ⌈rows / 4⌉): the warp loads each weight once for the whole group, so verifying a few
// speculated tokens costs little more weight traffic than one token. A row's result never depends on
// its group or batch: every row runs the same sequence of FMAs on the same lanes, which
// self-speculative verification relies on. Quantized weights are decoded in registers (w = d · q,
// as Dequantize does).
#include "common.cuh"

#define GROUP 4

#define OUTPUT_AND_ROWS                                                         \
    int lane = threadIdx.x & 31;                                                \
    int o = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);                \
    if (o >= nOut) return;                                                      \
    int r0 = blockIdx.y * GROUP;                                                \
    int nr = rows - r0 < GROUP ? rows - r0 : GROUP;                             \
    const float* x0 = x + (size_t) r0 * nIn;                                    \
    float s[GROUP] = {0.0f, 0.0f, 0.0f, 0.0f};

// nr is the same for the whole warp, so every lane takes part in each warp_sum.
#define STORE_ROWS                                                              \
    for (int r = 0; r < GROUP; r++) {                                           \
        if (r < nr) {                                                           \
            float t = warp_sum(s[r]);                                           \
            if (lane == 0) out[(size_t) (r0 + r) * nOut + o] = t;               \
        }                                                                       \
    }

// s[r] += w · x[r, i] for the group's rows, s kept in registers (constant indices once unrolled).
#define EACH_ROW(stmt)                                                          \
    _Pragma("unroll") for (int r = 0; r < GROUP; r++) {                         \
        if (r < nr) { stmt; }                                                   \
    }

// F32/F16/BF16 weights: lane l takes elements [8l + 256k, 8l + 256k + 8) in order, then the tail
// 8⌊n/8⌋ + l + 32k. That order is the same whether the eight go through 16-byte loads (weight row and
// the group's activation rows all aligned, as in every real model) or one by one, so a result never
// depends on where a row sits in memory, only on its data.
template <bool BF16>
__device__ __forceinline__ float half_to_f32(unsigned int h) {
    return BF16 ? bf16_to_f32((unsigned short) h) : f16_to_f32((unsigned short) h);
}

// The weight types of the dense kernel: one weight as a float, or eight from a 16-byte-aligned place.
struct F32Weights {
    typedef float T;
    static __device__ __forceinline__ float at(const float* w, int i) { return w[i]; }
    static __device__ __forceinline__ void eight(const float* w, f32x4& p, f32x4& q) {
        p = load_f32x4(w);
        q = load_f32x4(w + 4);
    }
};

// F16/BF16: one 16-byte word holds eight weights, element 2k in the low half of word k.
template <bool BF16>
struct HalfWeights {
    typedef unsigned short T;
    static __device__ __forceinline__ float at(const unsigned short* w, int i) { return half_to_f32<BF16>(w[i]); }
    static __device__ __forceinline__ void eight(const unsigned short* w, f32x4& p, f32x4& q) {
        u32x4 h = load_u32x4(w);
        p = {half_to_f32<BF16>(h.x & 0xffffu), half_to_f32<BF16>(h.x >> 16), half_to_f32<BF16>(h.y & 0xffffu), half_to_f32<BF16>(h.y >> 16)};
        q = {half_to_f32<BF16>(h.z & 0xffffu), half_to_f32<BF16>(h.z >> 16), half_to_f32<BF16>(h.w & 0xffffu), half_to_f32<BF16>(h.w >> 16)};
    }
};

__device__ __forceinline__ float dot8(f32x4 p, f32x4 q, f32x4 a, f32x4 b, float s) {
    s = fmaf(p.x, a.x, s); s = fmaf(p.y, a.y, s); s = fmaf(p.z, a.z, s); s = fmaf(p.w, a.w, s);
    s = fmaf(q.x, b.x, s); s = fmaf(q.y, b.y, s); s = fmaf(q.z, b.z, s); s = fmaf(q.w, b.w, s);
    return s;
}

// Whether the weight row and every activation row of the group allow 16-byte loads.
__device__ __forceinline__ bool wide_loads(const void* wr, const float* x0, int nIn, int nr) {
    bool ok = aligned16(wr);
    for (int r = 0; r < nr; r++) {
        ok = ok && aligned16(x0 + (size_t) r * nIn);
    }
    return ok;
}

template <class W>
__device__ __forceinline__ void matmul_dense(const typename W::T* w, const float* x, float* out, int nOut, int nIn, int rows) {
    OUTPUT_AND_ROWS
    const typename W::T* wr = w + (size_t) o * nIn;
    int n8 = nIn & ~7;
    if (wide_loads(wr, x0, nIn, nr)) {
        for (int i = lane * 8; i < n8; i += 256) {
            f32x4 p, q;
            W::eight(wr + i, p, q);
            EACH_ROW(const float* xr = x0 + (size_t) r * nIn + i; s[r] = dot8(p, q, load_f32x4(xr), load_f32x4(xr + 4), s[r]))
        }
    } else {
        for (int i = lane * 8; i < n8; i += 256) {
            for (int j = 0; j < 8; j++) {
                float wv = W::at(wr, i + j);
                EACH_ROW(s[r] = fmaf(wv, x0[(size_t) r * nIn + i + j], s[r]))
            }
        }
    }
    for (int i = n8 + lane; i < nIn; i += 32) {
        float wv = W::at(wr, i);
        EACH_ROW(s[r] = fmaf(wv, x0[(size_t) r * nIn + i], s[r]))
    }
    STORE_ROWS
}

extern "C" __global__ void matmul_f32(const float* w, const float* x, float* out, int nOut, int nIn, int rows) {
    matmul_dense<F32Weights>(w, x, out, nOut, nIn, rows);
}

extern "C" __global__ void matmul_f16(const unsigned short* w, const float* x, float* out, int nOut, int nIn, int rows) {
    matmul_dense<HalfWeights<false>>(w, x, out, nOut, nIn, rows);
}

extern "C" __global__ void matmul_bf16(const unsigned short* w, const float* x, float* out, int nOut, int nIn, int rows) {
    matmul_dense<HalfWeights<true>>(w, x, out, nOut, nIn, rows);
}

// Quantized weights: eight lanes per 32-element block, so a warp step covers four whole blocks (136
// or 72 contiguous bytes) and 128 contiguous activations of each row; each lane loads its block's
// scale (eight lanes, one address: a broadcast). Q8_0: lane l takes elements 4(l mod 8) … +3 of
// block l/8 + 4k.
extern "C" __global__ void matmul_q8_0(const unsigned char* w, const float* x, float* out, int nOut, int nIn, int rows) {
    OUTPUT_AND_ROWS
    int blocks = nIn / QK, sub = lane & 7;
    const unsigned char* wr = w + (size_t) o * blocks * Q8_0_BYTES;
    for (int b = lane >> 3; b < blocks; b += 4) {
        const unsigned char* blk = wr + (size_t) b * Q8_0_BYTES;
        float d = f16_to_f32(load_u16(blk));
        const signed char* q = (const signed char*) blk + 2 + 4 * sub;
        float w0 = __fmul_rn(d, (float) q[0]), w1 = __fmul_rn(d, (float) q[1]);
        float w2 = __fmul_rn(d, (float) q[2]), w3 = __fmul_rn(d, (float) q[3]);
        EACH_ROW(const float* xb = x0 + (size_t) r * nIn + b * QK + 4 * sub;
                 s[r] = fmaf(w0, xb[0], s[r]); s[r] = fmaf(w1, xb[1], s[r]);
                 s[r] = fmaf(w2, xb[2], s[r]); s[r] = fmaf(w3, xb[3], s[r]))
    }
    STORE_ROWS
}

// Q4_0: lane l takes bytes 2(l mod 8) and +1 of block l/8 + 4k: elements j, j+1 (low nibbles) and
// j+16, j+17 (high nibbles), j = 2(l mod 8).
extern "C" __global__ void matmul_q4_0(const unsigned char* w, const float* x, float* out, int nOut, int nIn, int rows) {
    OUTPUT_AND_ROWS
    int blocks = nIn / QK, sub = lane & 7;
    const unsigned char* wr = w + (size_t) o * blocks * Q4_0_BYTES;
    for (int b = lane >> 3; b < blocks; b += 4) {
        const unsigned char* blk = wr + (size_t) b * Q4_0_BYTES;
        float d = f16_to_f32(load_u16(blk));
        int q0 = blk[2 + 2 * sub], q1 = blk[3 + 2 * sub];
        float w0 = __fmul_rn(d, (float) ((q0 & 0xF) - 8)), w1 = __fmul_rn(d, (float) ((q1 & 0xF) - 8));
        float w2 = __fmul_rn(d, (float) ((q0 >> 4) - 8)), w3 = __fmul_rn(d, (float) ((q1 >> 4) - 8));
        EACH_ROW(const float* xb = x0 + (size_t) r * nIn + b * QK + 2 * sub;
                 s[r] = fmaf(w0, xb[0], s[r]); s[r] = fmaf(w1, xb[1], s[r]);
                 s[r] = fmaf(w2, xb[16], s[r]); s[r] = fmaf(w3, xb[17], s[r]))
    }
    STORE_ROWS
}
