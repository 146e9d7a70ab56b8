// The CUDA features our kernels use, emulated on the host: each GPU thread is a fiber, blocks run one
// after another, so __shared__ is a static, __syncthreads and warp shuffles are fiber barriers. The
// _rn operations are volatile so the host compiler cannot fuse them either.
#pragma once
#include <cmath>
#include <cstring>
#include <cstdint>
#include <cstddef>

struct dim3 { unsigned x = 1, y = 1, z = 1; };
extern dim3 blockIdx, blockDim, gridDim;
dim3 emu_thread_idx();
#define threadIdx (emu_thread_idx())
#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
void __syncthreads();
float __shfl_xor_sync(unsigned mask, float v, int laneMask);

inline float __fmul_rn(float a, float b) { volatile float r = a * b; return r; }
inline float __fadd_rn(float a, float b) { volatile float r = a + b; return r; }
inline float __fsub_rn(float a, float b) { volatile float r = a - b; return r; }
inline float __fdiv_rn(float a, float b) { volatile float r = a / b; return r; }
inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, 4); return f; }
inline float __uint_as_float(unsigned i) { float f; std::memcpy(&f, &i, 4); return f; }
inline unsigned __float_as_uint(float f) { unsigned i; std::memcpy(&i, &f, 4); return i; }
#include <math.h>
inline float emu_f16_to_f32(unsigned short h) { _Float16 x; std::memcpy(&x, &h, 2); return (float) x; }
inline unsigned short emu_f32_to_f16(float f) { _Float16 x = (_Float16) f; unsigned short h; std::memcpy(&h, &x, 2); return h; }
// A misaligned vector load faults on the GPU (x86 would just do it): remember it, and the next
// synchronisation fails with CUDA_ERROR_MISALIGNED_ADDRESS as it would on hardware.
extern int emu_fault;
void emu_misaligned(const void* p, const char* what);
inline void emu_check_aligned(const void* p, const char* what) { if (((uintptr_t) p & 15) != 0) emu_misaligned(p, what); }
