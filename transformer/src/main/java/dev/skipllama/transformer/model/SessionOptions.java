package dev.skipllama.transformer.model;

import dev.skipllama.transformer.generate.StandardDecoder;
import dev.skipllama.transformer.generate.StepHooks;
import dev.skipllama.transformer.generate.TokenDecoder;
import dev.skipllama.transformer.llama.Llama;
import dev.skipllama.transformer.sampling.SamplingConfig;
import java.util.List;

/**
 * How a {@link Session} generates.
 *
 * @param contextLength KV-cache positions (prompt + generated); at most the model's context length
 * @param sampling      greedy or sampled decoding
 * @param decoder       makes the token decoder: plain decoding by default, or a method from skip/
 * @param stopStrings   generation ends when the text ends with one of these (the stop string is kept out of the result)
 */
public record SessionOptions(int contextLength, SamplingConfig sampling, DecoderFactory decoder, List<String> stopStrings) {

    /**
     * Builds the decoder for a session. It is called once per session, possibly on several threads
     * for sessions of one model, and each call must return a decoder with state of its own: a factory
     * that hands every session the same stateful object (one skipping method instance, say) makes
     * concurrent sessions corrupt each other's text. {@code SkipMethod.asStepHooks()} makes a fresh
     * per-session instance for exactly this reason.
     */
    @FunctionalInterface
    public interface DecoderFactory {
        TokenDecoder create(Llama model, SamplingConfig sampling, int contextLength);
    }

    public static final DecoderFactory STANDARD = (m, s, n) -> new StandardDecoder(m, s, StepHooks.FULL, n);

    public SessionOptions {
        if (contextLength < 1) {
            throw new IllegalArgumentException("contextLength must be at least 1, got " + contextLength);
        }
        stopStrings = List.copyOf(stopStrings);
        for (String stop : stopStrings) {
            if (stop.isEmpty()) { // it would match before any text: every generation would stop after one token
                throw new IllegalArgumentException("stop strings must not be empty");
            }
        }
    }

    /** Greedy plain decoding over up to {@code contextLength} positions. */
    public static SessionOptions defaults(int contextLength) {
        return new SessionOptions(contextLength, SamplingConfig.GREEDY, STANDARD, List.of());
    }

    public SessionOptions withSampling(SamplingConfig s) {
        return new SessionOptions(contextLength, s, decoder, stopStrings);
    }

    public SessionOptions withDecoder(DecoderFactory d) {
        return new SessionOptions(contextLength, sampling, d, stopStrings);
    }

    public SessionOptions withStopStrings(List<String> stops) {
        return new SessionOptions(contextLength, sampling, decoder, stops);
    }
}
