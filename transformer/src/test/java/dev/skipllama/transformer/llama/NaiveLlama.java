package dev.skipllama.transformer.llama;

import dev.skipllama.tensor.Dequantize;
import dev.skipllama.tensor.RopeLayout;
import dev.skipllama.tensor.Tensor;

/**
 * An independent, deliberately naive Llama forward in doubles over plain arrays, written from the
 * paper's equations (not from {@link Llama}): full causal attention recomputed from scratch for
 * the whole sequence, no KV cache, no backend. Used to check the real decoder's math.
 */
final class NaiveLlama {
    private final LlamaConfig c;
    private final LlamaWeights w;

    NaiveLlama(LlamaConfig c, LlamaWeights w) {
        this.c = c;
        this.w = w;
    }

    /** Logits of every position of {@code tokens}. */
    double[][] logits(int[] tokens) {
        int n = tokens.length;
        double[][] h = new double[n][];
        double[][] emb = mat(w.tokenEmbedding());
        for (int t = 0; t < n; t++) {
            h[t] = emb[tokens[t]].clone();
        }
        for (int l = 0; l < c.layers(); l++) {
            LlamaWeights.Layer L = w.layers().get(l);
            double[][] q = new double[n][], k = new double[n][], v = new double[n][];
            for (int t = 0; t < n; t++) {
                double[] x = rmsnorm(h[t], vec(L.attnNorm()));
                q[t] = rope(matvec(mat(L.wq()), x), t);
                k[t] = rope(matvec(mat(L.wk()), x), t);
                v[t] = matvec(mat(L.wv()), x);
            }
            int hd = c.headDim(), group = c.heads() / c.kvHeads();
            for (int t = 0; t < n; t++) {
                double[] att = new double[c.qDim()];
                for (int hh = 0; hh < c.heads(); hh++) {
                    int kvh = hh / group;
                    double[] s = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int u = 0; u <= t; u++) {
                        for (int i = 0; i < hd; i++) {
                            s[u] += q[t][hh * hd + i] * k[u][kvh * hd + i];
                        }
                        s[u] /= Math.sqrt(hd);
                        max = Math.max(max, s[u]);
                    }
                    double z = 0;
                    for (int u = 0; u <= t; u++) {
                        s[u] = Math.exp(s[u] - max);
                        z += s[u];
                    }
                    for (int u = 0; u <= t; u++) {
                        for (int i = 0; i < hd; i++) {
                            att[hh * hd + i] += s[u] / z * v[u][kvh * hd + i];
                        }
                    }
                }
                add(h[t], matvec(mat(L.wo()), att));
            }
            for (int t = 0; t < n; t++) {
                double[] x = rmsnorm(h[t], vec(L.ffnNorm()));
                double[] g = matvec(mat(L.wGate()), x), u = matvec(mat(L.wUp()), x);
                for (int i = 0; i < g.length; i++) {
                    g[i] = g[i] / (1 + Math.exp(-g[i])) * u[i];
                }
                add(h[t], matvec(mat(L.wDown()), g));
            }
        }
        double[][] out = new double[n][];
        for (int t = 0; t < n; t++) {
            out[t] = matvec(mat(w.output()), rmsnorm(h[t], vec(w.finalNorm())));
        }
        return out;
    }

    private double[] rope(double[] x, int pos) {
        double[] y = x.clone();
        int hd = c.headDim();
        for (int head = 0; head < x.length / hd; head++) {
            for (int i = 0; i < hd / 2; i++) {
                double theta = pos * Math.pow(c.ropeTheta(), -2.0 * i / hd);
                int a = head * hd + (c.ropeLayout() == RopeLayout.INTERLEAVED ? 2 * i : i);
                int b = head * hd + (c.ropeLayout() == RopeLayout.INTERLEAVED ? 2 * i + 1 : i + hd / 2);
                y[a] = x[a] * Math.cos(theta) - x[b] * Math.sin(theta);
                y[b] = x[a] * Math.sin(theta) + x[b] * Math.cos(theta);
            }
        }
        return y;
    }

    private double[] rmsnorm(double[] x, double[] g) {
        double ss = 0;
        for (double v : x) {
            ss += v * v;
        }
        double s = 1 / Math.sqrt(ss / x.length + c.rmsEps());
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] * s * g[i];
        }
        return y;
    }

    private static double[] matvec(double[][] m, double[] x) {
        double[] y = new double[m.length];
        for (int o = 0; o < m.length; o++) {
            for (int i = 0; i < x.length; i++) {
                y[o] += m[o][i] * x[i];
            }
        }
        return y;
    }

    private static void add(double[] a, double[] b) {
        for (int i = 0; i < a.length; i++) {
            a[i] += b[i];
        }
    }

    private static double[][] mat(Tensor t) {
        float[] f = Dequantize.toFloats(t);
        double[][] m = new double[t.dim(0)][t.dim(1)];
        for (int r = 0; r < m.length; r++) {
            for (int i = 0; i < m[r].length; i++) {
                m[r][i] = f[r * m[r].length + i];
            }
        }
        return m;
    }

    private static double[] vec(Tensor t) {
        float[] f = Dequantize.toFloats(t);
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
