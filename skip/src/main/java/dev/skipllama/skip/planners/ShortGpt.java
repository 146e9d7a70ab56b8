package dev.skipllama.skip.planners;

import dev.skipllama.skip.calibration.Calibration;
import dev.skipllama.skip.plan.StaticPlan;
import dev.skipllama.transformer.llama.LayerAction;

/**
 * ShortGPT (Men et al. 2024, "ShortGPT: Layers in Large Language Models are More Redundant Than You
 * Expect", §3.1–3.2): Block Influence {@code BI_l = 1 - E[cos(h_{l-1}, h_l)]} on calibration text;
 * remove the {@code n} layers with the lowest BI (the ones that change the hidden state least).
 * Spec {@code "shortgpt:n"}.
 */
public final class ShortGpt {
    private ShortGpt() {
    }

    public static StaticPlan plan(Calibration c, int remove) {
        if (remove >= c.layers()) {
            throw new IllegalArgumentException("ShortGPT must keep at least one layer: cannot remove " + remove + " of " + c.layers());
        }
        double[] bi = c.blockInfluence();
        return StaticPlan.of("shortgpt:" + remove, c.layers(), Ranking.lowest(bi, remove, "layers"), LayerAction.SKIP, bi);
    }
}
