package dev.skipllama.transformer.sampling;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks tokens from logits per a {@link SamplingConfig}. Holds its own seeded random stream and
 * scratch arrays, so it belongs to one session (not thread-safe); the same seed and inputs always
 * give the same tokens.
 */
public final class Sampler {
    private final SamplingConfig config;
    private final SplittableRandom random;
    private float[] work = new float[0];
    private int[] order = new int[0];
    private long[] keys = new long[0];
    private float[] probs = new float[0];

    public Sampler(SamplingConfig config) {
        this.config = config;
        this.random = new SplittableRandom(config.seed());
    }

    public SamplingConfig config() {
        return config;
    }

    /** The index of the largest logit (the lowest index on ties, as torch.argmax). */
    public static int argmax(float[] logits, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * Samples the next token.
     *
     * @param logits  the model's logits (not modified)
     * @param history tokens so far (prompt and generated), for the repetition penalty
     * @param historyLength how many entries of {@code history} are valid
     */
    public int sample(float[] logits, int[] history, int historyLength) {
        if (config.greedy()) {
            return argmax(penalised(logits, history, historyLength), logits.length);
        }
        if (probs.length < logits.length) {
            probs = new float[logits.length];
        }
        probabilities(logits, history, historyLength, probs);
        return draw(probs, logits.length);
    }

    /**
     * The distribution {@link #sample} draws from, written to {@code out}: penalty, top-k,
     * temperature, top-p and min-p applied, renormalised, zero outside the kept set. For greedy
     * settings it is one-hot at the argmax. Speculative sampling compares these for draft and target.
     */
    public void probabilities(float[] logits, int[] history, int historyLength, float[] out) {
        int n = logits.length;
        float[] l = penalised(logits, history, historyLength);
        java.util.Arrays.fill(out, 0, n, 0f);
        if (config.greedy()) {
            out[argmax(l, n)] = 1f;
            return;
        }
        int k = config.topK() > 0 ? Math.min(config.topK(), n) : n;
        int m = topIndices(l, n, k);
        float max = l[order[0]];
        double[] p = new double[m];
        double sum = 0;
        for (int i = 0; i < m; i++) {
            p[i] = Math.exp((l[order[i]] - max) / config.temperature());
            sum += p[i];
        }
        for (int i = 0; i < m; i++) {
            p[i] /= sum;
        }
        // top-p: the smallest prefix reaching the mass; min-p: relative to the top token.
        int keep = m;
        if (config.topP() < 1f) {
            double c = 0;
            for (int i = 0; i < m; i++) {
                c += p[i];
                if (c >= config.topP()) {
                    keep = i + 1;
                    break;
                }
            }
        }
        if (config.minP() > 0f) {
            double floor = config.minP() * p[0];
            int i = 1;
            while (i < keep && p[i] >= floor) {
                i++;
            }
            keep = i;
        }
        double total = 0;
        for (int i = 0; i < keep; i++) {
            total += p[i];
        }
        for (int i = 0; i < keep; i++) {
            out[order[i]] = (float) (p[i] / total);
        }
    }

    /** Draws an index from a distribution over {@code n} entries (entries need not sum exactly to 1). */
    public int draw(float[] probs, int n) {
        double total = 0;
        for (int i = 0; i < n; i++) {
            total += probs[i];
        }
        double u = random.nextDouble() * total;
        int last = -1;
        for (int i = 0; i < n; i++) {
            if (probs[i] > 0) {
                last = i;
                u -= probs[i];
                if (u < 0) {
                    return i;
                }
            }
        }
        if (last < 0) {
            throw new IllegalArgumentException("cannot draw from an all-zero distribution");
        }
        return last;
    }

    /** A uniform number in [0, 1) from this sampler's seeded stream (speculative acceptance tests use it). */
    public double uniform() {
        return random.nextDouble();
    }

    private float[] penalised(float[] logits, int[] history, int historyLength) {
        int n = logits.length;
        if (work.length < n) {
            work = new float[n];
            order = new int[n];
        }
        System.arraycopy(logits, 0, work, 0, n);
        applyPenalty(work, history, historyLength);
        return work;
    }

    /** CTRL penalty: positive logits divided, negative multiplied, once per distinct token in the window. */
    private void applyPenalty(float[] l, int[] history, int historyLength) {
        float pen = config.repetitionPenalty();
        if (pen == 1f || history == null) {
            return;
        }
        int from = Math.max(0, historyLength - config.penaltyWindow());
        int[] seen = Arrays.copyOfRange(history, from, historyLength);
        Arrays.sort(seen);
        for (int i = 0; i < seen.length; i++) {
            int t = seen[i];
            if ((i > 0 && seen[i - 1] == t) || t < 0 || t >= l.length) {
                continue;
            }
            l[t] = l[t] > 0 ? l[t] / pen : l[t] * pen;
        }
    }

    /** Fills {@code order[0..k)} with the indices of the k largest values, descending (ties: lower index first). */
    private int topIndices(float[] l, int n, int k) {
        // One primitive sort of (logit, index) packed into longs: no boxing, deterministic ties.
        if (keys.length < n) {
            keys = new long[n];
        }
        for (int i = 0; i < n; i++) {
            int b = Float.floatToIntBits(l[i]);
            int ordered = b ^ ((b >> 31) & 0x7fffffff); // monotonic in the float value
            keys[i] = ((long) ~ordered << 32) | i;      // ~ reverses the order: largest logit first
        }
        Arrays.sort(keys, 0, n);
        for (int i = 0; i < k; i++) {
            order[i] = (int) keys[i];
        }
        return k;
    }
}
