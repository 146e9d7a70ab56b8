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

extern "C" __global__ void matmul_f32(const float* w, const float* x, float* out, int nOut, int nIn) {
    OUTPUT_AND_ROW
    const float* wr = w + (size_t) o * nIn;
    float s = 0.0f;
    for (int i = lane; i < nIn; i += 32) {
        s = fmaf(wr[i], xr[i], s);
    }
    STORE(s)
}

extern "C" __global__ void matmul_f16(const unsigned short* w, const float* x, float* out, int nOut, int nIn) {
    OUTPUT_AND_ROW
    const unsigned short* wr = w + (size_t) o * nIn;
    float s = 0.0f;
    for (int i = lane; i < nIn; i += 32) {
        s = fmaf(f16_to_f32(wr[i]), xr[i], s);
    }
    STORE(s)
}

extern "C" __global__ void matmul_bf16(const unsigned short* w, const float* x, float* out, int nOut, int nIn) {
    OUTPUT_AND_ROW
    const unsigned short* wr = w + (size_t) o * nIn;
    float s = 0.0f;
    for (int i = lane; i < nIn; i += 32) {
        s = fmaf(bf16_to_f32(wr[i]), xr[i], s);
    }
    STORE(s)
}

// Each lane takes whole 32-element blocks: one scale load per 32 products.
extern "C" __global__ void matmul_q8_0(const unsigned char* w, const float* x, float* out, int nOut, int nIn) {
    OUTPUT_AND_ROW
    int blocks = nIn / QK;
    const unsigned char* wr = w + (size_t) o * blocks * Q8_0_BYTES;
    float s = 0.0f;
    for (int b = lane; b < blocks; b += 32) {
        const unsigned char* blk = wr + (size_t) b * Q8_0_BYTES;
        float d = f16_to_f32(load_u16(blk));
        const float* xb = xr + b * QK;
        for (int j = 0; j < QK; j++) {
            s = fmaf(__fmul_rn(d, (float) (signed char) blk[2 + j]), xb[j], s);
        }
    }
    STORE(s)
}

extern "C" __global__ void matmul_q4_0(const unsigned char* w, const float* x, float* out, int nOut, int nIn) {
    OUTPUT_AND_ROW
    int blocks = nIn / QK;
    const unsigned char* wr = w + (size_t) o * blocks * Q4_0_BYTES;
    float s = 0.0f;
    for (int b = lane; b < blocks; b += 32) {
        const unsigned char* blk = wr + (size_t) b * Q4_0_BYTES;
        float d = f16_to_f32(load_u16(blk));
        const float* xb = xr + b * QK;
        for (int j = 0; j < 16; j++) {
            int q = blk[2 + j];
            s = fmaf(__fmul_rn(d, (float) ((q & 0xF) - 8)), xb[j], s);
            s = fmaf(__fmul_rn(d, (float) ((q >> 4) - 8)), xb[j + 16], s);
        }
    }
    STORE(s)
}
