package dev.skipllama.skip.dynamic;

import dev.skipllama.skip.SkipMethod;
import dev.skipllama.skip.SkipStats;
import dev.skipllama.skip.calibration.SublayerObserver;
import dev.skipllama.tensor.Backend;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.transformer.ProgressListener;
import dev.skipllama.transformer.llama.ForwardHooks;
import dev.skipllama.transformer.llama.KvCache;
import dev.skipllama.transformer.llama.LayerAction;
import dev.skipllama.transformer.llama.Llama;
import dev.skipllama.transformer.llama.Workspace;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Learned per-token sublayer skipping in the manner of Router-Tuning / MindSkip (Jiang et al. 2024,
 * "Router-Tuning: A Simple and Effective Approach for Enabling Dynamic-Depth in Transformers"): a
 * tiny router per sublayer looks at the token's hidden state where the layer begins and decides
 * whether to run the attention and the FFN. Spec {@code "router:p[,tau=τ][,epochs=n][,only=attn|ffn]"}.
 *
 * <p>Router-Tuning trains its routers with the model frozen, end to end on a task loss. We train them
 * without gradients through the model: on calibration text run by the full model, a sublayer is
 * labelled skippable for a token when the cosine between its input and output is at least τ (it
 * barely changes the residual stream, AdaSkip's criterion), and a {@link LinearRouter} learns to
 * predict that label from the layer's input. At generation a sublayer is skipped when its router's
 * probability exceeds p. Unlike AdaSkip, which predicts a sublayer's behaviour from the tokens
 * before, the router judges the token at hand.
 *
 * <p>The first layer always runs (its input is the embedding, which the forward does not show to
 * hooks). KV rows of skipped attention sublayers are filled from the state that reached them (state
 * propagation, the decoder's default). The prompt is prefilled with the full model.
 */
public final class RouterSkip implements SkipMethod {
    private final int layers;
    private final int dim;
    private final double threshold;
    private final double tau;
    private final SublayerScope scope;
    private final LinearRouter[] attention; // [L]; index 0 unused
    private final LinearRouter[] ffn;       // [L]; index 0 unused
    private final SkipStats stats;
    private final Backend backend; // the model's, through which hidden states are read

    private RouterSkip(int layers, int dim, double threshold, double tau, SublayerScope scope, LinearRouter[] attention, LinearRouter[] ffn,
                       Backend backend) {
        if (!(threshold > 0 && threshold <= 1)) { // 1 never skips: a probability is never above it
            throw new IllegalArgumentException("router probability threshold must be in (0, 1], got " + threshold);
        }
        this.layers = layers;
        this.dim = dim;
        this.threshold = threshold;
        this.tau = tau;
        this.scope = scope;
        this.attention = attention;
        this.ffn = ffn;
        this.stats = new SkipStats(layers);
        this.backend = backend;
    }

    /**
     * Trains the routers on {@code sequences} (token ids, each at most the context length) run by the
     * full model, {@code epochs} passes.
     *
     * @param tau a sublayer is skippable for a token when cos(input, output) ≥ τ
     */
    public static RouterSkip train(Llama model, List<int[]> sequences, double threshold, double tau, int epochs, SublayerScope scope,
                                   ProgressListener progress) {
        if (sequences.isEmpty()) {
            throw new IllegalArgumentException("the router needs calibration text to learn from");
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("router training needs at least 1 epoch, got " + epochs);
        }
        if (!(tau >= -1 && tau <= 1)) {
            throw new IllegalArgumentException("router label threshold τ must be a cosine in [-1, 1], got " + tau);
        }
        int layers = model.config().layers(), dim = model.config().dim();
        LinearRouter[] a = new LinearRouter[layers], f = new LinearRouter[layers];
        for (int l = 0; l < layers; l++) {
            a[l] = new LinearRouter(dim);
            f[l] = new LinearRouter(dim);
        }
        int chunk = 64;
        long total = (long) epochs * sequences.size(), done = 0;
        try (Workspace ws = model.workspace(chunk, 1)) {
            for (int epoch = 0; epoch < epochs; epoch++) {
                double lr = 0.05 / (1 + epoch); // a decaying step: the later passes refine
                for (int[] seq : sequences) {
                    if (seq.length == 0 || seq.length > model.config().contextLength()) {
                        throw new IllegalArgumentException("calibration sequence of " + seq.length + " tokens; each needs 1 to "
                                + model.config().contextLength());
                    }
                    try (KvCache cache = model.kvCache(seq.length)) {
                        for (int p0 = 0; p0 < seq.length; p0 += chunk) {
                            int n = Math.min(chunk, seq.length - p0);
                            model.embed(Arrays.copyOfRange(seq, p0, p0 + n), ws);
                            model.layers(ws, cache, p0, n, 0, layers, new Trainer(a, f, dim, tau, lr, model.backend()));
                            cache.setLength(p0 + n);
                        }
                    }
                    progress.progress(++done, total);
                }
            }
        }
        return new RouterSkip(layers, dim, threshold, tau, scope, a, f, model.backend());
    }

    /** The probability that the router of a sublayer gives for skipping, on a layer input. */
    public double probability(int layer, boolean attn, float[] layerInput) {
        return (attn ? attention : ffn)[layer].probability(layerInput, 0);
    }

    @Override
    public String name() {
        return String.format(Locale.ROOT, "router:%s,tau=%s,only=%s", threshold, tau, scope.spec());
    }

    @Override
    public ForwardHooks prefill(int position, int tokens) {
        return ForwardHooks.FULL;
    }

    @Override
    public ForwardHooks hooks(int step, int position) {
        return new Router();
    }

    /** The routers are only read once trained, and each forward gets its own scratch: every session may share this. */
    @Override
    public SkipMethod forSession() {
        return this;
    }

    @Override
    public SkipStats stats() {
        return stats;
    }

    /** Decides each layer from the state that reaches it (one token). */
    private final class Router implements ForwardHooks {
        private final float[] in = new float[dim];
        private boolean seen;

        @Override
        public LayerAction action(int layer) {
            if (layer == 0 || !seen) {
                return LayerAction.RUN;
            }
            return scope.action(scope != SublayerScope.FFN && attention[layer].probability(in, 0) > threshold,
                    scope != SublayerScope.ATTENTION && ffn[layer].probability(in, 0) > threshold);
        }

        @Override
        public void afterLayer(int layer, Tensor hidden) {
            backend.read(hidden, in);
            seen = true;
        }
    }

    /** Labels every row's sublayers by the cosine of their input and output and takes one SGD step per row. */
    private static final class Trainer extends SublayerObserver {
        private final LinearRouter[] attention, ffn;
        private final double tau, lr;

        Trainer(LinearRouter[] attention, LinearRouter[] ffn, int dim, double tau, double lr, Backend backend) {
            super(dim, backend);
            this.attention = attention;
            this.ffn = ffn;
            this.tau = tau;
            this.lr = lr;
        }

        @Override
        protected void onAttention(int layer) {
            for (int r = 0; r < rows; r++) {
                attention[layer].train(in, r * dim, cosine(in, mid, r) >= tau, lr, 1e-4);
            }
        }

        @Override
        protected void onLayer(int layer, boolean inputKnown) {
            if (inputKnown) { // the FFN's router also reads the layer's input: the decision is made before the layer
                for (int r = 0; r < rows; r++) {
                    ffn[layer].train(in, r * dim, cosine(mid, out, r) >= tau, lr, 1e-4);
                }
            }
        }
    }
}
