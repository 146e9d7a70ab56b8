package dev.skipllama.skip;

import dev.skipllama.transformer.generate.StepHooks;
import dev.skipllama.transformer.llama.KvCache;
import dev.skipllama.transformer.llama.Llama;
import dev.skipllama.transformer.llama.LlamaWeights;
import dev.skipllama.transformer.llama.Workspace;
import java.util.ArrayList;
import java.util.List;

/**
 * Drives a method through a prompt and teacher-forced tokens one forward at a time, recording from a
 * {@link CountingBackend} which layers each forward really ran, and letting the test touch the KV
 * cache between forwards.
 */
public final class Stepper {
    /** Rows multiplied by each layer's wq (attention ran), wk (attention ran or KV filled) and w_gate (FFN ran). */
    public record Step(int step, int position, long[] attention, long[] kv, long[] ffn, float[] logits) {
        public boolean ranAttention(int layer) {
            return attention[layer] > 0;
        }

        public boolean ranFfn(int layer) {
            return ffn[layer] > 0;
        }
    }

    /** Called after each forward with its step (0 = prompt) and the cache. */
    public interface AfterStep {
        void after(int step, int position, KvCache cache);
    }

    private Stepper() {
    }

    public static List<Step> run(Llama model, CountingBackend counting, SkipMethod method, int[] prompt, int[] tokens, AfterStep after) {
        List<Step> steps = new ArrayList<>();
        method.reset();
        try (KvCache cache = new KvCache(model.config(), prompt.length + tokens.length);
             Workspace ws = model.workspace(prompt.length, 1)) {
            for (int step = 0; step <= tokens.length; step++) {
                int position = cache.length();
                long[][] before = snapshot(model, counting);
                float[] logits = step == 0
                        ? model.forward(prompt, cache, ws, StepHooks.counted(method, 0, 0, prompt.length), 1).toFloatArray()
                        : model.forward(new int[]{tokens[step - 1]}, cache, ws, StepHooks.counted(method, step, position, 1), 1).toFloatArray();
                long[][] now = snapshot(model, counting);
                for (int k = 0; k < 3; k++) {
                    for (int l = 0; l < now[k].length; l++) {
                        now[k][l] -= before[k][l];
                    }
                }
                steps.add(new Step(step, position, now[0], now[1], now[2], logits));
                if (after != null) {
                    after.after(step, position, cache);
                }
            }
        }
        return steps;
    }

    private static long[][] snapshot(Llama model, CountingBackend counting) {
        int n = model.config().layers();
        long[][] s = new long[3][n];
        for (int l = 0; l < n; l++) {
            LlamaWeights.Layer w = model.weights().layers().get(l);
            s[0][l] = counting.rows(w.wq());
            s[1][l] = counting.rows(w.wk());
            s[2][l] = counting.rows(w.wGate());
        }
        return s;
    }
}
