package dev.skipllama.tensor.ref;

import dev.skipllama.tensor.Backend;
import dev.skipllama.tensor.Checks;
import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Dequantize;
import dev.skipllama.tensor.Halfs;
import dev.skipllama.tensor.Location;
import dev.skipllama.tensor.RopeLayout;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.tensor.quant.QuantDot;
import dev.skipllama.tensor.quant.QuantizedRow;
import java.lang.foreign.ValueLayout;

/**
 * The definition of every op: plain scalar loops, one thread, sums in double. Slow on purpose;
 * faster backends are tested against it. Stateless, so it is safe to share between threads.
 *
 * <p>A matmul with block-quantized weights is ggml's integer dot product ({@link QuantDot}): each
 * activation row is quantized to 8-bit blocks ({@link QuantizedRow}) and every block summed in
 * integers. Float weights (F32, F16, BF16) take the activations as they are.
 */
public final class ReferenceBackend implements Backend {

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public void matmul(Tensor w, Tensor x, Tensor out) {
        Checks.on(Location.HOST, "matmul", w, x, out);
        Checks.matmul(w, x, out);
        int nOut = w.dim(0), nIn = w.dim(1), rows = x.rowCount();
        if (w.dtype().isQuantized()) {
            QuantizedRow q = new QuantizedRow(QuantizedRow.blocksFor(w.dtype()), nIn);
            for (int r = 0; r < rows; r++) {
                q.quantize(x.segment(), 4L * r * nIn);
                for (int o = 0; o < nOut; o++) {
                    out.setFloat((long) r * nOut + o, QuantDot.dot(w.dtype(), w.segment(), o * w.rowBytes(), q));
                }
            }
            return;
        }
        float[] wRow = new float[nIn];
        for (int o = 0; o < nOut; o++) {
            Dequantize.row(w, o, wRow);
            for (int r = 0; r < rows; r++) {
                double s = 0;
                for (int i = 0; i < nIn; i++) {
                    s += (double) wRow[i] * x.getFloat((long) r * nIn + i);
                }
                out.setFloat((long) r * nOut + o, (float) s);
            }
        }
    }

    @Override
    public void rmsnorm(Tensor x, Tensor weight, float eps, Tensor out) {
        Checks.on(Location.HOST, "rmsnorm", x, weight, out);
        Checks.rmsnorm(x, weight, out);
        int d = x.dim(-1);
        for (int r = 0; r < x.rowCount(); r++) {
            double ss = 0;
            for (int i = 0; i < d; i++) {
                double v = x.getFloat((long) r * d + i);
                ss += v * v;
            }
            double scale = 1.0 / Math.sqrt(ss / d + eps);
            for (int i = 0; i < d; i++) {
                long at = (long) r * d + i;
                out.setFloat(at, (float) (x.getFloat(at) * scale * weight.getFloat(i)));
            }
        }
    }

    @Override
    public void rope(Tensor x, int headDim, int[] positions, float[] invFreq, RopeLayout layout) {
        Checks.on(Location.HOST, "rope", x);
        Checks.rope(x, headDim, positions, invFreq);
        int width = x.dim(-1), half = invFreq.length;
        for (int r = 0; r < x.rowCount(); r++) {
            for (int h = 0; h < width / headDim; h++) {
                long base = (long) r * width + (long) h * headDim;
                for (int i = 0; i < half; i++) {
                    double angle = (float) (positions[r] * invFreq[i]);
                    float cos = (float) Math.cos(angle), sin = (float) Math.sin(angle);
                    long a = base + (layout == RopeLayout.INTERLEAVED ? 2L * i : i);
                    long b = base + (layout == RopeLayout.INTERLEAVED ? 2L * i + 1 : i + half);
                    float x0 = x.getFloat(a), x1 = x.getFloat(b);
                    x.setFloat(a, x0 * cos - x1 * sin);
                    x.setFloat(b, x0 * sin + x1 * cos);
                }
            }
        }
    }

    @Override
    public void softmax(Tensor x) {
        Checks.on(Location.HOST, "softmax", x);
        Checks.softmax(x);
        int n = x.dim(-1);
        for (int r = 0; r < x.rowCount(); r++) {
            long base = (long) r * n;
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                max = Math.max(max, x.getFloat(base + i));
            }
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += Math.exp(x.getFloat(base + i) - max);
            }
            for (int i = 0; i < n; i++) {
                x.setFloat(base + i, (float) (Math.exp(x.getFloat(base + i) - max) / sum));
            }
        }
    }

    @Override
    public void attention(Tensor q, Tensor k, Tensor v, int[] positions, int nHeads, int nKvHeads, Tensor out) {
        Checks.on(Location.HOST, "attention", q, k, v, out);
        Checks.attention(q, k, v, positions, nHeads, nKvHeads, out);
        if (k.dtype() == DType.F16) {
            halfAttention(q, k, v, positions, nHeads, nKvHeads, out);
            return;
        }
        int headDim = q.dim(-1) / nHeads, group = nHeads / nKvHeads, kvWidth = k.dim(1);
        double scale = 1.0 / Math.sqrt(headDim);
        for (int r = 0; r < q.rowCount(); r++) {
            int len = positions[r] + 1;
            double[] p = new double[len];
            for (int h = 0; h < nHeads; h++) {
                long qBase = (long) r * q.dim(-1) + (long) h * headDim;
                int kvOff = (h / group) * headDim;
                double max = Double.NEGATIVE_INFINITY;
                for (int t = 0; t < len; t++) {
                    double s = 0;
                    for (int i = 0; i < headDim; i++) {
                        s += (double) q.getFloat(qBase + i) * k.getFloat((long) t * kvWidth + kvOff + i);
                    }
                    p[t] = s * scale;
                    max = Math.max(max, p[t]);
                }
                double sum = 0;
                for (int t = 0; t < len; t++) {
                    p[t] = Math.exp(p[t] - max);
                    sum += p[t];
                }
                for (int i = 0; i < headDim; i++) {
                    double o = 0;
                    for (int t = 0; t < len; t++) {
                        o += p[t] * v.getFloat((long) t * kvWidth + kvOff + i);
                    }
                    out.setFloat(qBase + i, (float) (o / sum));
                }
            }
        }
    }

    /**
     * Attention over an F16 cache: llama.cpp's flash attention on its F16 cache, one position at a time
     * with a running maximum and an F16 accumulator (see {@link Backend#attention}).
     */
    private static void halfAttention(Tensor q, Tensor k, Tensor v, int[] positions, int nHeads, int nKvHeads, Tensor out) {
        int headDim = q.dim(-1) / nHeads, group = nHeads / nKvHeads, kvWidth = k.dim(1);
        float scale = 1f / (float) Math.sqrt(headDim); // llama.cpp's kq_scale, 1.0f/sqrtf(head_dim)
        for (int r = 0; r < q.rowCount(); r++) {
            for (int h = 0; h < nHeads; h++) {
                long qBase = (long) r * q.dim(-1) + (long) h * headDim;
                int kvOff = (h / group) * headDim;
                float[] q16 = new float[headDim];
                for (int i = 0; i < headDim; i++) {
                    q16[i] = Halfs.roundToF16(q.getFloat(qBase + i));
                }
                float[] y = new float[headDim]; // F16 values
                float m = Float.NEGATIVE_INFINITY, sum = 0f;
                for (int t = 0; t <= positions[r]; t++) {
                    double[] p = new double[8];
                    for (int i = 0; i < headDim; i++) {
                        p[i % 8] += q16[i] * f16(k, (long) t * kvWidth + kvOff + i);
                    }
                    float s = (float) (((p[0] + p[4]) + (p[2] + p[6])) + ((p[1] + p[5]) + (p[3] + p[7]))) * scale;
                    float ms = 1f, vs = 1f;
                    if (s > m) {
                        ms = (float) Math.exp(m - s);
                        m = s;
                        for (int i = 0; i < headDim; i++) {
                            y[i] = Halfs.roundToF16(y[i] * ms);
                        }
                    } else {
                        vs = (float) Math.exp(s - m);
                    }
                    for (int i = 0; i < headDim; i++) {
                        y[i] = Halfs.roundToF16(y[i] + f16(v, (long) t * kvWidth + kvOff + i) * vs);
                    }
                    sum = sum * ms + vs;
                }
                float inv = sum == 0f ? 0f : 1f / sum;
                for (int i = 0; i < headDim; i++) {
                    out.setFloat(qBase + i, y[i] * inv);
                }
            }
        }
    }


    /** Element i of an F16 tensor. */
    private static float f16(Tensor t, long i) {
        return Float.float16ToFloat(t.segment().getAtIndex(HALF, i));
    }

    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    @Override
    public void convert(Tensor src, Tensor dst) {
        Checks.on(Location.HOST, "convert", src, dst);
        Checks.convert(src, dst);
        for (long i = 0; i < src.numel(); i++) {
            if (dst.dtype() == DType.F16) {
                dst.segment().setAtIndex(HALF, i, Float.floatToFloat16(src.getFloat(i)));
            } else {
                dst.setFloat(i, src.getFloat(i));
            }
        }
    }

    @Override
    public void swiglu(Tensor gate, Tensor up, Tensor out) {
        Checks.on(Location.HOST, "swiglu", gate, up, out);
        Checks.elementwise("swiglu", gate, up, out);
        for (long i = 0; i < gate.numel(); i++) {
            double g = gate.getFloat(i);
            out.setFloat(i, (float) (g / (1 + Math.exp(-g)) * up.getFloat(i)));
        }
    }

    @Override
    public void add(Tensor a, Tensor b, Tensor out) {
        Checks.on(Location.HOST, "add", a, b, out);
        Checks.elementwise("add", a, b, out);
        for (long i = 0; i < a.numel(); i++) {
            out.setFloat(i, a.getFloat(i) + b.getFloat(i));
        }
    }

    @Override
    public void embedding(Tensor table, int[] tokens, Tensor out) {
        Checks.on(Location.HOST, "embedding", table, out);
        Checks.embedding(table, tokens, out);
        int d = table.dim(1);
        float[] row = new float[d];
        for (int r = 0; r < tokens.length; r++) {
            Dequantize.row(table, tokens[r], row);
            for (int i = 0; i < d; i++) {
                out.setFloat((long) r * d + i, row[i]);
            }
        }
    }

    @Override
    public void close() {
    }
}
