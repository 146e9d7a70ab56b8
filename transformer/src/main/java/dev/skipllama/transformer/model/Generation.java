package dev.skipllama.transformer.model;

import dev.skipllama.transformer.generate.DecodeStats;

/**
 * The result of {@link Session#generate}.
 *
 * @param text   the generated text (prompt excluded, stop string excluded)
 * @param tokens the generated token ids
 * @param stop   why generation ended
 * @param stats  timings and work counters
 */
public record Generation(String text, int[] tokens, StopReason stop, DecodeStats stats) {

    public enum StopReason {
        /** The model produced an end-of-generation token (EOS, {@code <|eot_id|>}, …). */
        END_OF_TEXT,
        /** The text reached a stop string. */
        STOP_STRING,
        /** The token budget ran out. */
        MAX_TOKENS,
        /** The caller's callback asked to stop. */
        CALLER
    }
}
