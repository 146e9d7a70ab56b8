package dev.skipllama.skip;

import dev.skipllama.transformer.llama.DelegatingHooks;
import dev.skipllama.transformer.llama.ForwardHooks;
import dev.skipllama.transformer.llama.LayerAction;

/**
 * Counts what a {@link SkipMethod}'s forwards executed, per layer and per token row, separately for
 * prompt prefill and generated tokens. It is fed by {@link #track}, a decorator around the method's
 * hooks that records each {@link ForwardHooks#action} the forward asked for (the forward asks exactly
 * once per layer it reaches) and each {@link ForwardHooks#fillSkippedKv} it answered yes to (the
 * forward asks exactly when it would fill), so the counts are what ran, not what was intended.
 */
public final class SkipStats {
    /** Prompt prefill or generation. */
    public enum Phase { PROMPT, GENERATED }

    private final Counts prompt;
    private final Counts generated;

    public SkipStats(int layers) {
        prompt = new Counts(layers);
        generated = new Counts(layers);
    }

    public Counts prompt() {
        return prompt;
    }

    public Counts generated() {
        return generated;
    }

    public Counts of(Phase phase) {
        return phase == Phase.PROMPT ? prompt : generated;
    }

    public void clear() {
        prompt.clear();
        generated.clear();
    }

    /** Records one extra evaluation of the final norm + LM head on {@code rows} rows (confidence exits). */
    public void headProbe(Phase phase, int rows) {
        of(phase).headProbes += rows;
    }

    /** {@code hooks}, counting one forward over {@code rows} token rows into {@code phase}. */
    public ForwardHooks track(ForwardHooks hooks, Phase phase, int rows) {
        Counts c = of(phase);
        c.tokens += rows;
        return new DelegatingHooks(hooks) {
            @Override
            public LayerAction action(int layer) {
                LayerAction a = inner.action(layer);
                if (a.runsAttention()) {
                    c.attention[layer] += rows;
                }
                if (a.runsFfn()) {
                    c.ffn[layer] += rows;
                }
                return a;
            }

            @Override
            public boolean fillSkippedKv(int layer) {
                boolean fill = inner.fillSkippedKv(layer);
                if (fill) {
                    c.kvFills[layer] += rows;
                }
                return fill;
            }
        };
    }

    @Override
    public String toString() {
        return "prompt: " + prompt + "; generated: " + generated;
    }

    /** Token rows and, per layer, sublayer executions and KV fills (each counted once per row). */
    public static final class Counts {
        private long tokens;
        private long headProbes;
        private final long[] attention;
        private final long[] ffn;
        private final long[] kvFills;

        Counts(int layers) {
            attention = new long[layers];
            ffn = new long[layers];
            kvFills = new long[layers];
        }

        void clear() {
            tokens = 0;
            headProbes = 0;
            java.util.Arrays.fill(attention, 0);
            java.util.Arrays.fill(ffn, 0);
            java.util.Arrays.fill(kvFills, 0);
        }

        public long tokens() {
            return tokens;
        }

        public long headProbes() {
            return headProbes;
        }

        public long attention(int layer) {
            return attention[layer];
        }

        public long ffn(int layer) {
            return ffn[layer];
        }

        public long kvFills(int layer) {
            return kvFills[layer];
        }

        public long attentionTotal() {
            return sum(attention);
        }

        public long ffnTotal() {
            return sum(ffn);
        }

        public long kvFillsTotal() {
            return sum(kvFills);
        }

        /** Sublayer executions divided by two: layers' worth of work per token (L for the full model). */
        public double layersPerToken() {
            return tokens == 0 ? 0 : (attentionTotal() + ffnTotal()) / 2.0 / tokens;
        }

        public double attentionPerToken() {
            return tokens == 0 ? 0 : (double) attentionTotal() / tokens;
        }

        public double ffnPerToken() {
            return tokens == 0 ? 0 : (double) ffnTotal() / tokens;
        }

        private static long sum(long[] a) {
            long s = 0;
            for (long v : a) {
                s += v;
            }
            return s;
        }

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT,
                    "%d tokens, %.2f layers/token (attention %.2f, FFN %.2f), %d KV fills, %d head probes",
                    tokens, layersPerToken(), attentionPerToken(), ffnPerToken(), kvFillsTotal(), headProbes);
        }
    }
}
