package dev.skipllama.skip;

import dev.skipllama.transformer.generate.StepHooks;
import dev.skipllama.transformer.llama.ForwardHooks;

/**
 * One way of doing less work per token, as a policy over the one forward pass of
 * {@link dev.skipllama.transformer.llama.Llama}: every static plan and every dynamic method hands the
 * forward a {@link ForwardHooks} per call and never runs layers itself.
 *
 * <p><b>Calling convention</b> (what {@link GreedyGenerator} does): a sequence starts with
 * {@link #reset()}, then one forward of the prompt with {@link #prefill} hooks; its last row's logits
 * give generated token 0. Each further forward feeds generated token {@code step - 1} at
 * {@code position} and produces generated token {@code step} ({@code step >= 1}) with
 * {@link #hooks}. Prefill normally runs the full model (dynamic methods) or the static plan.
 *
 * <p>Every forward a method's hooks drive is counted in {@link #stats()}: which sublayers ran, how
 * many skipped layers had their KV rows filled, how many extra head evaluations were made. The
 * counts come from the actions the forward was actually given, so they can be checked against the
 * backend's own op counts. {@link #reset()} does not clear them (an evaluation sums over sequences);
 * {@link SkipStats#clear()} does.
 */
public interface SkipMethod {

    /** A spec that makes this method again with {@link SkipMethods#parse}, e.g. {@code "shortgpt:3"}. */
    String name();

    /** Hooks for one forward over {@code tokens} prompt tokens starting at {@code position}. */
    ForwardHooks prefill(int position, int tokens);

    /** Hooks for the single-token forward at {@code position} that produces generated token {@code step}. */
    ForwardHooks hooks(int step, int position);

    /** Forgets per-sequence state (dynamic schedules, similarity estimates) before a new sequence; none by default. */
    default void reset() {
    }

    /** What the forwards driven by this method actually executed. */
    SkipStats stats();

    /** This method as a decoder's per-step hooks (step 0 is the prompt), for {@code StandardDecoder} and sessions. */
    default StepHooks asStepHooks() {
        SkipMethod m = this;
        return new StepHooks() {
            @Override
            public ForwardHooks forStep(int step, int position, int rows) {
                return step == 0 ? m.prefill(position, rows) : m.hooks(step, position);
            }

            @Override
            public void reset() {
                m.reset();
            }
        };
    }
}
