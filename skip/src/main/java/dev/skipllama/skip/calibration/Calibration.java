package dev.skipllama.skip.calibration;

import dev.skipllama.tensor.Backend;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.transformer.ProgressListener;
import dev.skipllama.transformer.llama.ForwardHooks;
import dev.skipllama.transformer.llama.KvCache;
import dev.skipllama.transformer.llama.Llama;
import dev.skipllama.transformer.model.Model;
import dev.skipllama.transformer.llama.Workspace;
import dev.skipllama.transformer.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.List;

/**
 * Per-layer and per-sublayer similarity statistics of the full model on calibration text, measured
 * once and consumed by every static planner. For each layer l, averaged over every calibration token:
 * <ul>
 *   <li>{@link #layerCosine} {@code cos(h_{l-1}, h_l)}: the layer's input against its output
 *       (h_{-1} is the embedding). ShortGPT's Block Influence is {@code 1 - layerCosine}
 *       (Men et al. 2024, §3.1).</li>
 *   <li>{@link #attentionCosine} {@code cos(h_{l-1}, m_l)} with {@code m_l} the state after the
 *       attention residual add: the attention sublayer's input against its output ("What Matters in
 *       Transformers", He et al. 2024, §3).</li>
 *   <li>{@link #ffnCosine} {@code cos(m_l, h_l)}: the FFN sublayer's input against its output
 *       (FFN-SkipLLM, Jaiswal et al. 2024, §3).</li>
 * </ul>
 *
 * <p>{@link #sequences} keeps the calibration tokens themselves, for methods that learn from the text
 * rather than from these averages (the routers of {@link dev.skipllama.skip.dynamic.RouterSkip}).
 *
 * <p>The sequences go through the ordinary forward ({@link Llama#embed} then {@link Llama#layers}
 * with observing hooks), in chunks of at most {@link #CHUNK} tokens that extend one KV cache, so each
 * token sees its whole sequence as context.
 */
public record Calibration(long tokens, double[] layerCosine, double[] attentionCosine, double[] ffnCosine, List<int[]> sequences) {
    /** Tokens per forward while calibrating. */
    public static final int CHUNK = 64;

    public Calibration {
        if (layerCosine.length != attentionCosine.length || layerCosine.length != ffnCosine.length) {
            throw new IllegalArgumentException("calibration arrays differ in length");
        }
        layerCosine = layerCosine.clone();
        attentionCosine = attentionCosine.clone();
        ffnCosine = ffnCosine.clone();
        sequences = List.copyOf(sequences);
    }

    /** Statistics given without the text they came from (tests, hand-made plans). */
    public Calibration(long tokens, double[] layerCosine, double[] attentionCosine, double[] ffnCosine) {
        this(tokens, layerCosine, attentionCosine, ffnCosine, List.of());
    }

    public int layers() {
        return layerCosine.length;
    }

    /** ShortGPT's Block Influence {@code BI_l = 1 - E[cos(h_{l-1}, h_l)]}. */
    public double[] blockInfluence() {
        double[] bi = new double[layers()];
        for (int l = 0; l < bi.length; l++) {
            bi[l] = 1 - layerCosine[l];
        }
        return bi;
    }

    @Override
    public double[] layerCosine() {
        return layerCosine.clone();
    }

    @Override
    public double[] attentionCosine() {
        return attentionCosine.clone();
    }

    @Override
    public double[] ffnCosine() {
        return ffnCosine.clone();
    }

    /**
     * Calibration text as {@link #measure} takes it: one passage per non-blank line, each encoded with
     * BOS and cut to {@code contextLength} tokens.
     */
    public static List<int[]> passages(Tokenizer tokenizer, List<String> lines, int contextLength) {
        return lines.stream().filter(l -> !l.isBlank()).map(l -> tokenizer.encode(l, true))
                .map(ids -> ids.length > contextLength ? Arrays.copyOf(ids, contextLength) : ids).toList();
    }

    /** Runs {@code sequences} (token ids, each at most the model's context length) through the full model. */
    /** Statistics on calibration text, one passage per line, for a loaded {@link Model}. */
    public static Calibration measure(Model model, List<String> lines) {
        return measure(model.llama(), passages(model.tokenizer(), lines, model.config().contextLength()));
    }

    public static Calibration measure(Llama model, List<int[]> sequences) {
        return measure(model, sequences, CHUNK);
    }

    /** As {@link #measure(Llama, List)}, with {@code chunk} tokens per forward. */
    public static Calibration measure(Llama model, List<int[]> sequences, int chunk) {
        return measure(model, sequences, chunk, ProgressListener.NONE);
    }

    /** The same, reporting sequences done. */
    public static Calibration measure(Llama model, List<int[]> sequences, int chunk, ProgressListener progress) {
        if (chunk < 1) {
            throw new IllegalArgumentException("calibration chunk must be >= 1 token, got " + chunk);
        }
        int layers = model.config().layers(), dim = model.config().dim();
        if (sequences.isEmpty()) {
            throw new IllegalArgumentException("calibration needs at least one token sequence");
        }
        Recorder rec = new Recorder(layers, dim, model.backend());
        try (Workspace ws = model.workspace(chunk, 1)) {
            for (int s = 0; s < sequences.size(); s++) {
                int[] seq = sequences.get(s);
                if (seq.length == 0 || seq.length > model.config().contextLength()) {
                    throw new IllegalArgumentException("calibration sequence " + s + " has " + seq.length
                            + " tokens; each needs 1 to " + model.config().contextLength() + " (the context length)");
                }
                try (KvCache cache = model.kvCache(seq.length)) {
                    for (int p0 = 0; p0 < seq.length; p0 += chunk) {
                        int n = Math.min(chunk, seq.length - p0);
                        model.embed(java.util.Arrays.copyOfRange(seq, p0, p0 + n), ws);
                        rec.start(ws.hidden(n));
                        model.layers(ws, cache, p0, n, 0, layers, rec);
                        cache.setLength(p0 + n);
                    }
                }
                progress.progress(s + 1, sequences.size());
            }
        }
        return rec.result(sequences);
    }

    /** Sums, over every row, the cosines of a layer's input, mid-layer state and output. */
    private static final class Recorder extends SublayerObserver {
        private final double[] layer, attention, ffn;
        private long tokens;

        Recorder(int layers, int dim, Backend backend) {
            super(dim, backend);
            layer = new double[layers];
            attention = new double[layers];
            ffn = new double[layers];
        }

        @Override
        public void start(Tensor embedded) {
            super.start(embedded);
            tokens += rows;
        }

        @Override
        protected void onAttention(int l) {
            for (int r = 0; r < rows; r++) {
                attention[l] += cosine(in, mid, r);
            }
        }

        @Override
        protected void onLayer(int l, boolean inputKnown) {
            for (int r = 0; r < rows; r++) {
                ffn[l] += cosine(mid, out, r);
                layer[l] += cosine(in, out, r);
            }
        }

        Calibration result(List<int[]> sequences) {
            double[] a = layer.clone(), b = attention.clone(), c = ffn.clone();
            for (int l = 0; l < a.length; l++) {
                a[l] /= tokens;
                b[l] /= tokens;
                c[l] /= tokens;
            }
            return new Calibration(tokens, a, b, c, sequences);
        }
    }
}
