package dev.skipllama.transformer.llama;

import dev.skipllama.tensor.Tensor;

/** Hooks that pass every call on to other hooks; wrappers (counters, tracers) override what they observe. */
public class DelegatingHooks implements ForwardHooks {
    protected final ForwardHooks inner;

    public DelegatingHooks(ForwardHooks inner) {
        this.inner = inner;
    }

    @Override
    public LayerAction action(int layer) {
        return inner.action(layer);
    }

    @Override
    public boolean fillSkippedKv(int layer) {
        return inner.fillSkippedKv(layer);
    }

    @Override
    public void afterAttention(int layer, Tensor hidden) {
        inner.afterAttention(layer, hidden);
    }

    @Override
    public void afterLayer(int layer, Tensor hidden) {
        inner.afterLayer(layer, hidden);
    }

    @Override
    public boolean exitAfter(int layer, Tensor hidden) {
        return inner.exitAfter(layer, hidden);
    }
}
