package dev.skipllama.transformer.generate;

import dev.skipllama.transformer.llama.ContextOverflowException;
import dev.skipllama.transformer.llama.DelegatingHooks;
import dev.skipllama.transformer.llama.ForwardHooks;
import dev.skipllama.transformer.llama.KvCache;
import dev.skipllama.transformer.llama.LayerAction;
import dev.skipllama.transformer.llama.Llama;
import dev.skipllama.transformer.llama.Workspace;
import dev.skipllama.transformer.sampling.Sampler;
import dev.skipllama.transformer.sampling.SamplingConfig;
import dev.skipllama.tensor.Tensor;

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

    public StandardDecoder(Llama model, SamplingConfig sampling, StepHooks stepHooks, int contextCapacity) {
        this.model = model;
        this.sampling = sampling;
        this.stepHooks = stepHooks;
        this.cache = model.kvCache(contextCapacity);
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
        cache.truncate(0);
        stepHooks.reset();
        Sampler sampler = new Sampler(sampling);
        int[] history = new int[prompt.length + maxNewTokens];
        System.arraycopy(prompt, 0, history, 0, prompt.length);
        int len = prompt.length;
        long[] layerRows = {0};
        long t0 = System.nanoTime();
        Tensor logits = null;
        for (int from = 0; from < prompt.length; from += PREFILL_CHUNK) {
            int to = Math.min(prompt.length, from + PREFILL_CHUNK);
            int[] chunk = java.util.Arrays.copyOfRange(prompt, from, to);
            logits = model.forward(chunk, cache, ws, counting(stepHooks.forStep(0, from, chunk.length), layerRows, chunk.length), 1);
        }
        int generated = 0;
        long t1 = 0;
        float[] row = new float[model.config().vocabSize()];
        while (generated < maxNewTokens) {
            logits.copyTo(row);
            int next = sampler.sample(row, history, len);
            history[len++] = next;
            generated++;
            if (generated == 1) {
                t1 = System.nanoTime();
            }
            if (!sink.accept(next) || generated == maxNewTokens) {
                break;
            }
            logits = model.forward(new int[]{next}, cache, ws, counting(stepHooks.forStep(generated, cache.length(), 1), layerRows, 1), 1);
        }
        long t2 = System.nanoTime();
        return new DecodeStats(prompt.length, generated, (t1 == 0 ? t2 : t1) - t0, t1 == 0 ? 0 : t2 - t1, layerRows[0], 0, 0, 0);
    }

    /** Wraps hooks to count the layer evaluations that actually run. */
    public static ForwardHooks counting(ForwardHooks h, long[] counter, int rows) {
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
    public void close() {
        cache.close();
        ws.close();
    }
}
