package dev.skipllama.skip.planners;

import dev.skipllama.skip.calibration.Calibration;
import dev.skipllama.skip.plan.StaticPlan;
import dev.skipllama.transformer.llama.LayerAction;

/**
 * Attention Drop ("What Matters in Transformers? Not All Attention is Needed", He et al. 2024,
 * §3–4): a sublayer's importance is {@code 1 - cos(input, output)} on calibration text; drop the
 * {@code n} attention sublayers with the lowest importance (highest cosine), keeping their FFNs.
 * Spec {@code "attn-drop:n"}.
 */
public final class AttentionDrop {
    private AttentionDrop() {
    }

    public static StaticPlan plan(Calibration c, int drop) {
        double[] cos = c.attentionCosine();
        double[] importance = new double[cos.length];
        for (int l = 0; l < cos.length; l++) {
            importance[l] = 1 - cos[l];
        }
        return StaticPlan.of("attn-drop:" + drop, c.layers(), Ranking.lowest(importance, drop, "attention sublayers"),
                LayerAction.SKIP_ATTENTION, importance);
    }
}
