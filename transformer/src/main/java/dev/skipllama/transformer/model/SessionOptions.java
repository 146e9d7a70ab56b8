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

    /** Builds the decoder for a session. */
    @FunctionalInterface
    public interface DecoderFactory {
        TokenDecoder create(Llama model, SamplingConfig sampling, int contextLength);
    }

    public static final DecoderFactory STANDARD = (m, s, n) -> new StandardDecoder(m, s, StepHooks.FULL, n);

    public SessionOptions {
        stopStrings = List.copyOf(stopStrings);
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
