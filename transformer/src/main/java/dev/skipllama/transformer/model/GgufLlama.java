package dev.skipllama.transformer.model;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Dequantize;
import dev.skipllama.tensor.RopeLayout;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.transformer.gguf.GgufFile;
import dev.skipllama.transformer.gguf.GgufTensorInfo;
import dev.skipllama.transformer.llama.LlamaConfig;
import dev.skipllama.transformer.llama.LlamaWeights;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A Llama from a GGUF file, the way llama.cpp reads it: {@code llama.*} hyper-parameters, tensors
 * named {@code token_embd}, {@code blk.N.attn_q}, …, q/k rows already permuted for interleaved
 * RoPE, no {@code output} tensor meaning tied embeddings, and Llama-3.1 scaling as a
 * {@code rope_freqs} tensor. Weight matrices stay in the mapping; only norm vectors stored as
 * F16/BF16 are copied (to F32, into {@code arena}).
 *
 * <p>Like llama.cpp, every hyper-parameter is checked before use (an error names the key, the value
 * and what it must be) and every tensor in the file must be one the model uses: a file whose
 * {@code block_count} says fewer layers than it holds, or with tensors this decoder cannot apply
 * (biases), is refused instead of run wrongly.
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
        int dim = positive(f, "llama.embedding_length");
        int heads = positive(f, "llama.attention.head_count");
        int kvHeads = f.contains("llama.attention.head_count_kv") ? positive(f, "llama.attention.head_count_kv") : heads;
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException(f.path() + ": metadata 'llama.attention.head_count' = " + heads
                    + " is not a multiple of 'llama.attention.head_count_kv' = " + kvHeads);
        }
        int headDim;
        if (f.contains("llama.attention.key_length")) {
            headDim = positive(f, "llama.attention.key_length");
        } else if (f.contains("llama.rope.dimension_count")) {
            headDim = positive(f, "llama.rope.dimension_count");
        } else {
            if (dim % heads != 0) {
                throw new IllegalArgumentException(f.path() + ": metadata 'llama.embedding_length' = " + dim
                        + " is not divisible by 'llama.attention.head_count' = " + heads + " and no key_length is given");
            }
            headDim = dim / heads;
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException(f.path() + ": the head size " + headDim + " must be even (rotary embeddings rotate pairs)");
        }
        int vocab = f.hasTensor("token_embd.weight") ? f.tensorInfo("token_embd.weight").shape()[0]
                : positive(f, "llama.vocab_size");
        LlamaConfig.RopeScaling scaling = null;
        if (f.hasTensor("rope_freqs.weight")) {
            float[] divisors = Dequantize.toFloats(f.tensor("rope_freqs.weight"));
            for (int i = 0; i < divisors.length; i++) {
                if (!(Float.isFinite(divisors[i]) && divisors[i] > 0)) {
                    throw new IllegalArgumentException(f.path() + ": tensor 'rope_freqs.weight' element " + i + " is "
                            + divisors[i] + ", expected a finite number > 0");
                }
            }
            scaling = LlamaConfig.RopeScaling.ofDivisors(divisors);
        }
        float eps = f.getFloat("llama.attention.layer_norm_rms_epsilon", 1e-5f);
        if (!(eps > 0 && eps < 1)) {
            throw new IllegalArgumentException(f.path() + ": metadata 'llama.attention.layer_norm_rms_epsilon' = " + eps
                    + ", expected a number in (0, 1)");
        }
        float theta = f.getFloat("llama.rope.freq_base", 10000f);
        if (!(Float.isFinite(theta) && theta > 0)) {
            throw new IllegalArgumentException(f.path() + ": metadata 'llama.rope.freq_base' = " + theta + ", expected a finite number > 0");
        }
        return new LlamaConfig(dim, positive(f, "llama.feed_forward_length"), positive(f, "llama.block_count"), heads, kvHeads,
                headDim, vocab, positive(f, "llama.context_length"), eps, theta, scaling, RopeLayout.INTERLEAVED);
    }

    /** An integer key that must be at least 1 (a zero head count would divide by zero later). */
    private static int positive(GgufFile f, String key) {
        int v = f.getInt(key);
        if (v < 1) {
            throw new IllegalArgumentException(f.path() + ": metadata '" + key + "' = " + v + ", expected an integer >= 1");
        }
        return v;
    }

    /** The decoder's tensors; any tensor of the file left unused is an error naming it. */
    public static LlamaWeights weights(GgufFile f, LlamaConfig c, Arena arena) {
        Set<String> used = new HashSet<>();
        List<LlamaWeights.Layer> layers = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            String p = "blk." + l + ".";
            layers.add(new LlamaWeights.Layer(norm(f, p + "attn_norm.weight", arena, used), tensor(f, p + "attn_q.weight", used),
                    tensor(f, p + "attn_k.weight", used), tensor(f, p + "attn_v.weight", used), tensor(f, p + "attn_output.weight", used),
                    norm(f, p + "ffn_norm.weight", arena, used), tensor(f, p + "ffn_gate.weight", used),
                    tensor(f, p + "ffn_up.weight", used), tensor(f, p + "ffn_down.weight", used)));
        }
        Tensor embedding = tensor(f, "token_embd.weight", used);
        Tensor output = f.hasTensor("output.weight") ? tensor(f, "output.weight", used) : embedding;
        Tensor finalNorm = norm(f, "output_norm.weight", arena, used);
        used.add("rope_freqs.weight"); // read by config()
        List<String> unused = new ArrayList<>();
        for (GgufTensorInfo t : f.tensors()) {
            if (!used.contains(t.name())) {
                unused.add(t.name());
            }
        }
        if (!unused.isEmpty()) {
            throw new IllegalArgumentException(f.path() + ": " + Model.describeUnused(unused) + " (llama.block_count is "
                    + c.layers() + "; a file with more blocks, or with tensors this decoder cannot apply, is refused as llama.cpp does)");
        }
        return new LlamaWeights(embedding, layers, finalNorm, output);
    }

    private static Tensor tensor(GgufFile f, String name, Set<String> used) {
        used.add(name);
        return f.tensor(name);
    }

    /** Norm weights as F32 vectors (llama.cpp keeps them F32; some converters do not). */
    static Tensor norm(GgufFile f, String name, Arena arena, Set<String> used) {
        Tensor t = tensor(f, name, used);
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
