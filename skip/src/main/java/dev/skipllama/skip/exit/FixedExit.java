package dev.skipllama.skip.exit;

import dev.skipllama.skip.SkipMethod;
import dev.skipllama.skip.SkipStats;
import dev.skipllama.transformer.llama.ForwardHooks;
import dev.skipllama.transformer.llama.LayerAction;
import dev.skipllama.tensor.Tensor;

/**
 * Early exit at a fixed layer (LayerSkip, Elhoushi et al. 2024, §4.1): run layers {@code 0..E-1}
 * and apply the shared final norm + LM head to {@code h_E}. Spec {@code "exit:E"}.
 *
 * <p>Every token exits at E, the prompt included, so this is the model truncated to E layers: no
 * token ever runs a layer {@code >= E}, nobody reads those layers' KV rows, and they are not filled
 * ({@link ForwardHooks#fillSkippedKv} is false). {@code E = L} is the full model.
 */
public final class FixedExit implements SkipMethod {
    private final int layers;
    private final int exit;
    private final SkipStats stats;
    private final ForwardHooks hooks;

    public FixedExit(int layers, int exitLayer) {
        if (exitLayer < 1 || exitLayer > layers) {
            throw new IllegalArgumentException("exit layer must be in [1, " + layers + "] (layers run before the head), got " + exitLayer);
        }
        this.layers = layers;
        this.exit = exitLayer;
        this.stats = new SkipStats(layers);
        this.hooks = new ForwardHooks() {
            @Override
            public boolean exitAfter(int layer, Tensor hidden) {
                return layer == exit - 1;
            }

            @Override
            public boolean fillSkippedKv(int layer) {
                return false;
            }

            @Override
            public LayerAction action(int layer) {
                return LayerAction.RUN;
            }
        };
    }

    /** Layers run per token. */
    public int exitLayer() {
        return exit;
    }

    @Override
    public String name() {
        return "exit:" + exit;
    }

    @Override
    public ForwardHooks prefill(int position, int tokens) {
        return hooks;
    }

    @Override
    public ForwardHooks hooks(int step, int position) {
        return hooks;
    }

    /** No per-sequence state: every session may share this instance. */
    @Override
    public SkipMethod forSession() {
        return this;
    }

    /** Prompt and generated tokens run the same layers, so their KV rows agree and a repeated prefix is reused. */
    @Override
    public boolean reusesPrefix() {
        return true;
    }

    @Override
    public SkipStats stats() {
        return stats;
    }

    @Override
    public String toString() {
        return name() + " of " + layers + " layers";
    }
}
