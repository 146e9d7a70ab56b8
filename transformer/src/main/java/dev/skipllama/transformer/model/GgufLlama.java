package dev.skipllama.transformer.model;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Dequantize;
import dev.skipllama.tensor.RopeLayout;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.transformer.gguf.GgufFile;
import dev.skipllama.transformer.llama.LlamaConfig;
import dev.skipllama.transformer.llama.LlamaWeights;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * A Llama from a GGUF file, the way llama.cpp reads it: {@code llama.*} hyper-parameters, tensors
 * named {@code token_embd}, {@code blk.N.attn_q}, …, q/k rows already permuted for interleaved
 * RoPE, no {@code output} tensor meaning tied embeddings, and Llama-3.1 scaling as a
 * {@code rope_freqs} tensor. Weight matrices stay in the mapping; only norm vectors stored as
 * F16/BF16 are copied (to F32, into {@code arena}).
 */
public final class GgufLlama {
    private GgufLlama() {
    }

    public static LlamaConfig config(GgufFile f) {
        String arch = f.getString("general.architecture");
        if (!arch.equals("llama")) {
            throw new IllegalArgumentException(f.path() + ": general.architecture is '" + arch
                    + "', but only 'llama' (Llama 1/2/3, TinyLlama, Mistral-style) models are supported");
        }
        int dim = f.getInt("llama.embedding_length");
        int heads = f.getInt("llama.attention.head_count");
        int headDim = f.getInt("llama.attention.key_length", f.getInt("llama.rope.dimension_count", dim / heads));
        int vocab = f.hasTensor("token_embd.weight") ? f.tensorInfo("token_embd.weight").shape()[0]
                : f.getInt("llama.vocab_size");
        LlamaConfig.RopeScaling scaling = null;
        if (f.hasTensor("rope_freqs.weight")) {
            scaling = LlamaConfig.RopeScaling.ofDivisors(Dequantize.toFloats(f.tensor("rope_freqs.weight")));
        }
        return new LlamaConfig(dim, f.getInt("llama.feed_forward_length"), f.getInt("llama.block_count"), heads,
                f.getInt("llama.attention.head_count_kv", heads), headDim, vocab, f.getInt("llama.context_length"),
                f.getFloat("llama.attention.layer_norm_rms_epsilon", 1e-5f), f.getFloat("llama.rope.freq_base", 10000f),
                scaling, RopeLayout.INTERLEAVED);
    }

    public static LlamaWeights weights(GgufFile f, LlamaConfig c, Arena arena) {
        List<LlamaWeights.Layer> layers = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            String p = "blk." + l + ".";
            layers.add(new LlamaWeights.Layer(norm(f, p + "attn_norm.weight", arena), f.tensor(p + "attn_q.weight"),
                    f.tensor(p + "attn_k.weight"), f.tensor(p + "attn_v.weight"), f.tensor(p + "attn_output.weight"),
                    norm(f, p + "ffn_norm.weight", arena), f.tensor(p + "ffn_gate.weight"), f.tensor(p + "ffn_up.weight"),
                    f.tensor(p + "ffn_down.weight")));
        }
        Tensor embedding = f.tensor("token_embd.weight");
        Tensor output = f.hasTensor("output.weight") ? f.tensor("output.weight") : embedding;
        return new LlamaWeights(embedding, layers, norm(f, "output_norm.weight", arena), output);
    }

    /** Norm weights as F32 vectors (llama.cpp keeps them F32; some converters do not). */
    static Tensor norm(GgufFile f, String name, Arena arena) {
        Tensor t = f.tensor(name);
        Tensor flat = t.reshape((int) t.numel());
        if (t.dtype() == DType.F32) {
            return flat;
        }
        float[] v = Dequantize.toFloats(flat);
        Tensor copy = Tensor.allocate(arena, DType.F32, v.length);
        copy.copyFrom(v);
        return copy;
    }
}
