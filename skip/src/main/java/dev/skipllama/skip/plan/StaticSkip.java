package dev.skipllama.skip.plan;

import dev.skipllama.skip.SkipMethod;
import dev.skipllama.skip.SkipStats;
import dev.skipllama.transformer.llama.ForwardHooks;

/** A {@link StaticPlan} as a {@link SkipMethod}: the same actions for the prompt and every generated token. */
public final class StaticSkip implements SkipMethod {
    private final String name;
    private final StaticPlan plan;
    private final ForwardHooks hooks;
    private final SkipStats stats;

    public StaticSkip(String name, StaticPlan plan, int modelLayers) {
        if (plan.layers() != modelLayers) {
            throw new IllegalArgumentException("static plan '" + plan.method() + "' has " + plan.layers()
                    + " layers, the model has " + modelLayers);
        }
        this.name = name;
        this.plan = plan;
        this.hooks = plan.hooks();
        this.stats = new SkipStats(modelLayers);
    }

    public StaticPlan plan() {
        return plan;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ForwardHooks prefill(int position, int tokens) {
        return hooks;
    }

    @Override
    public ForwardHooks hooks(int step, int position) {
        return hooks;
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
