package dev.skipllama.tensor;

import java.util.function.Consumer;

/**
 * The operations a Llama decoder needs, and nothing else. Each has exactly one meaning, written
 * once in {@link dev.skipllama.tensor.ref.ReferenceBackend}; other backends are faster ways to compute
 * the same numbers. Shapes are checked by {@link Checks} before any work is done, and a mismatch is
 * an {@link IllegalArgumentException} that names the op, what was expected and what was found.
 *
 * <p>Matrices are row-major {@code [rows, cols]}; activations are F32. "Rows" of an activation are
 * tokens: a single row is decoding, many rows are prompt prefill or speculative verification.
 *
 * <p>A backend may be shared by several threads; implementations say how they serialise work.
 *
 * <p><b>Where tensors live.</b> Every op takes tensors in the backend's {@link #location()}. Host
 * backends (CPU, reference) use ordinary host tensors, and the memory methods below are identities or
 * plain copies for them. A device backend keeps weights, activations and the KV cache in device
 * memory: weights go there once with {@link #upload}, activations are made with {@link #allocate},
 * and results come back with {@link #toHost} or {@link #read} — only where the host needs them.
 */
public interface Backend extends AutoCloseable {

    String name();

    /** Where this backend's tensors live: {@link Location#HOST} unless it computes on a device. */
    default Location location() {
        return Location.HOST;
    }

    /** A zero-filled tensor in this backend's memory; the caller owns it and closes it. */
    default Tensor allocate(DType dtype, int... shape) {
        return Tensor.allocate(dtype, shape);
    }

    /**
     * The backend's copy of a host weight, made once when a model is loaded. Host backends return
     * {@code hostWeight} itself (nothing is copied, memory-mapped weights stay mapped). A device
     * backend returns a new device tensor, possibly in another dtype when it has no kernel for the
     * weight's (the numbers it represents are the same); the caller closes it when it is no longer
     * the same object as {@code hostWeight}.
     */
    default Tensor upload(Tensor hostWeight) {
        return hostWeight;
    }

    /**
     * {@link #upload} for a weight that only {@link #matmul} will read (a linear layer's matrix, the LM
     * head): a backend may arrange it for its matmul kernels alone. The CPU backend packs F32 matrices
     * into row-interleaved tiles here, which {@code upload} does not do since any op may read an F32
     * tensor. The caller closes the result when it is not the same object as {@code hostWeight}.
     */
    default Tensor uploadForMatmul(Tensor hostWeight) {
        return upload(hostWeight);
    }

    /**
     * {@link #uploadForMatmul}, telling {@code rowsRead} each run of rows of {@code hostWeight} (a
     * {@link Tensor#rows} view) as soon as the copy no longer reads it, in order, so that a caller
     * reading the weight from a file can drop those pages while a large weight is still being copied
     * (the LM head of a 128k vocabulary is 200+ MB) instead of holding all of them until the end. A
     * backend that copies nothing, or copies in one piece, calls it for no rows or once for all.
     */
    default Tensor uploadForMatmul(Tensor hostWeight, Consumer<Tensor> rowsRead) {
        Tensor t = uploadForMatmul(hostWeight);
        if (t != hostWeight && hostWeight.rank() > 0) {
            rowsRead.accept(hostWeight.rows(0, hostWeight.dim(0)));
        }
        return t;
    }

    /** Copies {@code src} (this backend's) into the host tensor {@code hostDst} of the same dtype and size. */
    default void toHost(Tensor src, Tensor hostDst) {
        copyBytes("toHost", src, hostDst);
    }

    /** Copies the host tensor {@code hostSrc} into {@code dst} (this backend's) of the same dtype and size. */
    default void fromHost(Tensor hostSrc, Tensor dst) {
        copyBytes("fromHost", hostSrc, dst);
    }

    /**
     * Reads an F32 tensor of this backend into a heap array: {@code src.copyTo(dst)} on the host,
     * one device-to-host copy on a device. This is how hooks that look at hidden states read them.
     */
    default void read(Tensor src, float[] dst) {
        src.copyTo(dst);
    }

    /** Writes a heap array into an F32 tensor of this backend: {@code dst.copyFrom(src)} on the host. */
    default void write(float[] src, Tensor dst) {
        dst.copyFrom(src);
    }

    private static void copyBytes(String op, Tensor src, Tensor dst) {
        if (src.dtype() != dst.dtype() || src.byteSize() != dst.byteSize()) {
            throw new IllegalArgumentException(op + ": " + src + " and " + dst + " differ in dtype or size");
        }
        if (src.segment().address() != dst.segment().address()) { // the same tensor: nothing to do on the host
            java.lang.foreign.MemorySegment.copy(src.segment(), 0, dst.segment(), 0, src.byteSize());
        }
    }

    /**
     * {@code out[r, o] = Σ_i w[o, i] · x[r, i]}, i.e. {@code out = x · wᵀ} as in {@code nn.Linear}.
     * w: {@code [nOut, nIn]} of any dtype (quantized weights are decoded in registers, never copied);
     * x: {@code [rows, nIn]} F32; out: {@code [rows, nOut]} F32.
     */
    void matmul(Tensor w, Tensor x, Tensor out);

    /**
     * {@code outs[i] = x · ws[i]ᵀ} for every i: several weights over one input ({@code q, k, v} or
     * {@code gate, up}), the same as {@link #matmul(Tensor, Tensor, Tensor)} for each pair. A backend may
     * share the work on x (the CPU quantizes it once) and run them as one parallel job.
     */
    default void matmul(java.util.List<Tensor> ws, Tensor x, java.util.List<Tensor> outs) {
        if (ws.size() != outs.size()) {
            throw new IllegalArgumentException("matmul: " + ws.size() + " weights but " + outs.size() + " outputs");
        }
        for (int i = 0; i < ws.size(); i++) {
            matmul(ws.get(i), x, outs.get(i));
        }
    }

    /**
     * {@code out[r, i] = x[r, i] / sqrt(mean_j x[r, j]² + eps) · weight[i]} (Zhang &amp; Sennrich 2019).
     * x, out: {@code [rows, d]} F32 (may be the same tensor); weight: {@code [d]} F32.
     */
    void rmsnorm(Tensor x, Tensor weight, float eps, Tensor out);

    /**
     * Rotary position embedding, in place. x: {@code [rows, nHeads · headDim]} F32, row r at absolute
     * position {@code positions[r]}. Within each head the first {@code 2 · invFreq.length} dimensions
     * are rotated in pairs chosen by {@code layout}; pair i turns by angle {@code positions[r] · invFreq[i]}.
     */
    void rope(Tensor x, int headDim, int[] positions, float[] invFreq, RopeLayout layout);

    /** Softmax over the last dimension, in place: {@code x[r, i] = exp(x[r, i] - max) / Σ exp(x[r, j] - max)}. */
    void softmax(Tensor x);

    /**
     * Causal grouped-query attention over a KV cache.
     * q, out: {@code [rows, nHeads · headDim]} F32; kCache, vCache: {@code [ctx, nKvHeads · headDim]},
     * both F32 or both F16. Query row r, head h, attends to cache rows {@code 0..positions[r]} of kv-head
     * {@code h / (nHeads / nKvHeads)} with scores {@code q·k / sqrt(headDim)}:
     * {@code out[r, h] = Σ_t softmax(scores)[t] · v[t]}.
     *
     * <p>Over an F16 cache the meaning is llama.cpp's CPU flash attention on its default F16 cache
     * ({@code ggml_compute_forward_flash_attn_ext_f16_one_chunk}), step for step, so that greedy text
     * can equal llama.cpp's: q rounded to F16; for each position t in order, the score
     * {@code s = (float) Σ_i q_i·k_i} (each product exact in float, the sum in double — nearly always
     * the exact sum, as ggml's scalar {@code ggml_vec_dot_f16} — as eight partial sums {@code p_j} over
     * {@code i mod 8 = j} in order, added as {@code ((p0 + p4) + (p2 + p6)) + ((p1 + p5) + (p3 + p7))}) times {@code 1f / sqrtf(headDim)}; a
     * running maximum M and sum S; an output accumulator y held in F16: on a new maximum
     * {@code y = f16(y · e^(M_old − M))}, then {@code y = f16(y + v_t · e^(s − M))} (multiply, then
     * add, each rounded to float), {@code S = S · e^(M_old − M) + e^(s − M)}; finally
     * {@code out = y · (1/S)}. Every step is in float except the dot's sum; e^x is
     * {@code (float) Math.exp(x)}. Backends give the same bits.
     */
    void attention(Tensor q, Tensor kCache, Tensor vCache, int[] positions, int nHeads, int nKvHeads, Tensor out);

    /**
     * {@code dst = src} in dst's dtype, element by element: F32 copies, F16 rounds to nearest even
     * ({@link Float#floatToFloat16}, as ggml's copy into llama.cpp's F16 KV cache). src F32, same shape.
     */
    void convert(Tensor src, Tensor dst);

    /** {@code out = silu(gate) ⊙ up} with {@code silu(x) = x / (1 + e^-x)} (Shazeer 2020). All F32, same shape. */
    void swiglu(Tensor gate, Tensor up, Tensor out);

    /** {@code out = a + b}, F32, same shape (out may alias a or b). */
    void add(Tensor a, Tensor b, Tensor out);

    /** {@code out[r] = table[tokens[r]]} decoded to F32. table: {@code [vocab, d]} any dtype; out: {@code [tokens.length, d]}. */
    void embedding(Tensor table, int[] tokens, Tensor out);

    /** Releases threads and native memory the backend holds; idempotent. */
    @Override
    void close();
}
