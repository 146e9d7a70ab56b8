package dev.skipllama.transformer.llama;

import dev.skipllama.tensor.Backend;
import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.transformer.ProgressListener;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The Llama decoder's forward pass, written once. Every method that does less work per token
 * (early exit, layer skipping, self-speculative decoding) drives it through {@link ForwardHooks}
 * and the layer range of {@link #layers}; none of them copies it.
 *
 * <pre>
 *   h = embed(tokens)                                   [n, dim]
 *   for each layer l:
 *     h += wo · attention(rope(wq·rmsnorm(h)), rope(wk·rmsnorm(h)) → cache, wv·rmsnorm(h) → cache)
 *     h += w_down · (silu(w_gate·rmsnorm(h)) ⊙ w_up·rmsnorm(h))
 *   logits = output · rmsnorm(h)                        [n, vocab]
 * </pre>
 *
 * A {@code Llama} holds no per-sequence state: sessions own a {@link KvCache} and a
 * {@link Workspace}, so one model can serve several sessions (their backend ops are serialised by the
 * backend).
 *
 * <p>Weights go through {@link Backend#upload} once, here, and the copies it makes are freed by
 * {@link #close()} (which {@code Model.close} calls). On a device backend that is every weight, and
 * activations and the KV cache live on the device too: the only per-token copy to the host is the
 * logits row that {@link #head} returns. The CPU backend copies only quantized matrices, into its
 * packed tiles; float weights stay memory-mapped.
 */
public final class Llama implements AutoCloseable {
    private final LlamaConfig config;
    private final LlamaWeights weights;
    private final Backend backend;
    private final float[] invFreq;
    private final List<Tensor> uploaded = new ArrayList<>();
    /** The weights as given, before {@link Backend#upload}: host tensors in the file's row-major layout. */
    private final LlamaWeights loaded;
    /** Data derived from the weights once and shared by every session ({@link #derived}); closed with the model. */
    private final Map<Object, AutoCloseable> derived = new java.util.HashMap<>();

    public Llama(LlamaConfig config, LlamaWeights weights, Backend backend) {
        this(config, weights, backend, ProgressListener.NONE);
    }

    /** The same, reporting weight bytes uploaded to a device backend (nothing to report on the host). */
    public Llama(LlamaConfig config, LlamaWeights weights, Backend backend, ProgressListener progress) {
        this(config, weights, backend, progress, t -> { });
    }

    /**
     * The same, telling {@code copied} of each given weight, or of each run of a large matrix's rows
     * ({@link Backend#uploadForMatmul(Tensor, Consumer)}), as soon as the backend holds its own copy
     * and the forward pass will not read the given one: a model mapped from a file drops those pages
     * as it goes, so loading never holds a weight twice (measured on a 1B Q8_0 file: peak resident
     * memory 2.8 GB when the pages were dropped after the whole upload; on a 1B Q5_K_M file, whose LM
     * head is 205 MiB, dropping them run by run instead of weight by weight lowered the peak by the
     * amounts in bench/README).
     */
    public Llama(LlamaConfig config, LlamaWeights weights, Backend backend, ProgressListener progress, Consumer<Tensor> copied) {
        weights.validate(config);
        this.config = config;
        this.backend = backend;
        this.invFreq = config.ropeInverseFrequencies();
        this.loaded = weights;
        this.weights = upload(weights, progress, copied);
    }

    /** Whether two host tensors share any byte. */
    private static boolean overlaps(Tensor a, Tensor b) {
        long a0 = a.segment().address(), b0 = b.segment().address();
        return a0 < b0 + b.byteSize() && b0 < a0 + a.byteSize();
    }

    /**
     * The backend's copy of every weight; a tensor used twice (tied embeddings) is uploaded once. A
     * host backend returns most weights as they are and quantized matrices rearranged for its kernels
     * (the CPU's tiles); there the token embedding, which is only ever gathered row by row, stays
     * as loaded even when the LM head shares it.
     */
    private LlamaWeights upload(LlamaWeights w, ProgressListener progress, Consumer<Tensor> copied) {
        // On the host the token embedding is read as loaded, even where the LM head's copy shares it.
        Tensor readAsLoaded = backend.location().isHost() ? w.tokenEmbedding() : null;
        Upload u = new Upload(w, progress, t -> {
            if (readAsLoaded == null || !overlaps(t, readAsLoaded)) { // by bytes: a large matrix is told of in runs of its rows
                copied.accept(t);
            }
        });
        try {
            List<LlamaWeights.Layer> layers = new ArrayList<>();
            for (int i = 0; i < w.layers().size(); i++) {
                LlamaWeights.Layer l = w.layers().get(i);
                String p = "layer " + i + " ";
                layers.add(new LlamaWeights.Layer(u.up(l.attnNorm(), p + "attention norm"), u.matrix(l.wq(), p + "wq"),
                        u.matrix(l.wk(), p + "wk"), u.matrix(l.wv(), p + "wv"), u.matrix(l.wo(), p + "wo"),
                        u.up(l.ffnNorm(), p + "ffn norm"), u.matrix(l.wGate(), p + "w_gate"), u.matrix(l.wUp(), p + "w_up"),
                        u.matrix(l.wDown(), p + "w_down")));
            }
            Tensor embedding = backend.location().isHost() ? w.tokenEmbedding() : u.up(w.tokenEmbedding(), "token embedding");
            return new LlamaWeights(embedding, layers, u.up(w.finalNorm(), "final norm"), u.matrix(w.output(), "output (LM head)"));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** One upload of a model's weights: each distinct host tensor once, progress in bytes of them all. */
    private final class Upload {
        private final Map<Tensor, Tensor> done = new IdentityHashMap<>();
        private final ProgressListener progress;
        private final Consumer<Tensor> copied;
        private final long total;
        private long bytes;

        Upload(LlamaWeights w, ProgressListener progress, Consumer<Tensor> copied) {
            this.progress = progress;
            this.copied = copied;
            Map<Tensor, Boolean> seen = new IdentityHashMap<>();
            long sum = 0;
            for (Tensor t : w.all()) {
                if (seen.putIfAbsent(t, Boolean.TRUE) == null) {
                    sum += t.byteSize();
                }
            }
            this.total = sum;
        }

        /** The backend's copy of {@code host}; a refusal (a corrupt weight, say) names the weight's role. */
        Tensor up(Tensor host, String role) {
            return copy(host, role, false);
        }

        /** The same for a matrix only matmul reads ({@link Backend#uploadForMatmul}). */
        Tensor matrix(Tensor host, String role) {
            return copy(host, role, true);
        }

        private Tensor copy(Tensor host, String role, boolean matmulOnly) {
            Tensor t = done.get(host);
            if (t == null) {
                try {
                    t = matmulOnly ? backend.uploadForMatmul(host, copied) : backend.upload(host); // a large matrix's pages dropped run by run
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(role + ": " + e.getMessage(), e);
                }
                if (t != host) {
                    uploaded.add(t);
                    if (!matmulOnly) { // uploadForMatmul told copied of the matrix's rows itself, run by run
                        copied.accept(host);
                    }
                }
                done.put(host, t);
                bytes += host.byteSize();
                progress.progress(bytes, total);
            }
            return t;
        }
    }

    /** Frees the weights uploaded to a device backend and everything {@link #derived} made; idempotent. */
    @Override
    public void close() {
        uploaded.forEach(Tensor::close);
        uploaded.clear();
        synchronized (derived) {
            for (AutoCloseable d : derived.values()) {
                try {
                    d.close();
                } catch (Exception ignored) {
                    // best effort: the first failure must not leak the rest
                }
            }
            derived.clear();
        }
    }

    /**
     * The weights as they were given to the constructor, before {@link Backend#upload}: host tensors
     * in the file's row-major layout (memory-mapped for a GGUF), for code that derives weights of its
     * own from them, such as a draft head gathered from some of the LM head's rows. The computing
     * copies are {@link #weights()}.
     */
    public LlamaWeights loadedWeights() {
        return loaded;
    }

    /**
     * Something derived from the weights once per model and shared by all its sessions (a gathered
     * draft head, say): {@code make} runs on the first request for {@code key}, later requests get the
     * same object, and {@link #close()} closes it. Thread-safe.
     */
    public <T extends AutoCloseable> T derived(Object key, Class<T> type, java.util.function.Function<Llama, T> make) {
        synchronized (derived) {
            AutoCloseable d = derived.get(key);
            if (d == null) {
                d = make.apply(this);
                derived.put(key, d);
            }
            return type.cast(d);
        }
    }

    public LlamaConfig config() {
        return config;
    }

    /**
     * Bytes of the weights the backend made copies of (the CPU's packed tiles and large-page F16/BF16
     * matrices, a device's upload):
     * memory the model owns, resident for its lifetime.
     */
    public long copiedWeightBytes() {
        return uploaded.stream().mapToLong(Tensor::byteSize).sum();
    }

    /**
     * Bytes of the weights used as loaded (memory-mapped on a host backend: norms, an F32 token
     * embedding; F16 and BF16 matrices only where the CPU backend gets no large pages to copy them
     * into); the OS keeps the pages that were read resident while memory allows.
     */
    public long inPlaceWeightBytes() {
        java.util.Set<Tensor> copies = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        copies.addAll(uploaded);
        java.util.Set<Tensor> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        long sum = 0;
        for (Tensor t : weights.all()) {
            if (!copies.contains(t) && seen.add(t)) {
                sum += t.byteSize();
            }
        }
        return sum;
    }

    /** The weights the backend computes with (its uploaded copies on a device backend). */
    public LlamaWeights weights() {
        return weights;
    }

    public Backend backend() {
        return backend;
    }

    /** Buffers for forward passes of up to {@code maxRows} tokens, of which up to {@code maxLogitRows} get logits. */
    public Workspace workspace(int maxRows, int maxLogitRows) {
        return new Workspace(config, maxRows, maxLogitRows, backend);
    }

    /** An F32 KV cache for up to {@code capacity} positions in the backend's memory. */
    public KvCache kvCache(int capacity) {
        return kvCache(capacity, DType.F32);
    }

    /**
     * A KV cache of {@code type} (F32, or F16: half the memory and llama.cpp's default numerics, see
     * {@link KvCache}) for up to {@code capacity} positions in the backend's memory.
     */
    public KvCache kvCache(int capacity, DType type) {
        return new KvCache(config, capacity, backend, type);
    }

    /** Writes the embeddings of {@code tokens} into the workspace's hidden rows {@code [0, n)}. */
    public void embed(int[] tokens, Workspace ws) {
        checkRows(ws, tokens.length);
        backend.embedding(weights.tokenEmbedding(), tokens, ws.x.rows(0, tokens.length));
    }

    /**
     * Runs layers {@code [from, to)} over the workspace's hidden rows {@code [0, n)}, which sit at
     * positions {@code pos0 .. pos0+n-1}, writing those positions' KV rows of the layers it runs.
     *
     * @return the layer after the last one run: {@code to}, or less when the hooks asked to exit
     */
    public int layers(Workspace ws, KvCache cache, int pos0, int n, int from, int to, ForwardHooks hooks) {
        checkRows(ws, n);
        if (from < 0 || to > config.layers() || from > to) {
            throw new IllegalArgumentException("layer range [" + from + ", " + to + ") outside [0, " + config.layers() + "]");
        }
        if (pos0 < 0 || pos0 + n > cache.capacity()) {
            throw new IllegalArgumentException("positions [" + pos0 + ", " + (pos0 + n) + ") do not fit the KV cache of "
                    + cache.capacity() + " positions (context overflow)");
        }
        int[] positions = new int[n];
        for (int i = 0; i < n; i++) {
            positions[i] = pos0 + i;
        }
        Tensor h = ws.x.rows(0, n);
        for (int l = from; l < to; l++) {
            LayerAction action = hooks.action(l);
            layer(l, action, hooks, ws, cache, positions, h);
            hooks.afterLayer(l, h);
            if (hooks.exitAfter(l, h)) {
                for (int s = l + 1; s < to; s++) {
                    if (hooks.fillSkippedKv(s)) {
                        writeKv(s, ws, cache, positions, h);
                    }
                }
                return l + 1;
            }
        }
        return to;
    }

    private void layer(int l, LayerAction action, ForwardHooks hooks, Workspace ws, KvCache cache, int[] positions, Tensor h) {
        LlamaWeights.Layer w = weights.layers().get(l);
        int n = positions.length;
        if (action.runsAttention()) {
            Tensor xb = ws.xb.rows(0, n), q = ws.q.rows(0, n), att = ws.att.rows(0, n), proj = ws.proj.rows(0, n);
            int p0 = positions[0];
            Tensor k = newRows(ws.k, cache.keys(l), p0, n), v = newRows(ws.v, cache.values(l), p0, n);
            backend.rmsnorm(h, w.attnNorm(), config.rmsEps(), xb);
            backend.matmul(List.of(w.wq(), w.wk(), w.wv()), xb, List.of(q, k, v));   // one input, one job
            backend.rope(q, config.headDim(), positions, invFreq, config.ropeLayout());
            backend.rope(k, config.headDim(), positions, invFreq, config.ropeLayout());
            store(k, cache.keys(l), p0);
            store(v, cache.values(l), p0);
            backend.attention(q, cache.keys(l), cache.values(l), positions, config.heads(), config.kvHeads(), att);
            backend.matmul(w.wo(), att, proj);
            backend.add(h, proj, h);
        } else if (hooks.fillSkippedKv(l)) {
            writeKv(l, ws, cache, positions, h);
        }
        hooks.afterAttention(l, h);
        if (action.runsFfn()) {
            Tensor xb = ws.xb.rows(0, n), gate = ws.gate.rows(0, n), up = ws.up.rows(0, n), proj = ws.proj.rows(0, n);
            backend.rmsnorm(h, w.ffnNorm(), config.rmsEps(), xb);
            backend.matmul(List.of(w.wGate(), w.wUp()), xb, List.of(gate, up));
            backend.swiglu(gate, up, gate);
            backend.matmul(w.wDown(), gate, proj);
            backend.add(h, proj, h);
        }
    }

    /** KV rows of a layer that is not run, computed from the hidden state that reached it. */
    private void writeKv(int l, Workspace ws, KvCache cache, int[] positions, Tensor h) {
        LlamaWeights.Layer w = weights.layers().get(l);
        Tensor xb = ws.xb.rows(0, positions.length);
        backend.rmsnorm(h, w.attnNorm(), config.rmsEps(), xb);
        projectKv(l, w, xb, ws, cache, positions);
    }

    private void projectKv(int l, LlamaWeights.Layer w, Tensor xb, Workspace ws, KvCache cache, int[] positions) {
        int p0 = positions[0], n = positions.length;
        Tensor k = newRows(ws.k, cache.keys(l), p0, n), v = newRows(ws.v, cache.values(l), p0, n);
        backend.matmul(List.of(w.wk(), w.wv()), xb, List.of(k, v));
        backend.rope(k, config.headDim(), positions, invFreq, config.ropeLayout());
        store(k, cache.keys(l), p0);
        store(v, cache.values(l), p0);
    }

    /**
     * Where a step's new K or V rows are computed: straight into an F32 cache, or into the workspace
     * when the cache holds F16, which {@link #store} then rounds them into (as llama.cpp copies its
     * F32 K and V into its F16 cache).
     */
    private static Tensor newRows(Tensor staging, Tensor cache, int p0, int n) {
        return cache.dtype() == DType.F32 ? cache.rows(p0, p0 + n) : staging.rows(0, n);
    }

    private void store(Tensor rows, Tensor cache, int p0) {
        if (cache.dtype() != DType.F32) {
            backend.convert(rows, cache.rows(p0, p0 + rows.rowCount()));
        }
    }

    /**
     * Final RMSNorm + LM head on hidden rows {@code [r0, r1)}: the model's output distribution, or an
     * early exit's when the rows hold an intermediate layer's state (LayerSkip shares this head).
     *
     * @return logits {@code [r1-r0, vocab]} readable on the host, a view into the workspace valid
     *         until the next call (on a device backend, a host copy of exactly these rows)
     */
    public Tensor head(Workspace ws, int r0, int r1) {
        if (r0 < 0 || r1 <= r0 || r1 > ws.maxRows() || r1 - r0 > ws.maxLogitRows()) {
            throw new IllegalArgumentException("head rows [" + r0 + ", " + r1 + ") invalid for a workspace of "
                    + ws.maxRows() + " rows and " + ws.maxLogitRows() + " logit rows");
        }
        Tensor xb = ws.xb.rows(r0, r1);
        Tensor logits = ws.logits.rows(0, r1 - r0);
        backend.rmsnorm(ws.x.rows(r0, r1), weights.finalNorm(), config.rmsEps(), xb);
        backend.matmul(weights.output(), xb, logits);
        if (ws.hostLogits == ws.logits) {
            return logits;
        }
        Tensor host = ws.hostLogits.rows(0, r1 - r0);
        backend.toHost(logits, host);
        return host;
    }

    /**
     * One forward step over {@code tokens} placed after the cache's current length: embed, all layers
     * (as the hooks direct), head. Advances the cache length.
     *
     * @param logitRows how many of the last rows get logits (1 for generation, n for scoring)
     */
    public Tensor forward(int[] tokens, KvCache cache, Workspace ws, ForwardHooks hooks, int logitRows) {
        int n = tokens.length;
        if (n == 0) {
            throw new IllegalArgumentException("forward needs at least one token");
        }
        int vocab = config.vocabSize();
        for (int i = 0; i < n; i++) {
            if (tokens[i] < 0 || tokens[i] >= vocab) {
                throw new IllegalArgumentException("token id " + tokens[i] + " at index " + i + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        if (logitRows < 1 || logitRows > n) {
            throw new IllegalArgumentException("logitRows must be in [1, " + n + "], got " + logitRows);
        }
        int pos0 = cache.length();
        if (pos0 + n > cache.capacity()) {
            throw new ContextOverflowException(pos0, n, cache.capacity());
        }
        embed(tokens, ws);
        layers(ws, cache, pos0, n, 0, config.layers(), hooks);
        cache.setLength(pos0 + n);
        return head(ws, n - logitRows, n);
    }

    private static void checkRows(Workspace ws, int n) {
        if (n <= 0 || n > ws.maxRows()) {
            throw new IllegalArgumentException(n + " rows do not fit a workspace of " + ws.maxRows() + " rows");
        }
    }
}
