package dev.skipllama.transformer.model;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Dequantize;
import dev.skipllama.tensor.RopeLayout;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.transformer.json.Json;
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

    public static LlamaConfig config(Map<String, Object> json, String source) {
        Object arch = json.get("model_type");
        if (arch != null && !"llama".equals(arch)) {
            throw new IllegalArgumentException(source + ": model_type is '" + arch + "', only 'llama' is supported");
        }
        int dim = integer(json, "hidden_size", source);
        int heads = integer(json, "num_attention_heads", source);
        int headDim = json.get("head_dim") != null ? integer(json, "head_dim", source) : dim / heads;
        LlamaConfig.RopeScaling scaling = null;
        if (json.get("rope_scaling") instanceof Map<?, ?> rs) {
            Object type = rs.containsKey("rope_type") ? rs.get("rope_type") : rs.get("type");
            if (!"llama3".equals(type)) {
                throw new IllegalArgumentException(source + ": rope_scaling type '" + type + "' is not supported (only llama3)");
            }
            @SuppressWarnings("unchecked") Map<String, Object> r = (Map<String, Object>) rs;
            scaling = new LlamaConfig.RopeScaling((float) number(r, "factor", source), (float) number(r, "low_freq_factor", source),
                    (float) number(r, "high_freq_factor", source), integer(r, "original_max_position_embeddings", source));
        }
        return new LlamaConfig(dim, integer(json, "intermediate_size", source), integer(json, "num_hidden_layers", source), heads,
                json.get("num_key_value_heads") != null ? integer(json, "num_key_value_heads", source) : heads, headDim,
                integer(json, "vocab_size", source), integer(json, "max_position_embeddings", source),
                json.get("rms_norm_eps") != null ? (float) number(json, "rms_norm_eps", source) : 1e-6f,
                json.get("rope_theta") != null ? (float) number(json, "rope_theta", source) : 10000f,
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

    private static int integer(Map<String, Object> json, String key, String source) {
        Object v = json.get(key);
        if (!(v instanceof Long l) || l <= 0 || l > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(source + ": '" + key + "' must be a positive integer, found "
                    + (v == null ? "nothing" : Json.typeName(v) + " " + v));
        }
        return l.intValue();
    }

    private static double number(Map<String, Object> json, String key, String source) {
        Object v = json.get(key);
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException(source + ": '" + key + "' must be a number, found "
                    + (v == null ? "nothing" : Json.typeName(v) + " " + v));
        }
        return n.doubleValue();
    }
}
