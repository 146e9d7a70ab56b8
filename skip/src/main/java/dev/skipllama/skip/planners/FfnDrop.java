package dev.skipllama.skip.planners;

import dev.skipllama.skip.calibration.Calibration;
import dev.skipllama.skip.plan.StaticPlan;
import dev.skipllama.transformer.llama.LayerAction;

/**
 * Static FFN-SkipLLM (Jaiswal et al. 2024, "FFN-SkipLLM: A Hidden Gem for Autoregressive Decoding
 * with Adaptive Feed Forward Skipping", §3): FFN sublayers whose output is most similar to their
 * input (highest {@code cos(input, output)} on calibration text) change the state least; skip the
 * {@code n} most similar, keeping their attention. (The paper decides per token; the dynamic form is
 * {@link dev.skipllama.skip.dynamic.AdaSkip} with {@code only=ffn}.) Spec {@code "ffn-drop:n"}.
 */
public final class FfnDrop {
    private FfnDrop() {
    }

    public static StaticPlan plan(Calibration c, int drop) {
        double[] cos = c.ffnCosine();
        double[] importance = new double[cos.length];
        for (int l = 0; l < cos.length; l++) {
            importance[l] = 1 - cos[l];
        }
        return StaticPlan.of("ffn-drop:" + drop, c.layers(), Ranking.lowest(importance, drop, "FFN sublayers"),
                LayerAction.SKIP_FFN, importance);
    }
}
