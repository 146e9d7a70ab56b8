package dev.skipllama.skip.dynamic;

import dev.skipllama.skip.SkipMethod;
import dev.skipllama.skip.SkipStats;
import dev.skipllama.skip.calibration.SublayerObserver;
import dev.skipllama.tensor.Backend;
import dev.skipllama.transformer.llama.ForwardHooks;
import dev.skipllama.transformer.llama.LayerAction;
import java.util.Arrays;
import java.util.Locale;

/**
 * Similarity-based sublayer skipping in the style of AdaSkip (He et al. 2025, "AdaSkip: Adaptive
 * Sublayer Skipping for Accelerating Long-Context LLM Inference", §3: sublayer importance from the
 * similarity of its input and output, refreshed online) and FFN-SkipLLM (Jaiswal et al. 2024, §3:
 * skip an FFN whose output is nearly its input, judged from the tokens before). Spec
 * {@code "adaskip:τ[,decay=β][,refresh=R][,only=attn|ffn]"}.
 *
 * <p>Per sublayer (attention and FFN of each layer) an exponential moving average of
 * {@code cos(input, output)} is kept over the tokens where it ran: {@code e ← (1-β) e + β c}, started
 * from the mean over the prompt, which is prefilled with the full model. For each generated token, a
 * sublayer whose prediction {@code e} is strictly above τ is skipped (so τ = 1 never skips) —
 * <b>except</b> on the refresh schedule: a sublayer that has been skipped for R consecutive tokens
 * runs on the next one, so its estimate is measured again and it stays skipped only while it keeps
 * looking like an identity. With R = 4 a skippable sublayer runs on one token in five.
 *
 * <p>The attention input of layer 0 is the embedding, which the forward does not show to hooks, so
 * that one sublayer is never skipped (the first layer is also the one every pruning study keeps).
 * KV rows of a skipped attention sublayer are filled from the state that reached it (CALM state
 * propagation, the decoder's default), since a later token may run that sublayer and attend here.
 */
public final class AdaSkip implements SkipMethod {
    private final int layers;
    private final double threshold;
    private final double decay;
    private final int refresh;
    private final SublayerScope scope;
    private final SkipStats stats;
    private final double[] estimate;   // [2L]: attention of l at 2l, FFN of l at 2l+1; NaN until observed
    private final int[] skippedInARow; // [2L]
    private final int dim;
    private final Backend backend;

    /** For a model on a host backend. */
    public AdaSkip(int layers, int dim, double threshold, double decay, int refresh, SublayerScope scope) {
        this(layers, dim, threshold, decay, refresh, scope, null);
    }

    /** For a model on {@code backend} (null: the host), through which the hidden states are read. */
    public AdaSkip(int layers, int dim, double threshold, double decay, int refresh, SublayerScope scope, Backend backend) {
        this(layers, dim, threshold, decay, refresh, scope, backend, new SkipStats(layers));
    }

    private AdaSkip(int layers, int dim, double threshold, double decay, int refresh, SublayerScope scope, Backend backend,
                    SkipStats stats) {
        if (!(threshold >= -1)) {
            throw new IllegalArgumentException("AdaSkip cosine threshold must be a number >= -1, got " + threshold);
        }
        if (!(decay > 0 && decay <= 1)) {
            throw new IllegalArgumentException("AdaSkip EMA weight β must be in (0, 1], got " + decay);
        }
        if (refresh < 1) {
            throw new IllegalArgumentException("AdaSkip refresh period must be >= 1 token, got " + refresh);
        }
        this.layers = layers;
        this.dim = dim;
        this.backend = backend;
        this.threshold = threshold;
        this.decay = decay;
        this.refresh = refresh;
        this.scope = scope;
        this.stats = stats;
        this.estimate = new double[2 * layers];
        this.skippedInARow = new int[2 * layers];
        reset();
    }

    /** The current prediction of {@code cos(input, output)} for a sublayer, NaN before any observation. */
    public double estimate(int layer, boolean attention) {
        return estimate[2 * layer + (attention ? 0 : 1)];
    }

    @Override
    public String name() {
        return String.format(Locale.ROOT, "adaskip:%s,decay=%s,refresh=%d,only=%s", threshold, decay, refresh, scope.spec());
    }

    @Override
    public ForwardHooks prefill(int position, int tokens) {
        LayerAction[] all = new LayerAction[layers];
        Arrays.fill(all, LayerAction.RUN);
        return new Observer(all);
    }

    @Override
    public ForwardHooks hooks(int step, int position) {
        LayerAction[] actions = new LayerAction[layers];
        for (int l = 0; l < layers; l++) {
            boolean attn = scope != SublayerScope.FFN && l > 0 && decide(2 * l);
            boolean ffn = scope != SublayerScope.ATTENTION && decide(2 * l + 1);
            actions[l] = scope.action(attn, ffn);
        }
        return new Observer(actions);
    }

    /** Whether to skip sublayer {@code s} for this token; updates the refresh counter. */
    private boolean decide(int s) {
        boolean skip = estimate[s] > threshold && skippedInARow[s] < refresh;
        skippedInARow[s] = skip ? skippedInARow[s] + 1 : 0;
        return skip;
    }

    private void observe(int s, double meanCos) {
        estimate[s] = Double.isNaN(estimate[s]) ? meanCos : (1 - decay) * estimate[s] + decay * meanCos;
    }

    @Override
    public void reset() {
        Arrays.fill(estimate, Double.NaN);
        Arrays.fill(skippedInARow, 0);
    }

    /** The similarity estimates and refresh counters follow the sequence: each session gets its own. */
    @Override
    public SkipMethod forSession() {
        return new AdaSkip(layers, dim, threshold, decay, refresh, scope, backend, stats);
    }

    @Override
    public SkipStats stats() {
        return stats;
    }

    /** Applies one forward's actions and measures the sublayers that ran. */
    private final class Observer extends SublayerObserver {
        private final LayerAction[] actions;

        Observer(LayerAction[] actions) {
            super(AdaSkip.this.dim, backend);
            this.actions = actions;
        }

        @Override
        public LayerAction action(int layer) {
            return actions[layer];
        }

        @Override
        protected void onAttention(int layer) {
            if (actions[layer].runsAttention()) {
                observe(2 * layer, meanCosine(in, mid));
            }
        }

        @Override
        protected void onLayer(int layer, boolean inputKnown) {
            if (actions[layer].runsFfn()) {
                observe(2 * layer + 1, meanCosine(mid, out));
            }
        }
    }
}
