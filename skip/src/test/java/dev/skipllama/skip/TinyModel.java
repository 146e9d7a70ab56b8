package dev.skipllama.skip;

import dev.skipllama.tensor.Backend;
import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.RopeLayout;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.transformer.llama.Llama;
import dev.skipllama.transformer.llama.LlamaConfig;
import dev.skipllama.transformer.llama.LlamaWeights;
import dev.skipllama.transformer.llama.TinyLlama;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A small random Llama for skip tests (a copy of transformer's test helper, deeper so that there is
 * something to skip): every dimension distinct so a transposed index cannot hide.
 */
public final class TinyModel {
    public static final int LAYERS = 6;

    private TinyModel() {
    }

    public static LlamaConfig config(int layers) {
        return TinyLlama.config(RopeLayout.HALF_SPLIT, layers, 64);
    }

    public static Llama model(Backend backend, long seed) {
        LlamaConfig c = config(LAYERS);
        return new Llama(c, weights(c, seed), backend);
    }

    /** Random F32 weights: N(0, 0.15²) matrices, norms around 1. */
    public static LlamaWeights weights(LlamaConfig c, long seed) {
        return TinyLlama.weights(c, DType.F32, seed);
    }

    /** {@code w} with layer {@code l}'s attention output projection and/or FFN down projection zeroed. */
    public static LlamaWeights zeroed(LlamaWeights w, int l, boolean attention, boolean ffn) {
        List<LlamaWeights.Layer> layers = new ArrayList<>(w.layers());
        LlamaWeights.Layer x = layers.get(l);
        layers.set(l, new LlamaWeights.Layer(x.attnNorm(), x.wq(), x.wk(), x.wv(),
                attention ? zeros(x.wo()) : x.wo(), x.ffnNorm(), x.wGate(), x.wUp(), ffn ? zeros(x.wDown()) : x.wDown()));
        return new LlamaWeights(w.tokenEmbedding(), layers, w.finalNorm(), w.output());
    }

    private static Tensor zeros(Tensor like) {
        return Tensor.allocate(DType.F32, like.shape());
    }
}
