package dev.skipllama.transformer.llama;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Tensor;
import java.lang.foreign.Arena;

/**
 * Keys and values of every layer for up to {@link #capacity()} positions, in F32, each layer's
 * {@code [capacity, kvDim]} so that a batch of consecutive positions is one row view.
 *
 * <p>{@link #length()} counts the positions that hold valid entries for the whole model. Rolling
 * back (rejected speculative tokens) is {@link #truncate}: attention only reads positions up to the
 * query's own, so stale rows past the length are never seen and are overwritten later. Methods that
 * run only some layers (self-speculative drafting) write rows past the length for those layers;
 * the caller commits them with {@link #setLength} once all layers agree.
 */
public final class KvCache implements AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final Tensor[] keys;
    private final Tensor[] values;
    private final int capacity;
    private int length;

    public KvCache(LlamaConfig config, int capacity) {
        if (capacity <= 0 || capacity > config.contextLength()) {
            throw new IllegalArgumentException("KV cache capacity must be in [1, " + config.contextLength()
                    + "] (the model's context length), got " + capacity);
        }
        this.capacity = capacity;
        this.keys = new Tensor[config.layers()];
        this.values = new Tensor[config.layers()];
        for (int l = 0; l < config.layers(); l++) {
            keys[l] = Tensor.allocate(arena, DType.F32, capacity, config.kvDim());
            values[l] = Tensor.allocate(arena, DType.F32, capacity, config.kvDim());
        }
    }

    public Tensor keys(int layer) {
        return keys[layer];
    }

    public Tensor values(int layer) {
        return values[layer];
    }

    public int capacity() {
        return capacity;
    }

    public int length() {
        return length;
    }

    /** Forgets positions {@code >= newLength}. */
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) {
            throw new IllegalArgumentException("cannot truncate a KV cache of length " + length + " to " + newLength);
        }
        length = newLength;
    }

    /** Declares positions {@code < newLength} valid for every layer. */
    public void setLength(int newLength) {
        if (newLength < 0 || newLength > capacity) {
            throw new IllegalArgumentException("KV cache length " + newLength + " outside [0, " + capacity + "]");
        }
        length = newLength;
    }

    /** Bytes of native memory held. */
    public long byteSize() {
        long b = 0;
        for (int l = 0; l < keys.length; l++) {
            b += keys[l].byteSize() + values[l].byteSize();
        }
        return b;
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
