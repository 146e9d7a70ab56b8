package dev.skipllama.skip.eval;

import dev.skipllama.skip.FullModel;
import dev.skipllama.skip.SkipMethod;
import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.transformer.ProgressListener;
import dev.skipllama.transformer.generate.StepHooks;
import dev.skipllama.transformer.llama.ForwardHooks;
import dev.skipllama.transformer.llama.KvCache;
import dev.skipllama.transformer.llama.Llama;
import dev.skipllama.transformer.model.Model;
import dev.skipllama.transformer.llama.NonFinite;
import dev.skipllama.transformer.llama.Workspace;
import java.util.Arrays;

/**
 * Teacher-forced perplexity: exp of the mean negative log-likelihood of each token given the ones
 * before it, over windows of at most the model's context (each window scores all but its first
 * token, as llama.cpp's {@code llama-perplexity} without overlap does).
 *
 * <p>The full model scores a window in batched chunks, every row's logits at once. A skipping
 * method decides per generated token, so it is run the way it generates: the window's first token
 * as the prompt, then one token per step with the method's hooks for that step; by batch invariance
 * the full model gives the same numbers either way.
 */
public final class Perplexity {
    private static final int CHUNK = 64;

    private Perplexity() {
    }

    /** @param perplexity exp(nll / scored); @param nll total negative log-likelihood in nats */
    public record Result(double perplexity, double nll, long scored) {
    }

    /** {@link #of(Llama, SkipMethod, int[], int, ProgressListener)} for a loaded {@link Model}. */
    public static Result of(Model model, SkipMethod method, int[] text, int window, ProgressListener progress) {
        return of(model.llama(), method, text, window, progress);
    }

    /**
     * Over an F32 KV cache.
     *
     * @param method  a skipping method, or null for the full model
     * @param window  tokens per window, at most the model's context length
     * @param progress told tokens scored so far out of the total
     */
    public static Result of(Llama llama, SkipMethod method, int[] text, int window, ProgressListener progress) {
        return of(llama, method, text, window, progress, DType.F32);
    }

    /** The same over a KV cache of {@code kvType}: F16 attends as llama.cpp does by default ({@code KvCache}). */
    public static Result of(Llama llama, SkipMethod method, int[] text, int window, ProgressListener progress, DType kvType) {
        if (window < 2 || window > llama.config().contextLength()) {
            throw new IllegalArgumentException("perplexity window must be in [2, " + llama.config().contextLength()
                    + "] (the context length), got " + window);
        }
        if (text.length < 2) {
            throw new IllegalArgumentException("perplexity needs at least 2 tokens of text, got " + text.length);
        }
        long total = 0;
        for (int from = 0; from + 1 < text.length; from += window) {
            total += Math.min(text.length, from + window) - from - 1;
        }
        double nll = 0;
        long scored = 0;
        float[] row = new float[llama.config().vocabSize()];
        boolean batched = method == null || method instanceof FullModel;
        try (Workspace ws = llama.workspace(CHUNK, batched ? CHUNK : 1);
             KvCache cache = llama.kvCache(window, kvType)) {
            for (int from = 0; from + 1 < text.length; from += window) {
                int[] w = Arrays.copyOfRange(text, from, Math.min(text.length, from + window));
                cache.truncate(0);
                if (batched) {
                    for (int p0 = 0; p0 + 1 < w.length; p0 += CHUNK) {
                        int n = Math.min(CHUNK, w.length - 1 - p0); // rows p0..p0+n-1 predict tokens p0+1..p0+n
                        Tensor logits = llama.forward(Arrays.copyOfRange(w, p0, p0 + n), cache, ws, ForwardHooks.FULL, n);
                        for (int r = 0; r < n; r++) {
                            nll += nll(logits.row(r), w[p0 + r + 1], row, from + p0 + r);
                        }
                        scored += n;
                        progress.progress(scored, total);
                    }
                } else {
                    method.reset();
                    Tensor logits = llama.forward(new int[]{w[0]}, cache, ws, StepHooks.counted(method, 0, 0, 1), 1);
                    for (int t = 1; t < w.length; t++) {
                        nll += nll(logits, w[t], row, from + t - 1);
                        scored++;
                        if (t + 1 < w.length) {
                            logits = llama.forward(new int[]{w[t]}, cache, ws, StepHooks.counted(method, t, cache.length(), 1), 1);
                        }
                        if (scored % 16 == 0 || t + 1 == w.length) {
                            progress.progress(scored, total);
                        }
                    }
                }
            }
        }
        return new Result(Math.exp(nll / scored), nll, scored);
    }

    /**
     * −log softmax(logits)[target], with the maximum subtracted first; {@code l} is scratch of the
     * vocabulary's size. Non-finite logits (a corrupt model) are an error naming the text position,
     * not a NaN perplexity.
     */
    private static double nll(Tensor logits, int target, float[] l, int position) {
        logits.copyTo(l);
        NonFinite.requireFinite(l, position, null);
        double max = Double.NEGATIVE_INFINITY;
        for (float v : l) {
            max = Math.max(max, v);
        }
        double z = 0;
        for (float v : l) {
            z += Math.exp(v - max);
        }
        return max + Math.log(z) - l[target];
    }
}
