package dev.skipllama.tensor;

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
 */
public interface Backend extends AutoCloseable {

    String name();

    /**
     * {@code out[r, o] = Σ_i w[o, i] · x[r, i]}, i.e. {@code out = x · wᵀ} as in {@code nn.Linear}.
     * w: {@code [nOut, nIn]} of any dtype (quantized weights are decoded in registers, never copied);
     * x: {@code [rows, nIn]} F32; out: {@code [rows, nOut]} F32.
     */
    void matmul(Tensor w, Tensor x, Tensor out);

    /**
     * {@code out[r, i] = x[r, i] / sqrt(mean_j x[r, j]² + eps) · weight[i]} (Zhang & Sennrich 2019).
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
     * q, out: {@code [rows, nHeads · headDim]} F32; kCache, vCache: {@code [ctx, nKvHeads · headDim]} F32.
     * Query row r, head h, attends to cache rows {@code 0..positions[r]} of kv-head
     * {@code h / (nHeads / nKvHeads)} with scores {@code q·k / sqrt(headDim)}:
     * {@code out[r, h] = Σ_t softmax(scores)[t] · v[t]}.
     */
    void attention(Tensor q, Tensor kCache, Tensor vCache, int[] positions, int nHeads, int nKvHeads, Tensor out);

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
