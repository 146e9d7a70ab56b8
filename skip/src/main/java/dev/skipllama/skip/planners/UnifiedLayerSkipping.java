package dev.skipllama.skip.planners;

import dev.skipllama.skip.plan.StaticPlan;
import dev.skipllama.transformer.llama.LayerAction;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Unified Layer Skipping (Liu et al. 2024, "Accelerating Inference in Large Language Models with a
 * Unified Layer Skipping Strategy", §3): the skipped layers depend only on the target speed-up
 * {@code r}. Keep {@code K = round(L / r)} layers (at least 2), spread evenly over the depth and
 * always including the first and the last layer — layer {@code round(i (L-1) / (K-1))} for
 * {@code i = 0..K-1} — and skip the rest. Spec {@code "unified:r"}.
 */
public final class UnifiedLayerSkipping {
    private UnifiedLayerSkipping() {
    }

    /** Layers kept for a target speed-up. */
    public static int budget(int layers, double speedup) {
        if (!(speedup >= 1) || Double.isInfinite(speedup)) {
            throw new IllegalArgumentException("target speed-up must be a finite number >= 1, got " + speedup);
        }
        return (int) Math.max(Math.min(2, layers), Math.min(layers, Math.round(layers / speedup)));
    }

    public static StaticPlan plan(int layers, double speedup) {
        int keep = budget(layers, speedup);
        TreeSet<Integer> kept = new TreeSet<>();
        if (keep == 1) {
            kept.add(0);
        } else {
            for (int i = 0; i < keep; i++) {
                kept.add((int) Math.round(i * (layers - 1) / (double) (keep - 1)));
            }
        }
        List<Integer> skipped = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            if (!kept.contains(l)) {
                skipped.add(l);
            }
        }
        return StaticPlan.of("unified:" + speedup, layers, skipped, LayerAction.SKIP, null);
    }
}
