package dev.skipllama.skip.dynamic;

import dev.skipllama.skip.SkipMethod;
import dev.skipllama.skip.SkipStats;
import dev.skipllama.transformer.llama.ForwardHooks;
import java.util.Locale;

/**
 * D³, Position-Aware Depth Decay Decoding (Fan et al. 2025, §3): generated token {@code T_i} keeps
 * {@code ⌊L · α^i⌋} layers (here at least {@code min}); later tokens, which the paper finds easier,
 * get fewer. Spec {@code "d3:α[,min=m][,tail=t]"}; token 0 comes from the full-model prompt pass, so
 * token i is the i-th single-token forward.
 *
 * <p>Which layers are kept: the first {@code k - t} and the last {@code t}, skipping the middle band
 * {@code [k - t, L - t)}. The paper protects "core" layers at both ends; {@code tail=0} (the default)
 * keeps the first k layers, i.e. an early exit after layer k whose head sees {@code h_k} (skipped
 * layers leave the residual stream unchanged).
 * Which layers the paper retains beyond "core layers at both ends" is its own design; {@code tail}
 * is our knob for it.
 *
 * <p><b>KV of skipped layers: none needed, so none is filled.</b> The kept sets are nested: the count
 * {@code k} never rises along the sequence (this class also enforces that across calls, until
 * {@link #reset()}), and for a fixed tail a smaller k keeps a subset of the layers a larger one kept.
 * So when token j runs layer l, every earlier generated token kept l too (and the prompt ran every
 * layer), and the rows j attends to exist; a layer token i skipped is skipped by every later token,
 * so its rows at i are never read. Filling them by state propagation (CALM, the decoder's default,
 * two {@code wk}/{@code wv} products per skipped layer, as one might expect from the paper's discussion
 * of missing states) would be pure waste here; {@link ForwardHooks#fillSkippedKv} is false. The
 * tests poison those rows with NaN and get bit-identical logits. {@code α = 1} is the full model.
 */
public final class DepthDecay implements SkipMethod {
    private final int layers;
    private final double alpha;
    private final int minLayers;
    private final int tail;
    private final SkipStats stats;
    private int depth;

    public DepthDecay(int layers, double alpha, int minLayers, int tail) {
        this(layers, alpha, minLayers, tail, new SkipStats(layers));
    }

    private DepthDecay(int layers, double alpha, int minLayers, int tail, SkipStats stats) {
        if (!(alpha > 0 && alpha <= 1)) {
            throw new IllegalArgumentException("D3 decay α must be in (0, 1], got " + alpha);
        }
        if (minLayers < 1 || minLayers > layers) {
            throw new IllegalArgumentException("D3 min layers must be in [1, " + layers + "], got " + minLayers);
        }
        if (tail < 0 || tail > minLayers) {
            throw new IllegalArgumentException("D3 tail (top layers always kept) must be in [0, min=" + minLayers + "], got " + tail);
        }
        this.layers = layers;
        this.alpha = alpha;
        this.minLayers = minLayers;
        this.tail = tail;
        this.stats = stats;
        reset();
    }

    /** Layers kept for generated token {@code i}: {@code max(min, ⌊L · α^i⌋)}. */
    public int layersAt(int i) {
        return Math.max(minLayers, (int) Math.floor(layers * Math.pow(alpha, i)));
    }

    @Override
    public String name() {
        return String.format(Locale.ROOT, "d3:%s,min=%d,tail=%d", alpha, minLayers, tail);
    }

    @Override
    public ForwardHooks prefill(int position, int tokens) {
        return ForwardHooks.FULL;
    }

    @Override
    public ForwardHooks hooks(int step, int position) {
        depth = Math.min(depth, layersAt(step));
        return SkippedLayers.between(depth - tail, layers - tail);
    }

    @Override
    public void reset() {
        depth = layers;
    }

    /** The depth follows the sequence (it never rises until reset): each session gets its own. */
    @Override
    public SkipMethod forSession() {
        return new DepthDecay(layers, alpha, minLayers, tail, stats);
    }

    @Override
    public SkipStats stats() {
        return stats;
    }
}
