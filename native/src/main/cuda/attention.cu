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

// Attention over an F16 KV cache: ReferenceBackend.attention's F16 branch, llama.cpp's CPU flash
// attention step for step (the query rounded to F16; per position a score whose exact float products
// are summed in eight double partial sums by i mod 8; a running maximum and sum; the output held in
// F16, rounded after every multiply and every add-of-a-product). One block per (head, row), in three
// phases: every thread scores positions of its own (the partials of a score in one thread, in order);
// thread 0 walks the positions once for the maximum, the sum and the weights, which it leaves in
// place of the scores and their shrink factors beside them (scratch of 2·span floats per (row, head));
// each thread then accumulates output elements of its own over the positions in order.
extern "C" __global__ void attention_f16(const float* q, const unsigned short* k, const unsigned short* v, float* out,
                                         float* scores, const int* positions, int pos0, int nHeads, int nKvHeads,
                                         int headDim, int span, float scale) {
    __shared__ float total;
    int h = blockIdx.x, r = blockIdx.y;
    int qWidth = nHeads * headDim, kvWidth = nKvHeads * headDim;
    int len = position(positions, pos0, r) + 1;
    const float* qr = q + (size_t) r * qWidth + (size_t) h * headDim;
    size_t kvOff = (size_t) (h / (nHeads / nKvHeads)) * headDim;
    float* w = scores + ((size_t) r * nHeads + h) * 2 * span;
    float* m = w + span;

    for (int t = threadIdx.x; t < len; t += blockDim.x) {
        const unsigned short* kt = k + (size_t) t * kvWidth + kvOff;
        double p[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        for (int i = 0; i < headDim; i++) {
            p[i & 7] += (double) __fmul_rn(round_f16(qr[i]), f16_to_f32(kt[i])); // exact: two halves' product
        }
        w[t] = __fmul_rn((float) (((p[0] + p[4]) + (p[2] + p[6])) + ((p[1] + p[5]) + (p[3] + p[7]))), scale);
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        float mx = -__int_as_float(0x7f800000), sum = 0.0f;
        for (int t = 0; t < len; t++) {
            float s = w[t], ms = 1.0f, vs = 1.0f;
            if (s > mx) {
                ms = (float) exp((double) __fsub_rn(mx, s));
                mx = s;
            } else {
                vs = (float) exp((double) __fsub_rn(s, mx));
            }
            w[t] = vs;
            m[t] = ms;
            sum = __fadd_rn(__fmul_rn(sum, ms), vs);
        }
        total = sum;
    }
    __syncthreads();
    float inv = total == 0.0f ? 0.0f : __fdiv_rn(1.0f, total);
    float* outr = out + (size_t) r * qWidth + (size_t) h * headDim;
    for (int i = threadIdx.x; i < headDim; i += blockDim.x) {
        const unsigned short* vi = v + kvOff + i;
        float y = 0.0f;
        for (int t = 0; t < len; t++) {
            if (m[t] != 1.0f) {
                y = round_f16(__fmul_rn(y, m[t]));
            }
            y = round_f16(__fadd_rn(y, __fmul_rn(f16_to_f32(vi[(size_t) t * kvWidth]), w[t])));
        }
        outr[i] = __fmul_rn(y, inv);
    }
}
