/**
 * What a matmul with quantized weights computes: ggml's integer dot products.
 *
 * <p>For weights in a block-quantized dtype the activation row is first quantized to 8-bit blocks
 * ({@link dev.skipllama.tensor.quant.QuantizedRow}: 32-value blocks for Q8_0/Q4_0/Q4_1/Q5_0, 256-value
 * blocks for the K-quants), exactly as llama.cpp's x86 build does; each block's products are then summed
 * in integers, which is exact, and only the per-block scaling is done in float
 * ({@link dev.skipllama.tensor.quant.QuantDot}). This is both what makes our greedy text equal
 * llama.cpp's on quantized files and what lets the CPU kernels work in 16-bit integer lanes: their
 * results equal this definition bit for bit, at every vector width and batch size.
 */
package dev.skipllama.tensor.quant;
