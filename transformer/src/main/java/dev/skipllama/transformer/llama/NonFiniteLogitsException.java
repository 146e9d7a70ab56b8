package dev.skipllama.transformer.llama;

/**
 * The model produced NaN or infinite logits: its weights or configuration hold values that no
 * computation can make sense of (a corrupt or mis-converted file). Raised instead of sampling from
 * them, which would give token 0 forever and empty text.
 */
public final class NonFiniteLogitsException extends IllegalStateException {
    private final int position;

    public NonFiniteLogitsException(String message, int position) {
        super(message);
        this.position = position;
    }

    /** The sequence position whose logits were not finite. */
    public int position() {
        return position;
    }

    /** The same exception with {@code prefix} (e.g. the model's file) in front of the message. */
    public NonFiniteLogitsException withPrefix(String prefix) {
        NonFiniteLogitsException e = new NonFiniteLogitsException(prefix + getMessage(), position);
        e.setStackTrace(getStackTrace());
        return e;
    }
}
