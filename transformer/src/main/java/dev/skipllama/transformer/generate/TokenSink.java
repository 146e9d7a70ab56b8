package dev.skipllama.transformer.generate;

/** Receives generated tokens as they are decided; returning false stops generation. */
@FunctionalInterface
public interface TokenSink {
    boolean accept(int token);

    /**
     * The same, told how many decoder layers produced the token's prediction: all of them for a full
     * pass, fewer for an early exit or a self-speculative draft the full model accepted. Decoders call
     * this one; a sink that wants the depth (e.g. to colour tokens by exit layer) overrides it.
     */
    default boolean accept(int token, int layers) {
        return accept(token);
    }
}
