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

    /** What the forwards driven by this method actually executed (summed over its {@link #forSession} instances). */
    SkipStats stats();

    /**
     * This method for one more decoder: the same settings and the same {@link #stats()}, with
     * per-sequence state of its own. Sessions of one model may run on several threads, and a method
     * whose state follows a sequence (D³'s depth, SkipDecode's start, AdaSkip's estimates, a confidence
     * exit's head buffers) shared by two of them would mix their sequences and change their text.
     * Methods without such state return themselves.
     */
    SkipMethod forSession();

    /**
     * Whether the KV rows this method writes for a token are the same whether the token was in a
     * prompt or generated: true when prefill and generation run the same actions (the full model, a
     * fixed exit, a static plan). Only then may a session keep the rows of a repeated prefix (a chat
     * turn re-sends the conversation) and get the same text as a fresh session.
     */
    default boolean reusesPrefix() {
        return false;
    }

    /**
     * This method as a decoder's per-step hooks (step 0 is the prompt), for {@code StandardDecoder} and
     * sessions. Each call drives a fresh {@link #forSession} instance, so a decoder factory
     * {@code (llama, s, n) -> new StandardDecoder(llama, s, m.asStepHooks(), n)} gives every session its
     * own state while {@code m.stats()} counts them all.
     */
    default StepHooks asStepHooks() {
        SkipMethod m = forSession();
        return new StepHooks() {
            @Override
            public ForwardHooks forStep(int step, int position, int rows) {
                return step == 0 ? m.prefill(position, rows) : m.hooks(step, position);
            }

            @Override
            public void reset() {
                m.reset();
            }

            @Override
            public boolean reusesPrefix() {
                return m.reusesPrefix();
            }
        };
    }
}
