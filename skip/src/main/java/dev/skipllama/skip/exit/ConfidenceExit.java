package dev.skipllama.skip.exit;

import dev.skipllama.skip.SkipMethod;
import dev.skipllama.skip.SkipStats;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.transformer.llama.ForwardHooks;
import dev.skipllama.transformer.llama.Llama;
import java.util.Arrays;
import java.util.Locale;

/**
 * Dynamic early exit by confidence (CALM, Schuster et al. 2022, §3.5 softmax response; with
 * LayerSkip's shared exit head, Elhoushi et al. 2024, §4.1): after each candidate layer the shared
 * final norm + LM head is applied to the token's hidden state, and the token exits when the
 * {@link ExitMeasure} of that distribution is strictly above the threshold (so a threshold of 1 never
 * exits). Spec {@code "confidence:T[,every=k][,min=m][,measure=prob|margin]"}.
 *
 * <p>The head is a {@code [vocab, dim]} product, often the largest in a small model, so only
 * candidate layers pay for it: by default every layer; {@code every=k} makes exits possible after
 * layers {@code k, 2k, ...} (counted as layers run), {@code min=m} not before m layers. Each
 * evaluation is counted in {@link SkipStats.Counts#headProbes()}.
 *
 * <p><b>KV of the skipped deeper layers.</b> A later token may run deeper than this one and then
 * attends to this position in those layers, so their KV rows must exist. We use CALM's state
 * propagation: the forward fills them by projecting the exit hidden state with each skipped layer's
 * own {@code wk}/{@code wv} ({@link ForwardHooks#fillSkippedKv} is true, the decoder's default) —
 * two small products per skipped layer instead of the whole layer, and no lazy recomputation that
 * would have to be scheduled later. The prompt is prefilled with the full model.
 */
public final class ConfidenceExit implements SkipMethod {
    private final int layers;
    private final double threshold;
    private final ExitMeasure measure;
    private final boolean[] candidate;
    private final String name;
    private final HeadProbe probe; // buffers written on every probe: per session
    private final Llama model;
    private final SkipStats stats;

    /**
     * @param exitPoints layer counts after which an exit may happen, each in {@code [1, L-1]}
     */
    public ConfidenceExit(Llama model, ExitMeasure measure, double threshold, int[] exitPoints, String name) {
        this(model, measure, threshold, exitPoints, name, new SkipStats(model.config().layers()));
    }

    private ConfidenceExit(Llama model, ExitMeasure measure, double threshold, int[] exitPoints, String name, SkipStats stats) {
        this.model = model;
        this.layers = model.config().layers();
        if (!(threshold >= 0)) {
            throw new IllegalArgumentException("confidence threshold must be >= 0, got " + threshold);
        }
        this.threshold = threshold;
        this.measure = measure;
        this.candidate = new boolean[layers];
        for (int e : exitPoints) {
            if (e < 1 || e >= layers) {
                throw new IllegalArgumentException("exit point " + e + " outside [1, " + (layers - 1) + "] for a " + layers + "-layer model");
            }
            candidate[e - 1] = true;
        }
        this.name = name;
        this.probe = new HeadProbe(model);
        this.stats = stats;
    }

    /** Exits possible after every {@code every}-th layer, from {@code minLayers} on. */
    public static ConfidenceExit everyKth(Llama model, ExitMeasure measure, double threshold, int every, int minLayers) {
        int layers = model.config().layers();
        if (every < 1 || minLayers < 1) {
            throw new IllegalArgumentException("every and min must be >= 1, got every=" + every + ", min=" + minLayers);
        }
        int[] points = java.util.stream.IntStream.range(1, layers)
                .filter(e -> e % every == 0 && e >= minLayers).toArray();
        String name = String.format(Locale.ROOT, "confidence:%s,every=%d,min=%d,measure=%s", threshold, every, minLayers,
                measure == ExitMeasure.MARGIN ? "margin" : "prob");
        return new ConfidenceExit(model, measure, threshold, points, name);
    }

    /** The layer counts after which the head is consulted. */
    public int[] exitPoints() {
        return java.util.stream.IntStream.range(0, layers).filter(l -> candidate[l]).map(l -> l + 1).toArray();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ForwardHooks prefill(int position, int tokens) {
        return ForwardHooks.FULL;
    }

    @Override
    public ForwardHooks hooks(int step, int position) {
        return new ForwardHooks() {
            @Override
            public boolean exitAfter(int layer, Tensor hidden) {
                if (!candidate[layer]) {
                    return false;
                }
                int rows = hidden.dim(0);
                stats.headProbe(SkipStats.Phase.GENERATED, 1);
                return probe.confidence(hidden.rows(rows - 1, rows), measure) > threshold;
            }
        };
    }

    /** A new head probe (its buffers are written on every probe), the same statistics. */
    @Override
    public SkipMethod forSession() {
        return new ConfidenceExit(model, measure, threshold, exitPoints(), name, stats);
    }

    @Override
    public SkipStats stats() {
        return stats;
    }

    @Override
    public String toString() {
        return name + " (exit points " + Arrays.toString(exitPoints()) + ")";
    }
}
