package dev.skipllama.transformer.generate;

import dev.skipllama.transformer.llama.ForwardHooks;

/** Chooses the forward-pass hooks for each step: a layer-skipping method is one of these. */
@FunctionalInterface
public interface StepHooks {

    /** Every layer for every token; a repeated prefix's KV rows are reused. */
    StepHooks FULL = new StepHooks() {
        @Override
        public ForwardHooks forStep(int step, int position, int rows) {
            return ForwardHooks.FULL;
        }

        @Override
        public boolean reusesPrefix() {
            return true;
        }
    };

    /**
     * @param step     index of the token being produced (0 for the forward over the prompt)
     * @param position position of the first row of this forward pass
     * @param rows     tokens in this forward pass (a prompt chunk, or 1)
     */
    ForwardHooks forStep(int step, int position, int rows);

    /** Called before a new sequence. */
    default void reset() {
    }

    /**
     * Whether a token's KV rows come out the same from a prompt forward and from a generation step
     * (true when both run the same layers): then a decoder may keep the rows of a prompt prefix it has
     * already seen. False by default, since a skipping policy usually runs generated tokens differently.
     */
    default boolean reusesPrefix() {
        return false;
    }
}
