package dev.skipllama.transformer.generate;

import dev.skipllama.transformer.llama.ForwardHooks;

/**
 * Chooses the forward-pass hooks for each step: a layer-skipping method is one of these. Decoders
 * ask for a step's hooks through {@link #counted}, which wires in the policy's {@link #counter()}, so
 * every forward is counted the same way whichever decoder runs it.
 */
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

    /**
     * This policy for one more decoder: the same settings and the same counter, with per-sequence state
     * of its own. Sessions of one model may run on several threads, and a policy whose state follows a
     * sequence must not be shared by two of them; {@code SessionOptions.withSkip} calls this once per
     * session. Policies without such state return themselves (the default).
     */
    default StepHooks forSession() {
        return this;
    }

    /** Where the decoder counts what this policy's forwards ran; nowhere by default. */
    default StepCounter counter() {
        return StepCounter.NONE;
    }

    /** The hooks of one forward step, counted by the policy's {@link #counter()}: what decoders call. */
    static ForwardHooks counted(StepHooks policy, int step, int position, int rows) {
        return policy.counter().counting(policy.forStep(step, position, rows), step, rows);
    }
}
