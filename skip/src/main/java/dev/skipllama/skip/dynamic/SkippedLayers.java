package dev.skipllama.skip.dynamic;

import dev.skipllama.transformer.llama.ForwardHooks;
import dev.skipllama.transformer.llama.LayerAction;

/** Hooks for one token that skip the layers {@code [from, to)} whole. */
final class SkippedLayers {
    private SkippedLayers() {
    }

    /**
     * No KV rows are filled for the skipped layers: the schedules that use this (SkipDecode, D³) never
     * run a layer for a later token that they skipped for an earlier one, so no later query reads them.
     */
    static ForwardHooks between(int from, int to) {
        return new ForwardHooks() {
            @Override
            public LayerAction action(int layer) {
                return layer >= from && layer < to ? LayerAction.SKIP : LayerAction.RUN;
            }

            @Override
            public boolean fillSkippedKv(int layer) {
                return false;
            }
        };
    }
}
