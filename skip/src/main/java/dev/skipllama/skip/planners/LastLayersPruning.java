package dev.skipllama.skip.planners;

import dev.skipllama.skip.plan.StaticPlan;
import dev.skipllama.transformer.llama.LayerAction;
import java.util.List;
import java.util.stream.IntStream;

/**
 * "Reassessing Layer Pruning in LLMs: New Insights and Methods" (Lu et al. 2024, §4): of the
 * pruning criteria they compare, simply removing the last layers before the final norm works best;
 * their recipe drops the last 25%. Spec {@code "last25"} (⌊L/4⌋ layers) or {@code "last:n"}.
 */
public final class LastLayersPruning {
    private LastLayersPruning() {
    }

    /** Skip the last ⌊L · fraction⌋ layers. */
    public static StaticPlan plan(int layers, double fraction) {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException("fraction of layers to drop must be in [0, 1), got " + fraction);
        }
        int n = (int) Math.floor(layers * fraction);
        return named(fraction == 0.25 ? "last25" : "last:" + n, layers, n);
    }

    /** Skip the last {@code n} layers. */
    public static StaticPlan dropLast(int layers, int n) {
        return named("last:" + n, layers, n);
    }

    private static StaticPlan named(String name, int layers, int n) {
        if (n < 0 || n >= layers) {
            throw new IllegalArgumentException("can drop 0 to " + (layers - 1) + " of the last layers of " + layers + ", not " + n);
        }
        List<Integer> last = IntStream.range(layers - n, layers).boxed().toList();
        return StaticPlan.of(name, layers, last, LayerAction.SKIP, null);
    }
}
