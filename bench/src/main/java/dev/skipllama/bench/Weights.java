package dev.skipllama.bench;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Quantize;
import dev.skipllama.tensor.Tensor;
import java.util.SplittableRandom;

/** Random weights of LLM shapes, made once per benchmark trial. */
final class Weights {
    private Weights() {
    }

    /** {@code [rows, cols]} of {@code dtype}, values ~ N(0, 0.02²) like an initialised linear layer. */
    static Tensor random(DType dtype, int rows, int cols, long seed) {
        return random(dtype, rows, cols, seed, r -> 1);
    }

    /** The same with row r scaled by {@code rowScale(r)} (the same random numbers before scaling). */
    static Tensor random(DType dtype, int rows, int cols, long seed, java.util.function.IntToDoubleFunction rowScale) {
        SplittableRandom rnd = new SplittableRandom(seed);
        // Fill and convert a block of rows at a time so the F32 staging copy stays small.
        Tensor out = Tensor.allocate(dtype, rows, cols);
        int block = Math.max(1, (1 << 20) / cols);
        float[] vals = new float[block * cols];
        for (int r0 = 0; r0 < rows; r0 += block) {
            int n = Math.min(block, rows - r0);
            for (int i = 0; i < n * cols; i++) {
                vals[i] = (float) (0.02 * gaussian(rnd));
            }
            for (int r = 0; r < n; r++) {
                double f = rowScale.applyAsDouble(r0 + r);
                if (f != 1) {
                    for (int i = r * cols; i < (r + 1) * cols; i++) {
                        vals[i] = (float) (vals[i] * f);
                    }
                }
                Quantize.row(vals, r * cols, cols, out.segment(), (long) (r0 + r) * out.rowBytes(), dtype);
            }
        }
        return out;
    }

    /** The backend's matmul copy of {@code host}, as the model loader makes it; host is closed unless it is that copy. */
    static Tensor forMatmul(dev.skipllama.tensor.Backend backend, Tensor host) {
        Tensor w = backend.uploadForMatmul(host);
        if (w != host) {
            host.close();
        }
        return w;
    }

    static Tensor activations(int rows, int cols, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) gaussian(rnd);
        }
        return Tensor.of(v, rows, cols);
    }

    private static double gaussian(SplittableRandom rnd) {
        double u = rnd.nextDouble(), v = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    }
}
