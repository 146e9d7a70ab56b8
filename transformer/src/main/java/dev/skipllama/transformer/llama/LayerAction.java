package dev.skipllama.transformer.llama;

/** What the forward pass does with one decoder layer for the current tokens. */
public enum LayerAction {
    /** Attention and FFN. */
    RUN,
    /** FFN only (attention sublayer skipped). */
    SKIP_ATTENTION,
    /** Attention only (FFN sublayer skipped). */
    SKIP_FFN,
    /** Neither: the residual stream passes through unchanged. */
    SKIP;

    public boolean runsAttention() {
        return this == RUN || this == SKIP_FFN;
    }

    public boolean runsFfn() {
        return this == RUN || this == SKIP_ATTENTION;
    }
}
