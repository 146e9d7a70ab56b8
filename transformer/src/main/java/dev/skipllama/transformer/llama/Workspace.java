package dev.skipllama.transformer.llama;

import dev.skipllama.tensor.Backend;
import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Activation buffers for forward passes of up to {@link #maxRows()} tokens at once, allocated once
 * per session in the backend's memory so the hot path allocates nothing large. Not thread-safe: one
 * per session.
 */
public final class Workspace implements AutoCloseable {
    private final List<Tensor> owned = new ArrayList<>();
    private final Backend backend;
    private final int maxRows;
    private final int maxLogitRows;
    final Tensor x;      // [rows, dim]    the residual stream ("hidden state")
    final Tensor xb;     // [rows, dim]    normalised input of a sublayer
    final Tensor q;      // [rows, qDim]
    final Tensor att;    // [rows, qDim]   attention output before wo
    final Tensor k;      // [rows, kvDim]  new keys before an F16 cache rounds them in
    final Tensor v;      // [rows, kvDim]  new values, likewise
    final Tensor proj;   // [rows, dim]    output of wo or w_down
    final Tensor gate;   // [rows, ffnDim]
    final Tensor up;     // [rows, ffnDim]
    final Tensor logits; // [logitRows, vocab]
    /** Where logits are copied for the host on a device backend; {@link #logits} itself on the host. */
    final Tensor hostLogits;

    Workspace(LlamaConfig c, int maxRows, int maxLogitRows, Backend backend) {
        if (maxRows <= 0 || maxLogitRows <= 0 || maxLogitRows > maxRows) {
            throw new IllegalArgumentException("workspace needs 0 < maxLogitRows <= maxRows, got " + maxLogitRows + ", " + maxRows);
        }
        this.backend = backend;
        this.maxRows = maxRows;
        this.maxLogitRows = maxLogitRows;
        try {
            x = own(backend.allocate(DType.F32, maxRows, c.dim()));
            xb = own(backend.allocate(DType.F32, maxRows, c.dim()));
            q = own(backend.allocate(DType.F32, maxRows, c.qDim()));
            att = own(backend.allocate(DType.F32, maxRows, c.qDim()));
            k = own(backend.allocate(DType.F32, maxRows, c.kvDim()));
            v = own(backend.allocate(DType.F32, maxRows, c.kvDim()));
            proj = own(backend.allocate(DType.F32, maxRows, c.dim()));
            gate = own(backend.allocate(DType.F32, maxRows, c.ffnDim()));
            up = own(backend.allocate(DType.F32, maxRows, c.ffnDim()));
            logits = own(backend.allocate(DType.F32, maxLogitRows, c.vocabSize()));
            hostLogits = backend.location().isHost() ? logits : own(Tensor.allocate(DType.F32, maxLogitRows, c.vocabSize()));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private Tensor own(Tensor t) {
        owned.add(t);
        return t;
    }

    /** Bytes of the buffers, in the backend's memory (plus the host copy of the logits on a device). */
    public long byteSize() {
        return owned.stream().mapToLong(Tensor::byteSize).sum();
    }

    public int maxRows() {
        return maxRows;
    }

    public int maxLogitRows() {
        return maxLogitRows;
    }

    /**
     * The hidden state of the first {@code n} rows (read it after a forward, or write it before
     * {@link Llama#layers}), in the backend's memory: read it on the host with {@link #readHidden}.
     */
    public Tensor hidden(int n) {
        return x.rows(0, n);
    }

    /** Copies the hidden state of the first {@code n} rows into {@code dst} (a plain copy on the host). */
    public void readHidden(int n, float[] dst) {
        backend.read(hidden(n), dst);
    }

    @Override
    public void close() {
        owned.forEach(Tensor::close);
        owned.clear();
    }
}
