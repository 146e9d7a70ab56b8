package dev.skipllama.skip.dynamic;

import dev.skipllama.transformer.llama.LayerAction;

/** Which sublayers a per-token method may skip: spec option {@code only=attn|ffn} (default both). */
public enum SublayerScope {
    BOTH("both"), ATTENTION("attn"), FFN("ffn");

    private final String spec;

    SublayerScope(String spec) {
        this.spec = spec;
    }

    /** The spec word: {@code both}, {@code attn} or {@code ffn}. */
    public String spec() {
        return spec;
    }

    public static SublayerScope parse(String word) {
        for (SublayerScope s : values()) {
            if (s.spec.equals(word)) {
                return s;
            }
        }
        throw new IllegalArgumentException("sublayer scope must be both, attn or ffn, got '" + word + "'");
    }

    /** The layer's action when the method wants to skip its attention and/or its FFN, within this scope. */
    public LayerAction action(boolean skipAttention, boolean skipFfn) {
        boolean a = skipAttention && this != FFN, f = skipFfn && this != ATTENTION;
        return a ? (f ? LayerAction.SKIP : LayerAction.SKIP_ATTENTION) : f ? LayerAction.SKIP_FFN : LayerAction.RUN;
    }
}
