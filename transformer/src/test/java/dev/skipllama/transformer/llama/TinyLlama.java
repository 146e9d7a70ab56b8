package dev.skipllama.transformer.llama;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Quantize;
import dev.skipllama.tensor.RopeLayout;
import dev.skipllama.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** A small random Llama for tests: every dimension distinct so a transposed index cannot hide. */
public final class TinyLlama {
    private TinyLlama() {
    }

    public static LlamaConfig config(RopeLayout layout) {
        return config(layout, 3, 40);
    }

    public static LlamaConfig config(RopeLayout layout, int layers, int contextLength) {
        return new LlamaConfig(64, 96, layers, 4, 2, 16, 50, contextLength, 1e-5f, 10000f, null, layout);
    }

    /** Random weights (N(0, 0.15²) matrices, norms around 1) stored as {@code dtype}. */
    public static LlamaWeights weights(LlamaConfig c, DType dtype, long seed) {
        Random r = new Random(seed);
        List<LlamaWeights.Layer> layers = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            layers.add(new LlamaWeights.Layer(norm(r, c.dim()), mat(r, c.qDim(), c.dim(), dtype), mat(r, c.kvDim(), c.dim(), dtype),
                    mat(r, c.kvDim(), c.dim(), dtype), mat(r, c.dim(), c.qDim(), dtype), norm(r, c.dim()),
                    mat(r, c.ffnDim(), c.dim(), dtype), mat(r, c.ffnDim(), c.dim(), dtype), mat(r, c.dim(), c.ffnDim(), dtype)));
        }
        return new LlamaWeights(mat(r, c.vocabSize(), c.dim(), dtype), layers, norm(r, c.dim()), mat(r, c.vocabSize(), c.dim(), dtype));
    }

    public static Tensor mat(Random r, int rows, int cols, DType dtype) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (0.15 * r.nextGaussian());
        }
        Tensor f = Tensor.of(v, rows, cols);
        if (dtype == DType.F32) {
            return f;
        }
        Tensor q = Quantize.to(f, dtype);
        f.close();
        return q;
    }

    public static Tensor norm(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (1 + 0.1 * r.nextGaussian());
        }
        return Tensor.of(v, n);
    }
}
