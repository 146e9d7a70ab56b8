package dev.skipllama.skip.dynamic;

import dev.skipllama.skip.SkipMethod;
import dev.skipllama.skip.SkipStats;
import dev.skipllama.transformer.llama.ForwardHooks;
import dev.skipllama.transformer.llama.LayerAction;
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
 *
 * <p><b>KV of skipped layers</b> is filled by state propagation (CALM; the decoder's default): each
 * skipped layer projects the hidden state that reached it with its own {@code wk}/{@code wv}. Unlike
 * SkipDecode, an earlier token here skips layers a later token may run (the count can only fall, but
 * the prompt and the first tokens ran deeper than later ones, and with {@code tail > 0} the kept set
 * is not nested), so those rows must exist. {@code α = 1} is the full model.
 */
public final class DepthDecay implements SkipMethod {
    private final int layers;
    private final double alpha;
    private final int minLayers;
    private final int tail;
    private final SkipStats stats;

    public DepthDecay(int layers, double alpha, int minLayers, int tail) {
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
        this.stats = new SkipStats(layers);
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
        return stats.track(ForwardHooks.FULL, SkipStats.Phase.PROMPT, tokens);
    }

    @Override
    public ForwardHooks hooks(int step, int position) {
        int k = layersAt(step);
        int from = k - tail, to = layers - tail;
        return stats.track(new ForwardHooks() {
            @Override
            public LayerAction action(int layer) {
                return layer >= from && layer < to ? LayerAction.SKIP : LayerAction.RUN;
            }
        }, SkipStats.Phase.GENERATED, 1);
    }

    @Override
    public void reset() {
    }

    @Override
    public SkipStats stats() {
        return stats;
    }
}
