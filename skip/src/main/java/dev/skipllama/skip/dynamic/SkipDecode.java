package dev.skipllama.skip.dynamic;

import dev.skipllama.skip.SkipMethod;
import dev.skipllama.skip.SkipStats;
import dev.skipllama.transformer.llama.ForwardHooks;

/**
 * SkipDecode (Del Corro et al. 2023, "SkipDecode: Autoregressive Skip Decoding with Batching and KV
 * Caching for Efficient LLM Inference", §3): each position runs only the <em>upper</em> layers
 * {@code [s_i, L)}; the number it runs decays linearly along the sequence, so the start layer
 * {@code s_i} never decreases. Spec {@code "skipdecode:min-max[,horizon=H]"}: generated token 1 (the
 * first single-token forward) runs {@code max} layers, token {@code 1 + H} and later run {@code min},
 * linearly in between (rounded down, so the count never increases); the prompt runs all L.
 *
 * <p><b>Why no KV ever has to be filled.</b> A token at position j runs layer l only if
 * {@code l >= s_j}; every earlier position i has {@code s_i <= s_j <= l}, so it ran layer l and wrote
 * its KV rows there. Conversely a lower layer {@code l < s_j} that j skips is skipped by every later
 * token too ({@code s_k >= s_j > l}), so nobody ever attends to j in it. The forward is therefore told
 * not to fill skipped layers ({@link ForwardHooks#fillSkippedKv} is false), and a batch of positions
 * can share one pass from the first of their start layers — the property the paper is named for.
 * The schedule is also forced monotone across calls: a request for an earlier step after a later one
 * keeps the later start layer until {@link #reset()}.
 */
public final class SkipDecode implements SkipMethod {
    private final int layers;
    private final int minLayers;
    private final int maxLayers;
    private final int horizon;
    private final SkipStats stats;
    private int start;

    public SkipDecode(int layers, int minLayers, int maxLayers, int horizon) {
        this(layers, minLayers, maxLayers, horizon, new SkipStats(layers));
    }

    private SkipDecode(int layers, int minLayers, int maxLayers, int horizon, SkipStats stats) {
        if (minLayers < 1 || minLayers > maxLayers || maxLayers > layers) {
            throw new IllegalArgumentException("SkipDecode needs 1 <= min <= max <= " + layers + " layers, got min="
                    + minLayers + ", max=" + maxLayers);
        }
        if (horizon < 1) {
            throw new IllegalArgumentException("SkipDecode horizon must be >= 1 token, got " + horizon);
        }
        this.layers = layers;
        this.minLayers = minLayers;
        this.maxLayers = maxLayers;
        this.horizon = horizon;
        this.stats = stats;
    }

    /** Layers run by generated token {@code step >= 1} on the linear schedule. */
    public int layersAt(int step) {
        int t = Math.min(Math.max(step - 1, 0), horizon);
        return maxLayers - (int) ((long) (maxLayers - minLayers) * t / horizon);
    }

    @Override
    public String name() {
        return "skipdecode:" + minLayers + "-" + maxLayers + ",horizon=" + horizon;
    }

    @Override
    public ForwardHooks prefill(int position, int tokens) {
        return ForwardHooks.FULL;
    }

    @Override
    public ForwardHooks hooks(int step, int position) {
        start = Math.max(start, layers - layersAt(step));
        return SkippedLayers.between(0, start);
    }

    @Override
    public void reset() {
        start = 0;
    }

    /** The schedule's start layer follows the sequence: each session gets its own. */
    @Override
    public SkipMethod forSession() {
        return new SkipDecode(layers, minLayers, maxLayers, horizon, stats);
    }

    @Override
    public SkipStats stats() {
        return stats;
    }
}
