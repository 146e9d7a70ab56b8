package dev.skipllama.skip;

import dev.skipllama.transformer.generate.StepCounter;
import dev.skipllama.transformer.generate.StepHooks;
import dev.skipllama.transformer.llama.ForwardHooks;

/**
 * One way of doing less work per token, as a policy over the one forward pass of
 * {@link dev.skipllama.transformer.llama.Llama}: every static plan and every dynamic method hands the
 * forward a {@link ForwardHooks} per call and never runs layers itself. A method <em>is</em> the
 * {@link StepHooks} a decoder runs ({@code SessionOptions.withSkip(method)}, or
 * {@code new StandardDecoder(llama, sampling, method.forSession(), n)}).
 *
 * <p><b>Calling convention</b> (what {@link GreedyGenerator} and {@code StandardDecoder} do): a
 * sequence starts with {@link #reset()}, then one forward of the prompt with {@link #prefill} hooks;
 * its last row's logits give generated token 0. Each further forward feeds generated token
 * {@code step - 1} at {@code position} and produces generated token {@code step} ({@code step >= 1})
 * with {@link #hooks}. Prefill normally runs the full model (dynamic methods) or the static plan.
 *
 * <p><b>Statistics.</b> {@link #stats()} is this method's {@link StepCounter}: the decoder that runs a
 * forward wires it in ({@link StepHooks#counted}), so methods return plain hooks and never count.
 * The counts come from the actions the forward was actually given (which sublayers ran, how many
 * skipped layers had their KV rows filled), so they can be checked against the backend's own op
 * counts; a method's own extra work (a confidence exit's head probes) is added by the method.
 * {@link #reset()} does not clear them (an evaluation sums over sequences); {@link SkipStats#clear()}
 * does.
 */
public interface SkipMethod extends StepHooks {

    /** A spec that makes this method again with {@link SkipMethods#parse}, e.g. {@code "shortgpt:3"}. */
    String name();

    /** Hooks for one forward over {@code tokens} prompt tokens starting at {@code position}. */
    ForwardHooks prefill(int position, int tokens);

    /** Hooks for the single-token forward at {@code position} that produces generated token {@code step}. */
    ForwardHooks hooks(int step, int position);

    /** Step 0 is the prompt ({@link #prefill}), every later step one generated token ({@link #hooks}). */
    @Override
    default ForwardHooks forStep(int step, int position, int rows) {
        return step == 0 ? prefill(position, rows) : hooks(step, position);
    }

    /** Forgets per-sequence state (dynamic schedules, similarity estimates) before a new sequence; none by default. */
    @Override
    default void reset() {
    }

    /** What the forwards driven by this method actually executed (summed over its {@link #forSession} instances). */
    SkipStats stats();

    @Override
    default StepCounter counter() {
        return stats();
    }

    /**
     * This method for one more decoder: the same settings and the same {@link #stats()}, with
     * per-sequence state of its own. Sessions of one model may run on several threads, and a method
     * whose state follows a sequence (D³'s depth, SkipDecode's start, AdaSkip's estimates, a confidence
     * exit's head buffers) shared by two of them would mix their sequences and change their text.
     * Methods without such state return themselves.
     */
    @Override
    SkipMethod forSession();

    /**
     * Whether the KV rows this method writes for a token are the same whether the token was in a
     * prompt or generated: true when prefill and generation run the same actions (the full model, a
     * fixed exit, a static plan). Only then may a session keep the rows of a repeated prefix (a chat
     * turn re-sends the conversation) and get the same text as a fresh session.
     */
    @Override
    default boolean reusesPrefix() {
        return false;
    }
}
