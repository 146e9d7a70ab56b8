package dev.skipllama.skip;

import dev.skipllama.transformer.llama.ForwardHooks;

/** The baseline: every layer for every token. Spec {@code "full"}. */
public final class FullModel implements SkipMethod {
    private final SkipStats stats;

    public FullModel(int layers) {
        this.stats = new SkipStats(layers);
    }

    @Override
    public String name() {
        return "full";
    }

    @Override
    public ForwardHooks prefill(int position, int tokens) {
        return ForwardHooks.FULL;
    }

    @Override
    public ForwardHooks hooks(int step, int position) {
        return ForwardHooks.FULL;
    }

    /** No per-sequence state: every session may share this instance. */
    @Override
    public SkipMethod forSession() {
        return this;
    }

    /** Prompt and generated tokens run the same layers, so their KV rows agree and a repeated prefix is reused. */
    @Override
    public boolean reusesPrefix() {
        return true;
    }

    @Override
    public SkipStats stats() {
        return stats;
    }
}
