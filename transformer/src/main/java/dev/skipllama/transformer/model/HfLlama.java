package dev.skipllama.transformer.model;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Dequantize;
import dev.skipllama.tensor.RopeLayout;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.transformer.convert.HfLlamaConfig;
import dev.skipllama.transformer.json.JsonFields;
import dev.skipllama.transformer.llama.LlamaConfig;
import dev.skipllama.transformer.llama.LlamaWeights;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A Llama from a Hugging Face checkpoint: {@code config.json} keys of {@code LlamaConfig} and the
 * tensor names of {@code LlamaForCausalLM}. HF stores q/k for half-split RoPE ({@code rotate_half}),
 * so the weights are used as they are with {@link RopeLayout#HALF_SPLIT}.
 */
public final class HfLlama {
    private HfLlama() {
    }

    /** The decoder's configuration from config.json (parsed), checked as {@link HfLlamaConfig} checks it. */
    public static LlamaConfig config(Map<String, Object> json, String source) {
        HfLlamaConfig c = HfLlamaConfig.from(JsonFields.of(json, source));
        LlamaConfig.RopeScaling scaling = null;
        String type = c.ropeScalingType();
        if (type != null && !type.equals("default")) {
            if (!type.equals("llama3")) {
                throw new IllegalArgumentException(source + ": rope_scaling type '" + type + "' is not supported (only llama3)");
            }
            scaling = new LlamaConfig.RopeScaling((float) c.ropeScalingNumber("factor", 8), (float) c.ropeScalingNumber("low_freq_factor", 1),
                    (float) c.ropeScalingNumber("high_freq_factor", 4), (int) c.ropeScalingNumber("original_max_position_embeddings", 8192));
        }
        return new LlamaConfig(c.hiddenSize(), c.intermediateSize(), c.numHiddenLayers(), c.numAttentionHeads(),
                c.numKeyValueHeads(), c.headDim(), c.vocabSize(), c.maxPositionEmbeddings(), c.rmsNormEps(), c.ropeTheta(),
                scaling, RopeLayout.HALF_SPLIT);
    }

    public static boolean tiedEmbeddings(Map<String, Object> json) {
        return Boolean.TRUE.equals(json.get("tie_word_embeddings"));
    }

    /**
     * @param tensors looks a tensor up by its HF name (null when absent)
     */
    public static LlamaWeights weights(Function<String, Tensor> tensors, LlamaConfig c, boolean tied, Arena arena, String source) {
        List<LlamaWeights.Layer> layers = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            String p = "model.layers." + l + ".";
            layers.add(new LlamaWeights.Layer(norm(tensors, p + "input_layernorm.weight", arena, source),
                    need(tensors, p + "self_attn.q_proj.weight", source), need(tensors, p + "self_attn.k_proj.weight", source),
                    need(tensors, p + "self_attn.v_proj.weight", source), need(tensors, p + "self_attn.o_proj.weight", source),
                    norm(tensors, p + "post_attention_layernorm.weight", arena, source),
                    need(tensors, p + "mlp.gate_proj.weight", source), need(tensors, p + "mlp.up_proj.weight", source),
                    need(tensors, p + "mlp.down_proj.weight", source)));
        }
        Tensor embedding = need(tensors, "model.embed_tokens.weight", source);
        Tensor head = tensors.apply("lm_head.weight");
        if (head == null) {
            if (!tied) {
                throw new IllegalArgumentException(source + ": no lm_head.weight and tie_word_embeddings is not true");
            }
            head = embedding;
        }
        return new LlamaWeights(embedding, layers, norm(tensors, "model.norm.weight", arena, source), head);
    }

    private static Tensor need(Function<String, Tensor> tensors, String name, String source) {
        Tensor t = tensors.apply(name);
        if (t == null) {
            throw new IllegalArgumentException(source + ": missing tensor '" + name + "'");
        }
        return t;
    }

    private static Tensor norm(Function<String, Tensor> tensors, String name, Arena arena, String source) {
        Tensor t = need(tensors, name, source);
        if (t.dtype() == DType.F32) {
            return t.reshape((int) t.numel());
        }
        float[] v = Dequantize.toFloats(t);
        Tensor copy = Tensor.allocate(arena, DType.F32, v.length);
        copy.copyFrom(v);
        return copy;
    }
}
