package dev.skipllama.transformer.llama;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * The tensors of a Llama decoder, in our row-major convention: a linear layer's weight is
 * {@code [out, in]} (as {@code nn.Linear} stores it). Matrices may be any dtype; norm weights are F32.
 *
 * @param output the LM head {@code [vocab, dim]}; the same tensor as {@code tokenEmbedding} when tied
 */
public record LlamaWeights(Tensor tokenEmbedding, List<Layer> layers, Tensor finalNorm, Tensor output) {

    /** One decoder layer: pre-norm attention, then pre-norm SwiGLU FFN. */
    public record Layer(Tensor attnNorm, Tensor wq, Tensor wk, Tensor wv, Tensor wo,
                        Tensor ffnNorm, Tensor wGate, Tensor wUp, Tensor wDown) {
    }

    /** Every tensor, in file order (a tied head appears twice). */
    public List<Tensor> all() {
        List<Tensor> all = new java.util.ArrayList<>();
        all.add(tokenEmbedding);
        for (Layer l : layers) {
            all.addAll(List.of(l.attnNorm(), l.wq(), l.wk(), l.wv(), l.wo(), l.ffnNorm(), l.wGate(), l.wUp(), l.wDown()));
        }
        all.add(finalNorm);
        all.add(output);
        return all;
    }

    /** Checks every shape and dtype against {@code config}, naming the first tensor that is off. */
    public void validate(LlamaConfig c) {
        expect("token embedding", tokenEmbedding, c.vocabSize(), c.dim());
        expect("output (LM head)", output, c.vocabSize(), c.dim());
        norm("final norm", finalNorm, c.dim());
        if (layers.size() != c.layers()) {
            throw new IllegalArgumentException("config has " + c.layers() + " layers, weights have " + layers.size());
        }
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            String p = "layer " + i + " ";
            norm(p + "attention norm", l.attnNorm(), c.dim());
            expect(p + "wq", l.wq(), c.qDim(), c.dim());
            expect(p + "wk", l.wk(), c.kvDim(), c.dim());
            expect(p + "wv", l.wv(), c.kvDim(), c.dim());
            expect(p + "wo", l.wo(), c.dim(), c.qDim());
            norm(p + "ffn norm", l.ffnNorm(), c.dim());
            expect(p + "w_gate", l.wGate(), c.ffnDim(), c.dim());
            expect(p + "w_up", l.wUp(), c.ffnDim(), c.dim());
            expect(p + "w_down", l.wDown(), c.dim(), c.ffnDim());
        }
    }

    private static void expect(String name, Tensor t, int rows, int cols) {
        if (t == null) {
            throw new IllegalArgumentException("missing tensor: " + name);
        }
        if (t.rank() != 2 || t.dim(0) != rows || t.dim(1) != cols) {
            throw new IllegalArgumentException(name + ": expected shape [" + rows + ", " + cols + "], found "
                    + Arrays.toString(t.shape()) + " " + t.dtype());
        }
    }

    private static void norm(String name, Tensor t, int dim) {
        if (t == null) {
            throw new IllegalArgumentException("missing tensor: " + name);
        }
        if (t.dtype() != DType.F32 || t.numel() != dim) {
            throw new IllegalArgumentException(name + ": expected F32 [" + dim + "], found " + Arrays.toString(t.shape())
                    + " " + t.dtype());
        }
    }
}
