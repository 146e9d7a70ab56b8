package dev.skipllama.transformer.model;

import dev.skipllama.tensor.DType;
import dev.skipllama.transformer.generate.StandardDecoder;
import dev.skipllama.transformer.generate.StepHooks;
import dev.skipllama.transformer.generate.TokenDecoder;
import dev.skipllama.transformer.llama.KvCache;
import dev.skipllama.transformer.sampling.SamplingConfig;
import java.util.List;

/**
 * How a {@link Session} generates.
 *
 * @param contextLength KV-cache positions (prompt + generated); at most the model's context length
 * @param sampling      greedy or sampled decoding
 * @param decoder       makes the token decoder: plain decoding by default; {@link #withSkip} and
 *                      {@link #withSpeculation} set it for the methods of skip/
 * @param stopStrings   generation ends when the text ends with one of these (the stop string is kept out of the result)
 * @param kvType        the KV cache's element type: F32 (the default) or F16 — half the memory, and
 *                      llama.cpp's default numerics ({@link #withKvType})
 */
public record SessionOptions(int contextLength, SamplingConfig sampling, DecoderFactory decoder, List<String> stopStrings,
                             DType kvType) {

    /**
     * Builds the decoder for a session. It is called once per session, possibly on several threads
     * for sessions of one model, and each call must return a decoder with state of its own: a factory
     * that hands every session the same stateful object (one skipping method instance, say) makes
     * concurrent sessions corrupt each other's text. {@link #withSkip} and {@link #withSpeculation}
     * make such factories; few users need to write one.
     */
    @FunctionalInterface
    public interface DecoderFactory {
        TokenDecoder create(Model model, SamplingConfig sampling, int contextLength, DType kvType);
    }

    public static final DecoderFactory STANDARD = (m, s, n, kv) -> new StandardDecoder(m.llama(), s, StepHooks.FULL, n, kv);

    public SessionOptions {
        if (contextLength < 1) {
            throw new IllegalArgumentException("contextLength must be at least 1, got " + contextLength);
        }
        stopStrings = List.copyOf(stopStrings);
        KvCache.requireType(java.util.Objects.requireNonNull(kvType, "kvType"));
        for (String stop : stopStrings) {
            if (stop.isEmpty()) { // it would match before any text: every generation would stop after one token
                throw new IllegalArgumentException("stop strings must not be empty");
            }
        }
    }

    /** Greedy plain decoding over up to {@code contextLength} positions. */
    public static SessionOptions defaults(int contextLength) {
        return new SessionOptions(contextLength, SamplingConfig.GREEDY, STANDARD, List.of(), DType.F32);
    }

    public SessionOptions withSampling(SamplingConfig s) {
        return new SessionOptions(contextLength, s, decoder, stopStrings, kvType);
    }

    public SessionOptions withDecoder(DecoderFactory d) {
        return new SessionOptions(contextLength, sampling, d, stopStrings, kvType);
    }

    /**
     * Decoding under a layer-skipping method (any {@code SkipMethod} of skip/, e.g.
     * {@code SkipMethods.parse("exit:6", model, null)}): each session runs its own
     * {@link StepHooks#forSession} instance, so these options may serve many sessions on many threads.
     */
    public SessionOptions withSkip(StepHooks method) {
        java.util.Objects.requireNonNull(method, "method");
        return withDecoder((m, s, n, kv) -> new StandardDecoder(m.llama(), s, method.forSession(), n, kv));
    }

    /**
     * Self-speculative decoding (e.g. {@code Speculation.auto()} or {@code Speculation.fixed(6, 3)} of
     * skip/): the full model's output, drafted by part of it. Each session gets a decoder of its own.
     */
    public SessionOptions withSpeculation(SpeculativeMethod speculation) {
        java.util.Objects.requireNonNull(speculation, "speculation");
        return withDecoder(speculation::newDecoder);
    }

    public SessionOptions withStopStrings(List<String> stops) {
        return new SessionOptions(contextLength, sampling, decoder, stops, kvType);
    }

    /**
     * The KV cache's element type: {@code DType.F16} stores K and V rounded to halves (half the memory)
     * and attends as llama.cpp does over its default F16 cache, so greedy text can equal llama.cpp's;
     * {@code DType.F32} (the default) keeps them as computed.
     */
    public SessionOptions withKvType(DType type) {
        return new SessionOptions(contextLength, sampling, decoder, stopStrings, type);
    }
}
