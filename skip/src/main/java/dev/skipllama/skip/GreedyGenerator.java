package dev.skipllama.skip;

import dev.skipllama.tensor.Tensor;
import dev.skipllama.transformer.generate.StepHooks;
import dev.skipllama.transformer.llama.KvCache;
import dev.skipllama.transformer.llama.Llama;
import dev.skipllama.transformer.llama.NonFinite;
import dev.skipllama.transformer.llama.Workspace;
import dev.skipllama.transformer.sampling.Sampler;

/**
 * Greedy generation (and teacher-forced scoring) driven by a {@link SkipMethod}, following its calling convention: reset, one
 * prefill forward (generated token 0 is the argmax of its last row), then one single-token forward
 * per further token with {@link SkipMethod#hooks}. The method's stats count every forward (wired in
 * here, through {@link StepHooks#counted}).
 */
public final class GreedyGenerator {
    private GreedyGenerator() {
    }

    /** The generated tokens and, for each, the logits it was chosen from. */
    public record Result(int[] tokens, float[][] logits) {
    }

    public static Result generate(Llama model, SkipMethod method, int[] prompt, int newTokens) {
        return run(model, method, prompt, newTokens, null);
    }

    /**
     * Teacher forcing: the same calling sequence, but step {@code t >= 1} feeds {@code continuation[t-1]}
     * instead of the method's own previous choice, so two methods can be compared token by token on
     * one text. Returns {@code continuation.length + 1} steps; {@code tokens} are still the argmaxes.
     */
    public static Result teacherForced(Llama model, SkipMethod method, int[] prompt, int[] continuation) {
        return run(model, method, prompt, continuation.length + 1, continuation);
    }

    private static Result run(Llama model, SkipMethod method, int[] prompt, int newTokens, int[] forced) {
        if (prompt.length == 0 || newTokens < 1) {
            throw new IllegalArgumentException("need a non-empty prompt and at least one new token, got "
                    + prompt.length + " prompt tokens and " + newTokens + " new tokens");
        }
        int[] out = new int[newTokens];
        float[][] logits = new float[newTokens][];
        method.reset();
        try (KvCache cache = model.kvCache(prompt.length + newTokens - 1);
             Workspace ws = model.workspace(prompt.length, 1)) {
            Tensor l = model.forward(prompt, cache, ws, StepHooks.counted(method, 0, 0, prompt.length), 1);
            for (int step = 0; ; step++) {
                logits[step] = l.toFloatArray();
                NonFinite.requireFinite(logits[step], cache.length() - 1, null);
                out[step] = argmax(logits[step]);
                if (step + 1 == newTokens) {
                    break;
                }
                int position = cache.length();
                int next = forced == null ? out[step] : forced[step];
                l = model.forward(new int[]{next}, cache, ws, StepHooks.counted(method, step + 1, position, 1), 1);
            }
        }
        return new Result(out, logits);
    }

    /** Index of the largest value (the first on ties). */
    public static int argmax(float[] v) {
        return Sampler.argmax(v, v.length);
    }
}
