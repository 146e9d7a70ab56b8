package dev.skipllama.transformer.llama;

/** More tokens than the KV cache (the context window) can hold. */
public final class ContextOverflowException extends IllegalStateException {
    public ContextOverflowException(int used, int adding, int capacity) {
        super("context overflow: " + used + " positions are in use and " + adding + " more do not fit the context of "
                + capacity + " positions; start a new session or truncate");
    }
}
