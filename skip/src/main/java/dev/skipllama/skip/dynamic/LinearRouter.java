package dev.skipllama.skip.dynamic;

import java.util.Arrays;

/**
 * A logistic-regression router over a hidden state: {@code p = σ(w · x̂ + b)} with {@code x̂} the
 * state scaled to unit RMS (what the layer's RMSNorm sees, without its learned weight), so one
 * learning rate fits every layer. Trained by stochastic gradient descent on the log-loss, one example
 * at a time as the calibration text streams through the model: nothing is stored but the weights.
 * This is the router of Router-Tuning / MindSkip (Jiang et al. 2024) reduced to what can be learned
 * without touching the model: a linear probe that predicts from a layer's input whether the layer
 * will change it.
 */
public final class LinearRouter {
    private final float[] w;
    private float b;
    private long seen;

    public LinearRouter(int dim) {
        this.w = new float[dim];
    }

    public LinearRouter(float[] weights, float bias) {
        this.w = weights.clone();
        this.b = bias;
    }

    public int dim() {
        return w.length;
    }

    public float[] weights() {
        return w.clone();
    }

    public float bias() {
        return b;
    }

    /** Examples trained on so far. */
    public long seen() {
        return seen;
    }

    /** σ(w · x̂ + b) for the row of {@code x} starting at {@code off}. */
    public double probability(float[] x, int off) {
        return sigmoid(logit(x, off, scale(x, off)));
    }

    /**
     * One SGD step on {@code (x, label)}: {@code w ← w − lr · (p − y) · x̂}, with an L2 pull {@code l2 · w}
     * that keeps weights small where the features carry no signal.
     */
    public void train(float[] x, int off, boolean label, double lr, double l2) {
        double s = scale(x, off);
        double g = sigmoid(logit(x, off, s)) - (label ? 1 : 0);
        for (int i = 0; i < w.length; i++) {
            w[i] -= (float) (lr * (g * x[off + i] * s + l2 * w[i]));
        }
        b -= (float) (lr * g);
        seen++;
    }

    private double logit(float[] x, int off, double s) {
        double z = b;
        for (int i = 0; i < w.length; i++) {
            z += w[i] * x[off + i] * s;
        }
        return z;
    }

    /** 1 / RMS(x): x̂ = x · scale has unit root-mean-square. */
    private double scale(float[] x, int off) {
        double ss = 0;
        for (int i = 0; i < w.length; i++) {
            ss += (double) x[off + i] * x[off + i];
        }
        return ss == 0 ? 0 : 1 / Math.sqrt(ss / w.length);
    }

    static double sigmoid(double z) {
        return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }

    @Override
    public String toString() {
        return "LinearRouter[dim=" + w.length + ", b=" + b + ", |w|=" + Math.sqrt(Arrays.stream(toDoubles()).map(v -> v * v).sum()) + "]";
    }

    private double[] toDoubles() {
        double[] d = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            d[i] = w[i];
        }
        return d;
    }
}
