package dev.skipllama.transformer.model;

import dev.skipllama.tensor.DType;
import dev.skipllama.transformer.generate.TokenDecoder;
import dev.skipllama.transformer.sampling.SamplingConfig;

/**
 * A way of drafting tokens and verifying them with the full model, for
 * {@link SessionOptions#withSpeculation}: {@code dev.skipllama.skip.speculative.Speculation} (a fixed
 * exit layer and draft length, or {@code auto}) is the one this project ships.
 */
public interface SpeculativeMethod {

    /** A decoder with state of its own for one session of {@code model}, its KV cache of {@code kvType}. */
    TokenDecoder newDecoder(Model model, SamplingConfig sampling, int contextLength, DType kvType);

    /** A short description, e.g. {@code "self-speculation E=4 d=3"}. */
    String name();
}
