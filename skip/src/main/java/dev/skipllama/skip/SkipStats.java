package dev.skipllama.skip;

import dev.skipllama.transformer.generate.StepCounter;
import dev.skipllama.transformer.llama.DelegatingHooks;
import dev.skipllama.transformer.llama.ForwardHooks;
import dev.skipllama.transformer.llama.LayerAction;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counts what a {@link SkipMethod}'s forwards executed, per layer and per token row, separately for
 * prompt prefill and generated tokens. The decoder that runs a forward feeds it through
 * {@link #counting} (it is the method's {@link StepCounter}): a decorator around the method's hooks
 * that records each {@link ForwardHooks#action} the forward asked for (the forward asks exactly once
 * per layer it reaches) and each {@link ForwardHooks#fillSkippedKv} it answered yes to (the forward
 * asks exactly when it would fill), so the counts are what ran, not what was intended.
 */
public final class SkipStats implements StepCounter {
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
        of(phase).headProbes.addAndGet(rows);
    }

    /** Step 0 is the prompt, every later step a generated token. */
    @Override
    public ForwardHooks counting(ForwardHooks hooks, int step, int rows) {
        return track(hooks, step == 0 ? Phase.PROMPT : Phase.GENERATED, rows);
    }

    /** {@code hooks}, counting one forward over {@code rows} token rows into {@code phase}. */
    public ForwardHooks track(ForwardHooks hooks, Phase phase, int rows) {
        Counts c = of(phase);
        c.tokens.addAndGet(rows);
        return new DelegatingHooks(hooks) {
            @Override
            public LayerAction action(int layer) {
                LayerAction a = inner.action(layer);
                if (a.runsAttention()) {
                    c.attention.addAndGet(layer, rows);
                }
                if (a.runsFfn()) {
                    c.ffn.addAndGet(layer, rows);
                }
                return a;
            }

            @Override
            public boolean fillSkippedKv(int layer) {
                boolean fill = inner.fillSkippedKv(layer);
                if (fill) {
                    c.kvFills.addAndGet(layer, rows);
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
        private final AtomicLong tokens = new AtomicLong();
        private final AtomicLong headProbes = new AtomicLong();
        private final AtomicLongArray attention;
        private final AtomicLongArray ffn;
        private final AtomicLongArray kvFills;

        Counts(int layers) {
            attention = new AtomicLongArray(layers);
            ffn = new AtomicLongArray(layers);
            kvFills = new AtomicLongArray(layers);
        }

        void clear() {
            tokens.set(0);
            headProbes.set(0);
            for (int l = 0; l < attention.length(); l++) {
                attention.set(l, 0);
                ffn.set(l, 0);
                kvFills.set(l, 0);
            }
        }

        public long tokens() {
            return tokens.get();
        }

        public long headProbes() {
            return headProbes.get();
        }

        public long attention(int layer) {
            return attention.get(layer);
        }

        public long ffn(int layer) {
            return ffn.get(layer);
        }

        public long kvFills(int layer) {
            return kvFills.get(layer);
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
            long t = tokens();
            return t == 0 ? 0 : (attentionTotal() + ffnTotal()) / 2.0 / t;
        }

        public double attentionPerToken() {
            long t = tokens();
            return t == 0 ? 0 : (double) attentionTotal() / t;
        }

        public double ffnPerToken() {
            long t = tokens();
            return t == 0 ? 0 : (double) ffnTotal() / t;
        }

        private static long sum(AtomicLongArray a) {
            long s = 0;
            for (int i = 0; i < a.length(); i++) {
                s += a.get(i);
            }
            return s;
        }

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT,
                    "%d tokens, %.2f layers/token (attention %.2f, FFN %.2f), %d KV fills, %d head probes",
                    tokens(), layersPerToken(), attentionPerToken(), ffnPerToken(), kvFillsTotal(), headProbes());
        }
    }
}
