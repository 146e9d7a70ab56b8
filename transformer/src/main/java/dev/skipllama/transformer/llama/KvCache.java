package dev.skipllama.transformer.llama;

import dev.skipllama.tensor.Backend;
import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Tensor;

/**
 * Keys and values of every layer for up to {@link #capacity()} positions, each layer's
 * {@code [capacity, kvDim]} so that a batch of consecutive positions is one row view.
 *
 * <p><b>Element type.</b> F32 by default: attention then sees the K and V the matmuls computed. F16
 * halves the memory and is llama.cpp's default ({@code --cache-type-k/v f16}): K and V are rounded to
 * F16 as they are stored, and attention follows llama.cpp's F16 flash attention step for step
 * ({@code Backend#attention}), so greedy text can equal llama.cpp's.
 *
 * <p>{@link #length()} counts the positions that hold valid entries for the whole model. Rolling
 * back (rejected speculative tokens) is {@link #truncate}: attention only reads positions up to the
 * query's own, so stale rows past the length are never seen and are overwritten later. Methods that
 * run only some layers (self-speculative drafting) write rows past the length for those layers;
 * the caller commits them with {@link #setLength} once all layers agree.
 *
 * <p>The cache lives where its backend computes ({@link Llama#kvCache} makes one for the model's
 * backend): host memory for CPU backends, device memory for CUDA.
 */
public final class KvCache implements AutoCloseable {
    private final Tensor[] keys;
    private final Tensor[] values;
    private final int capacity;
    private final DType type;
    private int length;

    /** A cache in host memory (for host backends). */
    public KvCache(LlamaConfig config, int capacity) {
        this(config, capacity, null);
    }

    /** An F32 cache in {@code backend}'s memory; null means the host. */
    public KvCache(LlamaConfig config, int capacity, Backend backend) {
        this(config, capacity, backend, DType.F32);
    }

    /** A cache of {@code type} (F32 or F16) in {@code backend}'s memory; null means the host. */
    public KvCache(LlamaConfig config, int capacity, Backend backend, DType type) {
        requireType(type);
        if (capacity <= 0 || capacity > config.contextLength()) {
            throw new IllegalArgumentException("KV cache capacity must be in [1, " + config.contextLength()
                    + "] (the model's context length), got " + capacity);
        }
        this.capacity = capacity;
        this.type = type;
        this.keys = new Tensor[config.layers()];
        this.values = new Tensor[config.layers()];
        try {
            for (int l = 0; l < config.layers(); l++) {
                keys[l] = rows(backend, type, capacity, config.kvDim());
                values[l] = rows(backend, type, capacity, config.kvDim());
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** {@code capacity × width} rows of {@code type} in {@code backend}'s memory, or the host's when it is null. */
    private static Tensor rows(Backend backend, DType type, int capacity, int width) {
        return backend == null ? Tensor.allocate(type, capacity, width) : backend.allocate(type, capacity, width);
    }

    /**
     * {@code type} when a KV cache can hold it (F32 or F16), else an IllegalArgumentException naming it:
     * the one check behind every option that chooses a cache type (sessions, the server, LangChain4j).
     */
    public static DType requireType(DType type) {
        if (type != DType.F32 && type != DType.F16) {
            throw new IllegalArgumentException("a KV cache holds F32 or F16, not " + type);
        }
        return type;
    }

    /** F32 or F16. */
    public DType type() {
        return type;
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
            b += keys[l] == null ? 0 : keys[l].byteSize() + values[l].byteSize();
        }
        return b;
    }

    @Override
    public void close() {
        for (int l = 0; l < keys.length; l++) {
            if (keys[l] != null) {
                keys[l].close();
            }
            if (values[l] != null) {
                values[l].close();
            }
        }
    }
}
