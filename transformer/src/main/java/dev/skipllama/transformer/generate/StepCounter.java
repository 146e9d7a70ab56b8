package dev.skipllama.transformer.generate;

import dev.skipllama.transformer.llama.ForwardHooks;

/**
 * Counts what the forwards of a {@link StepHooks} policy actually ran. A decoder wires it in once per
 * forward ({@link StepHooks#counted}); policies hand out plain hooks and never count themselves.
 */
@FunctionalInterface
public interface StepCounter {

    /** Counts nothing. */
    StepCounter NONE = (hooks, step, rows) -> hooks;

    /**
     * {@code hooks}, counting what one forward over {@code rows} token rows runs with them;
     * {@code step} 0 is the prompt, {@code step >= 1} produces generated token {@code step}.
     */
    ForwardHooks counting(ForwardHooks hooks, int step, int rows);
}
