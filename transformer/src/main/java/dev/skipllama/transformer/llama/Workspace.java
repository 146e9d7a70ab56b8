package dev.skipllama.transformer.llama;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Tensor;
import java.lang.foreign.Arena;

/**
 * Activation buffers for forward passes of up to {@link #maxRows()} tokens at once, allocated once
 * per session so the hot path allocates nothing large. Not thread-safe: one per session.
 */
public final class Workspace implements AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final int maxRows;
    private final int maxLogitRows;
    final Tensor x;      // [rows, dim]    the residual stream ("hidden state")
    final Tensor xb;     // [rows, dim]    normalised input of a sublayer
    final Tensor q;      // [rows, qDim]
    final Tensor att;    // [rows, qDim]   attention output before wo
    final Tensor proj;   // [rows, dim]    output of wo or w_down
    final Tensor gate;   // [rows, ffnDim]
    final Tensor up;     // [rows, ffnDim]
    final Tensor logits; // [logitRows, vocab]

    Workspace(LlamaConfig c, int maxRows, int maxLogitRows) {
        if (maxRows <= 0 || maxLogitRows <= 0 || maxLogitRows > maxRows) {
            throw new IllegalArgumentException("workspace needs 0 < maxLogitRows <= maxRows, got " + maxLogitRows + ", " + maxRows);
        }
        this.maxRows = maxRows;
        this.maxLogitRows = maxLogitRows;
        x = Tensor.allocate(arena, DType.F32, maxRows, c.dim());
        xb = Tensor.allocate(arena, DType.F32, maxRows, c.dim());
        q = Tensor.allocate(arena, DType.F32, maxRows, c.qDim());
        att = Tensor.allocate(arena, DType.F32, maxRows, c.qDim());
        proj = Tensor.allocate(arena, DType.F32, maxRows, c.dim());
        gate = Tensor.allocate(arena, DType.F32, maxRows, c.ffnDim());
        up = Tensor.allocate(arena, DType.F32, maxRows, c.ffnDim());
        logits = Tensor.allocate(arena, DType.F32, maxLogitRows, c.vocabSize());
    }

    public int maxRows() {
        return maxRows;
    }

    public int maxLogitRows() {
        return maxLogitRows;
    }

    /** The hidden state of the first {@code n} rows (read it after a forward, or write it before {@link Llama#layers}). */
    public Tensor hidden(int n) {
        return x.rows(0, n);
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
