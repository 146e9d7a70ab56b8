// Causal grouped-query attention over the F32 KV cache: ReferenceBackend.attention. One block per
// (head, row): query row r at position p attends to cache rows 0..p of its kv-head. Scores go to a
// global scratch row of `span` floats per (row, head), span = the last position of the batch + 1
// (not the cache's capacity: a long-context session's prompt would otherwise need gigabytes).
#include "common.cuh"

extern "C" __global__ void attention(const float* q, const float* k, const float* v, float* out, float* scores,
                                     const int* positions, int pos0, int nHeads, int nKvHeads, int headDim,
                                     int span, float scale) {
    __shared__ float scratch[32];
    int h = blockIdx.x, r = blockIdx.y;
    int qWidth = nHeads * headDim, kvWidth = nKvHeads * headDim;
    int len = position(positions, pos0, r) + 1;
    const float* qr = q + (size_t) r * qWidth + (size_t) h * headDim;
    size_t kvOff = (size_t) (h / (nHeads / nKvHeads)) * headDim;
    float* p = scores + ((size_t) r * nHeads + h) * span;

    float mx = -__int_as_float(0x7f800000);
    for (int t = threadIdx.x; t < len; t += blockDim.x) {
        const float* kt = k + (size_t) t * kvWidth + kvOff;
        float s = 0.0f;
        for (int i = 0; i < headDim; i++) {
            s = fmaf(qr[i], kt[i], s);
        }
        s *= scale;
        p[t] = s;
        mx = fmaxf(mx, s);
    }
    mx = block_max(mx, scratch);
    float inv = 1.0f / exp_shifted_sum(p, len, mx, scratch); // p[] is now visible to the whole block
    float* outr = out + (size_t) r * qWidth + (size_t) h * headDim;
    for (int i = threadIdx.x; i < headDim; i += blockDim.x) {
        const float* vi = v + kvOff + i;
        float o = 0.0f;
        for (int t = 0; t < len; t++) {
            o = fmaf(p[t], vi[(size_t) t * kvWidth], o);
        }
        outr[i] = o * inv;
    }
}
