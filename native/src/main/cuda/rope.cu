// Rotary position embedding in place: ReferenceBackend.rope. One block per row; each thread turns
// pairs. The angle is rounded to float and cos/sin are taken in double then rounded, as the CPU
// backends do; explicit _rn operations keep the compiler from fusing the rotation into FMAs, which
// would round differently from Java.
#include "common.cuh"

extern "C" __global__ void rope(float* x, const float* invFreq, const int* positions, int pos0,
                                int width, int headDim, int half, int interleaved) {
    int r = blockIdx.x;
    float pos = (float) position(positions, pos0, r);
    int pairs = (width / headDim) * half;
    for (int j = threadIdx.x; j < pairs; j += blockDim.x) {
        int h = j / half, i = j % half;
        double angle = (double) __fmul_rn(pos, invFreq[i]);
        float c = (float) cos(angle), s = (float) sin(angle);
        size_t base = (size_t) r * width + (size_t) h * headDim;
        size_t a = base + (interleaved ? 2 * i : i);
        size_t b = base + (interleaved ? 2 * i + 1 : i + half);
        float x0 = x[a], x1 = x[b];
        x[a] = __fsub_rn(__fmul_rn(x0, c), __fmul_rn(x1, s));
        x[b] = __fadd_rn(__fmul_rn(x0, s), __fmul_rn(x1, c));
    }
}
