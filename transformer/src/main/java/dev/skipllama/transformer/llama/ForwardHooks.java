package dev.skipllama.transformer.llama;

import dev.skipllama.tensor.Tensor;

/**
 * The seam every layer-skipping method plugs into: the forward pass asks before each layer what to
 * do, shows the hidden state after it, and stops early when asked. Methods in {@code skip/} are
 * implementations of this interface over the one forward pass, never copies of it.
 *
 * <p>Hidden states are {@code [rows, dim]} F32 views valid only during the call.
 */
public interface ForwardHooks {

    /** Runs every layer. */
    ForwardHooks FULL = new ForwardHooks() {
    };

    /** The action for {@code layer}; called once per layer per forward call. */
    default LayerAction action(int layer) {
        return LayerAction.RUN;
    }

    /**
     * Whether a layer whose attention is skipped still writes its KV-cache rows for these positions.
     * Later tokens that run the layer attend to every earlier position, so a skipped layer must leave
     * something there. The default computes them from the hidden state that reached the layer (the
     * CALM-style "state propagation" of Schuster et al. 2022): two small projections instead of the
     * whole layer.
     */
    default boolean fillSkippedKv(int layer) {
        return true;
    }

    /**
     * Observes the hidden state between the attention and FFN sublayers of {@code layer} (after the
     * attention residual add, or unchanged when attention was skipped). Sublayer-level methods
     * (attention drop, FFN-SkipLLM) measure how much each sublayer changes the state here.
     */
    default void afterAttention(int layer, Tensor hidden) {
    }

    /** Observes the hidden state after {@code layer} (run or skipped). */
    default void afterLayer(int layer, Tensor hidden) {
    }

    /**
     * Whether to stop after {@code layer} and apply the final norm + LM head to its hidden state
     * (early exit). Layers after it are not run; their KV rows are filled per {@link #fillSkippedKv}.
     */
    default boolean exitAfter(int layer, Tensor hidden) {
        return false;
    }
}
