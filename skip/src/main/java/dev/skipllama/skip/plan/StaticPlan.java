package dev.skipllama.skip.plan;

import dev.skipllama.transformer.llama.ForwardHooks;
import dev.skipllama.transformer.llama.LayerAction;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A fixed per-layer decision applied to every token: the output of a static planner (ShortGPT,
 * last-25%, unified skipping, attention/FFN drop) or of a hand-written {@link PlanFile}.
 *
 * <p>Because every token (the prompt included) skips the same sublayers, nobody ever reads the KV
 * rows of a skipped attention sublayer, so {@link #hooks()} asks the forward not to fill them.
 *
 * @param method  what produced it, e.g. {@code "shortgpt:3"}
 * @param actions one action per layer
 * @param scores  the per-layer score the planner ranked by (documentation only; empty when none)
 */
public record StaticPlan(String method, List<LayerAction> actions, List<Double> scores) {

    public StaticPlan {
        if (method == null || method.isBlank()) {
            throw new IllegalArgumentException("a static plan needs a method name");
        }
        actions = List.copyOf(actions);
        scores = List.copyOf(scores);
        if (actions.isEmpty()) {
            throw new IllegalArgumentException("a static plan needs at least one layer");
        }
        if (!scores.isEmpty() && scores.size() != actions.size()) {
            throw new IllegalArgumentException("plan has " + actions.size() + " layers but " + scores.size() + " scores");
        }
    }

    /** Every layer runs. */
    public static StaticPlan full(int layers) {
        return new StaticPlan("full", java.util.Collections.nCopies(layers, LayerAction.RUN), List.of());
    }

    /** {@code action} for the listed layers, {@link LayerAction#RUN} for the others. */
    public static StaticPlan of(String method, int layers, Collection<Integer> chosen, LayerAction action, double[] scores) {
        List<LayerAction> a = new ArrayList<>(java.util.Collections.nCopies(layers, LayerAction.RUN));
        for (int l : chosen) {
            if (l < 0 || l >= layers) {
                throw new IllegalArgumentException("layer " + l + " outside [0, " + layers + ")");
            }
            a.set(l, action);
        }
        List<Double> s = new ArrayList<>();
        if (scores != null) {
            for (double v : scores) {
                s.add(v);
            }
        }
        return new StaticPlan(method, a, s);
    }

    public int layers() {
        return actions.size();
    }

    public LayerAction action(int layer) {
        return actions.get(layer);
    }

    /** Layers whose action is {@code action}, ascending. */
    public List<Integer> layersWith(LayerAction action) {
        List<Integer> out = new ArrayList<>();
        for (int l = 0; l < actions.size(); l++) {
            if (actions.get(l) == action) {
                out.add(l);
            }
        }
        return out;
    }

    /** Attention plus FFN sublayers run per token, divided by two. */
    public double layersPerToken() {
        int s = 0;
        for (LayerAction a : actions) {
            s += (a.runsAttention() ? 1 : 0) + (a.runsFfn() ? 1 : 0);
        }
        return s / 2.0;
    }

    /** The plan as forward hooks: its actions, and no KV fill for skipped attention (see class doc). */
    public ForwardHooks hooks() {
        LayerAction[] a = actions.toArray(LayerAction[]::new);
        return new ForwardHooks() {
            @Override
            public LayerAction action(int layer) {
                return a[layer];
            }

            @Override
            public boolean fillSkippedKv(int layer) {
                return false;
            }
        };
    }
}
