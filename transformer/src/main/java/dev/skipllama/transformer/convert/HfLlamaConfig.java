package dev.skipllama.transformer.convert;

import dev.skipllama.transformer.json.JsonException;
import dev.skipllama.transformer.json.JsonFields;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The hyper-parameters of a Hugging Face Llama checkpoint ({@code config.json}), with the defaults
 * transformers' {@code LlamaConfig} applies to absent keys, checked to describe a model that can
 * run: sizes positive, heads dividing the width (unless {@code head_dim} is given), key/value heads
 * dividing the heads, epsilon and RoPE base finite and positive. Both the converter and the loader
 * read config.json through this, so both refuse the same files with the same messages.
 *
 * @param ropeScaling {@code rope_scaling} as written (null when absent); see {@link #ropeScalingType()}
 */
public record HfLlamaConfig(int hiddenSize, int intermediateSize, int numHiddenLayers, int numAttentionHeads,
                            int numKeyValueHeads, int headDim, boolean headDimExplicit, float rmsNormEps, float ropeTheta,
                            Map<String, Object> ropeScaling, int maxPositionEmbeddings, int vocabSize,
                            boolean tieWordEmbeddings, String name) {

    /** Reads and checks {@code config.json}; every error names the file and the key. */
    public static HfLlamaConfig read(Path configJson) throws IOException {
        try {
            return from(JsonFields.read(configJson));
        } catch (JsonException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** Checks an already parsed config.json; errors are {@link JsonException}s naming its source and key. */
    public static HfLlamaConfig from(JsonFields c) {
        if (c.get("architectures") instanceof List<?> archs && !archs.contains("LlamaForCausalLM")) {
            throw new JsonException(c.source() + ": architectures " + archs + " is not LlamaForCausalLM; only Llama checkpoints are supported");
        }
        if (c.has("model_type") && !"llama".equals(c.get("model_type"))) {
            throw c.error("model_type", "\"llama\" (only Llama checkpoints are supported)");
        }
        int hidden = c.positiveInt("hidden_size");
        int heads = c.positiveInt("num_attention_heads");
        int kvHeads = c.positiveInt("num_key_value_heads", heads);
        boolean explicit = c.has("head_dim");
        if (!explicit && hidden % heads != 0) {
            throw new JsonException(c.source() + ": hidden_size " + hidden + " is not divisible by num_attention_heads " + heads
                    + " and head_dim is not given");
        }
        int headDim = c.positiveInt("head_dim", hidden / heads);
        if (headDim % 2 != 0) {
            throw c.error("head_dim", "an even number (rotary embeddings rotate pairs)");
        }
        if (heads % kvHeads != 0) {
            throw new JsonException(c.source() + ": num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        JsonFields scaling = c.has("rope_scaling") ? c.object("rope_scaling") : null;
        if (scaling != null) {
            for (String key : List.of("factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings")) {
                scaling.positiveFinite(key, 1); // absent is fine (defaults apply), present must be usable
            }
        }
        float eps = (float) c.positiveFinite("rms_norm_eps", 1e-6);
        if (!(eps > 0 && eps < 1)) { // also catches a value that underflows float32
            throw c.error("rms_norm_eps", "a number in (0, 1) that float32 can hold");
        }
        float theta = (float) c.positiveFinite("rope_theta", 10000.0);
        if (!Float.isFinite(theta)) {
            throw c.error("rope_theta", "a number > 0 that float32 can hold");
        }
        Object name = c.get("_name_or_path");
        return new HfLlamaConfig(hidden, c.positiveInt("intermediate_size"), c.positiveInt("num_hidden_layers"),
                heads, kvHeads, headDim, explicit, eps, theta, scaling == null ? null : scaling.map(),
                c.positiveInt("max_position_embeddings", 2048), c.positiveInt("vocab_size"),
                c.bool("tie_word_embeddings", false), name instanceof String s && !s.isEmpty() ? s : null);
    }

    /** {@code rope_scaling.rope_type} (or the older {@code type}), lower-case; null without scaling. */
    public String ropeScalingType() {
        if (ropeScaling == null) {
            return null;
        }
        Object t = ropeScaling.getOrDefault("rope_type", ropeScaling.get("type"));
        return t instanceof String s ? s.toLowerCase(java.util.Locale.ROOT) : null;
    }

    /** A number from {@code rope_scaling}, or the default. */
    public double ropeScalingNumber(String key, double defaultValue) {
        return ropeScaling != null && ropeScaling.get(key) instanceof Number n ? n.doubleValue() : defaultValue;
    }
}
