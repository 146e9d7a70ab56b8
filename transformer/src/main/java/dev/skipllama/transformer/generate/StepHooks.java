package dev.skipllama.transformer.generate;

import dev.skipllama.transformer.llama.ForwardHooks;

/** Chooses the forward-pass hooks for each step: a layer-skipping method is one of these. */
@FunctionalInterface
public interface StepHooks {

    StepHooks FULL = (step, position, rows) -> ForwardHooks.FULL;

    /**
     * @param step     index of the token being produced (0 for the forward over the prompt)
     * @param position position of the first row of this forward pass
     * @param rows     tokens in this forward pass (a prompt chunk, or 1)
     */
    ForwardHooks forStep(int step, int position, int rows);

    /** Called before a new sequence. */
    default void reset() {
    }
}
