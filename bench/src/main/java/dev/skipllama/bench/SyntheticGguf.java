package dev.skipllama.bench;

import dev.skipllama.skip.speculative.DraftVocabulary;
import dev.skipllama.tensor.DType;
import dev.skipllama.transformer.gguf.GgufFile;
import dev.skipllama.transformer.tokenizer.GgufTokenizerLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Writes a <b>synthetic</b> model for speed runs of self-speculation: a {@link RandomGguf} of a real
 * shape whose drafts are accepted at a controlled rate (GUIDE §7). It says nothing about quality —
 * the weights are random and it produces no language — and its name says so
 * ({@code general.name} starts with "SYNTHETIC").
 *
 * <ul>
 *   <li><b>Acceptance</b>: the output projections (attention output and FFN down) of layers
 *       {@code >= E} are scaled by ε, so those layers nudge the residual stream only slightly and the
 *       exit after E layers predicts what the whole model does; acceptance rises as ε falls (on the
 *       1B shape about 0.05 → 50%, 0.03 → 85%, 0.015 → 100% without the skew below).</li>
 *   <li><b>A frequency skew on the head</b>: the LM head's row of a token of frequency rank r is
 *       scaled by {@code 1 + β / (1 + r / r0)}, so the full model's tokens concentrate on frequent ones
 *       as a real model's do (with β = 0.6, r0 = 8192 on a 128k vocabulary, the 32k most frequent
 *       tokens hold ~95% of the argmaxes, 8k ~83%) and a reduced-vocabulary draft head (FR-Spec) is
 *       exercised realistically. The rank is the tokenizer's fallback ranking
 *       ({@link DraftVocabulary#fromTokenizer}) with a log-normal jitter (σ = 0.5), so that ranking is a
 *       good but imperfect guess of the "true" frequencies, as it is for real text.</li>
 * </ul>
 *
 * The same seeds as {@link RandomGguf}: a synthetic file differs from the random one of its shape
 * and type only by these scalings.
 *
 * <pre>
 *   java ... dev.skipllama.bench.SyntheticGguf OUT.gguf SHAPE DTYPE VOCAB.gguf EXIT EPSILON [SKEW [RANK0]]
 *   e.g. SyntheticGguf /tmp/synth/synthetic-1b-Q4_0-e4-eps0.03.gguf llama-3.2-1b Q4_0 ggml-vocab-llama-bpe.gguf 4 0.03
 * </pre>
 */
public final class SyntheticGguf {
    private SyntheticGguf() {
    }

    /** What makes a random model synthetic: the damped layers and the head skew. */
    record Spec(int exitLayer, float epsilon, double skew, int skewRank, int[] rankOf) {
        double headScale(int token) {
            return 1 + skew / (1 + (double) rankOf[token] / skewRank);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "layers >= %d damped by %s, head skew %s/(1 + rank/%d)", exitLayer, epsilon, skew, skewRank);
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 6 || args.length > 8) {
            System.err.println("usage: SyntheticGguf OUT.gguf SHAPE DTYPE VOCAB.gguf EXIT EPSILON [SKEW [RANK0]]");
            System.exit(2);
        }
        double skew = args.length > 6 ? Double.parseDouble(args[6]) : 0.6;
        int rank0 = args.length > 7 ? Integer.parseInt(args[7]) : 8192;
        write(Path.of(args[0]), RandomGguf.Shape.of(args[1]), DType.valueOf(args[2]), Path.of(args[3]),
                Integer.parseInt(args[4]), Float.parseFloat(args[5]), skew, rank0);
    }

    public static void write(Path out, RandomGguf.Shape shape, DType dtype, Path vocab, int exitLayer, float epsilon, double skew, int rank0)
            throws IOException {
        if (exitLayer < 1 || exitLayer >= shape.layers() || !(epsilon > 0) || !(skew >= 0) || rank0 < 1) {
            throw new IllegalArgumentException("need 1 <= EXIT < " + shape.layers() + ", EPSILON > 0, SKEW >= 0, RANK0 >= 1");
        }
        int[] rankOf;
        try (GgufFile f = GgufFile.open(vocab)) {
            rankOf = jitteredRanks(DraftVocabulary.fromTokenizer(GgufTokenizerLoader.load(f)).ranking(), 0.5, 7);
        }
        RandomGguf.write(out, shape, dtype, vocab, new Spec(exitLayer, epsilon, skew, rank0, rankOf));
    }

    /** Each token's rank after multiplying its place in {@code ranking} by exp(N(0, σ²)) and re-sorting. */
    static int[] jitteredRanks(int[] ranking, double sigma, long seed) {
        int n = ranking.length;
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] key = new double[n];
        for (int place = 0; place < n; place++) {
            double u = rnd.nextDouble(), v = rnd.nextDouble();
            double g = Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
            key[ranking[place]] = (place + 1) * Math.exp(sigma * g);
        }
        Integer[] order = new Integer[n];
        java.util.Arrays.setAll(order, i -> i);
        java.util.Arrays.sort(order, (a, b) -> Double.compare(key[a], key[b]));
        int[] rankOf = new int[n];
        for (int r = 0; r < n; r++) {
            rankOf[order[r]] = r;
        }
        return rankOf;
    }
}
