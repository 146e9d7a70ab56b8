package dev.skipllama.transformer.generate;

/** Receives generated tokens as they are decided; returning false stops generation. */
@FunctionalInterface
public interface TokenSink {
    boolean accept(int token);
}
