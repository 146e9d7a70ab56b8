package dev.skipllama.transformer.generate;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.transformer.llama.ContextOverflowException;
import dev.skipllama.transformer.llama.DelegatingHooks;
import dev.skipllama.transformer.llama.ForwardHooks;
import dev.skipllama.transformer.llama.KvCache;
import dev.skipllama.transformer.llama.LayerAction;
import dev.skipllama.transformer.llama.Llama;
import dev.skipllama.transformer.llama.NonFinite;
import dev.skipllama.transformer.llama.Workspace;
import dev.skipllama.transformer.sampling.Sampler;
import dev.skipllama.transformer.sampling.SamplingConfig;

/**
 * Autoregressive decoding: the prompt in batched chunks (matrix-matrix products, one weight read
 * per chunk), then one token per forward pass, each pass shaped by the {@link StepHooks}.
 */
public final class StandardDecoder implements TokenDecoder {
    /** Prompt tokens per batched forward pass. */
    public static final int PREFILL_CHUNK = 64;

    private final Llama model;
    private final SamplingConfig sampling;
    private final StepHooks stepHooks;
    private final KvCache cache;
    private final Workspace ws;
    private int[] cached = new int[0]; // the tokens whose KV rows the cache holds, in order

    public StandardDecoder(Llama model, SamplingConfig sampling, StepHooks stepHooks, int contextCapacity) {
        this(model, sampling, stepHooks, contextCapacity, DType.F32);
    }

    /** The same with a KV cache of {@code kvType} (F32 or F16, see {@link KvCache}). */
    public StandardDecoder(Llama model, SamplingConfig sampling, StepHooks stepHooks, int contextCapacity, DType kvType) {
        this.model = model;
        this.sampling = sampling;
        this.stepHooks = stepHooks;
        this.cache = model.kvCache(contextCapacity, kvType);
        this.ws = model.workspace(PREFILL_CHUNK, 1);
    }

    public KvCache cache() {
        return cache;
    }

    @Override
    public DecodeStats generate(int[] prompt, int maxNewTokens, TokenSink sink) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt must hold at least one token (usually BOS)");
        }
        if (prompt.length + maxNewTokens > cache.capacity()) {
            throw new ContextOverflowException(prompt.length, maxNewTokens, cache.capacity());
        }
        int reused = reusablePrefix(prompt);
        cache.truncate(reused);
        cached = java.util.Arrays.copyOf(prompt, reused); // what the cache holds should this call fail part-way
        stepHooks.reset();
        Sampler sampler = new Sampler(sampling);
        int[] history = new int[prompt.length + maxNewTokens];
        System.arraycopy(prompt, 0, history, 0, prompt.length);
        int len = prompt.length;
        long[] layerRows = {0};
        long before = 0;    // layerRows before the forward that made the current logits: the token's depth
        int rowsOfLast = 1; // rows of that forward
        long t0 = System.nanoTime();
        Tensor logits = null;
        Step last = null;   // the forward that made the current logits, to explain non-finite ones
        for (int from = reused; from < prompt.length; from += PREFILL_CHUNK) {
            int to = Math.min(prompt.length, from + PREFILL_CHUNK);
            int[] chunk = java.util.Arrays.copyOfRange(prompt, from, to);
            before = layerRows[0];
            rowsOfLast = chunk.length;
            last = new Step(chunk, from, StepHooks.counted(stepHooks, 0, from, chunk.length));
            logits = model.forward(chunk, cache, ws, counting(last.hooks, layerRows, chunk.length), 1);
        }
        int generated = 0;
        long t1 = 0;
        float[] row = new float[model.config().vocabSize()];
        while (generated < maxNewTokens) {
            logits.copyTo(row);
            Step failed = last;
            NonFinite.requireFinite(row, last.pos0 + last.tokens.length - 1,
                    () -> NonFinite.locate(model, cache, ws, failed.tokens, failed.pos0, failed.hooks));
            int next = sampler.sample(row, history, len);
            history[len++] = next;
            generated++;
            if (generated == 1) {
                t1 = System.nanoTime();
            }
            if (!sink.accept(next, (int) ((layerRows[0] - before) / rowsOfLast)) || generated == maxNewTokens) {
                break;
            }
            before = layerRows[0];
            rowsOfLast = 1;
            last = new Step(new int[]{next}, cache.length(), StepHooks.counted(stepHooks, generated, cache.length(), 1));
            logits = model.forward(last.tokens, cache, ws, counting(last.hooks, layerRows, 1), 1);
        }
        long t2 = System.nanoTime();
        // The last token was sampled but never run: the cache holds history[0, len - 1).
        cached = java.util.Arrays.copyOf(history, len - 1);
        return new DecodeStats(prompt.length - reused, generated, (t1 == 0 ? t2 : t1) - t0, t1 == 0 ? 0 : t2 - t1, layerRows[0], 0, 0, 0);
    }

    /**
     * Cache rows a new prompt can keep: the longest common prefix with the tokens the cache already
     * holds (a chat turn re-sends the conversation so far), leaving at least one token to run so there
     * are logits to sample from. Only when the hooks run prompt and generated tokens alike
     * ({@link StepHooks#reusesPrefix}: full decoding, a fixed exit, a static plan): a dynamic policy
     * computed the earlier generated tokens' KV rows differently from how a prefill would, and reusing
     * them would make the result depend on the conversation's history of calls. Batch-invariant kernels
     * make the reused rows bit-identical to a fresh prefill's.
     */
    private int reusablePrefix(int[] prompt) {
        if (!stepHooks.reusesPrefix()) {
            return 0;
        }
        int n = Math.min(Math.min(cached.length, cache.length()), prompt.length - 1);
        int k = 0;
        while (k < n && cached[k] == prompt[k]) {
            k++;
        }
        return k;
    }

    /** One forward pass: its tokens, the position of the first, and the hooks it ran with. */
    private record Step(int[] tokens, int pos0, ForwardHooks hooks) {
    }

    /** Wraps hooks to count the layer evaluations that actually run (the decoder's own total, {@link DecodeStats#layerRows}). */
    private static ForwardHooks counting(ForwardHooks h, long[] counter, int rows) {
        return new DelegatingHooks(h) {
            @Override
            public LayerAction action(int layer) {
                LayerAction a = inner.action(layer);
                if (a != LayerAction.SKIP) {
                    counter[0] += rows;
                }
                return a;
            }
        };
    }

    @Override
    public long kvCacheBytes() {
        return cache.byteSize();
    }

    @Override
    public long workspaceBytes() {
        return ws.byteSize();
    }

    @Override
    public void close() {
        cache.close();
        ws.close();
    }
}
