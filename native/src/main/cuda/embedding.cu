// out[r] = table[tokens[r]] decoded to F32: ReferenceBackend.embedding, bit for bit (Dequantize's
// products d · q are single float multiplications here too). One block per token.
#include "common.cuh"

extern "C" __global__ void embedding_f32(const float* table, const int* tokens, float* out, int d) {
    const float* row = table + (size_t) tokens[blockIdx.x] * d;
    for (int i = threadIdx.x; i < d; i += blockDim.x) {
        out[(size_t) blockIdx.x * d + i] = row[i];
    }
}

extern "C" __global__ void embedding_f16(const unsigned short* table, const int* tokens, float* out, int d) {
    const unsigned short* row = table + (size_t) tokens[blockIdx.x] * d;
    for (int i = threadIdx.x; i < d; i += blockDim.x) {
        out[(size_t) blockIdx.x * d + i] = f16_to_f32(row[i]);
    }
}

extern "C" __global__ void embedding_bf16(const unsigned short* table, const int* tokens, float* out, int d) {
    const unsigned short* row = table + (size_t) tokens[blockIdx.x] * d;
    for (int i = threadIdx.x; i < d; i += blockDim.x) {
        out[(size_t) blockIdx.x * d + i] = bf16_to_f32(row[i]);
    }
}

extern "C" __global__ void embedding_q8_0(const unsigned char* table, const int* tokens, float* out, int d) {
    const unsigned char* row = table + (size_t) tokens[blockIdx.x] * (d / QK) * Q8_0_BYTES;
    for (int i = threadIdx.x; i < d; i += blockDim.x) {
        const unsigned char* blk = row + (size_t) (i / QK) * Q8_0_BYTES;
        float scale = f16_to_f32(load_u16(blk));
        out[(size_t) blockIdx.x * d + i] = __fmul_rn(scale, (float) (signed char) blk[2 + i % QK]);
    }
}

extern "C" __global__ void embedding_q4_0(const unsigned char* table, const int* tokens, float* out, int d) {
    const unsigned char* row = table + (size_t) tokens[blockIdx.x] * (d / QK) * Q4_0_BYTES;
    for (int i = threadIdx.x; i < d; i += blockDim.x) {
        const unsigned char* blk = row + (size_t) (i / QK) * Q4_0_BYTES;
        float scale = f16_to_f32(load_u16(blk));
        int j = i % QK;
        int q = j < 16 ? (blk[2 + j] & 0xF) : (blk[2 + j - 16] >> 4);
        out[(size_t) blockIdx.x * d + i] = __fmul_rn(scale, (float) (q - 8));
    }
}
