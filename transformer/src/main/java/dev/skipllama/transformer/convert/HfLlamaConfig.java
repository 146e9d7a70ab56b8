package dev.skipllama.transformer.convert;

import dev.skipllama.transformer.json.Json;
import dev.skipllama.transformer.json.JsonException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The hyper-parameters of a Hugging Face Llama checkpoint ({@code config.json}), with the defaults
 * transformers' {@code LlamaConfig} applies to absent keys.
 *
 * @param ropeScaling {@code rope_scaling} as written (null when absent); see {@link #ropeScalingType()}
 */
public record HfLlamaConfig(int hiddenSize, int intermediateSize, int numHiddenLayers, int numAttentionHeads,
                            int numKeyValueHeads, int headDim, boolean headDimExplicit, float rmsNormEps, float ropeTheta,
                            Map<String, Object> ropeScaling, int maxPositionEmbeddings, int vocabSize,
                            boolean tieWordEmbeddings, String name) {

    /** Reads and checks {@code config.json}; errors name the file and the key. */
    public static HfLlamaConfig read(Path configJson) throws IOException {
        Map<String, Object> c;
        try {
            c = Json.parseObject(Files.readString(configJson));
        } catch (JsonException e) {
            throw new IOException(configJson + ": not valid JSON: " + e.getMessage(), e);
        }
        return from(configJson, c);
    }

    static HfLlamaConfig from(Path file, Map<String, Object> c) throws IOException {
        Reader r = new Reader(file, c);
        if (c.get("architectures") instanceof List<?> archs && !archs.contains("LlamaForCausalLM")) {
            throw new IOException(file + ": architectures " + archs + " is not LlamaForCausalLM; only Llama checkpoints are converted");
        }
        int hidden = r.positive("hidden_size", null);
        int heads = r.positive("num_attention_heads", null);
        int kvHeads = r.positive("num_key_value_heads", heads);
        boolean explicit = c.get("head_dim") != null;
        if (!explicit && hidden % heads != 0) {
            throw new IOException(file + ": hidden_size " + hidden + " is not divisible by num_attention_heads " + heads
                    + " and head_dim is not given");
        }
        int headDim = r.positive("head_dim", hidden / heads);
        if (headDim % 2 != 0) {
            throw new IOException(file + ": head_dim " + headDim + " must be even for rotary embeddings");
        }
        if (heads % kvHeads != 0) {
            throw new IOException(file + ": num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        Object scaling = c.get("rope_scaling");
        if (scaling != null && !(scaling instanceof Map)) {
            throw new IOException(file + ": rope_scaling must be an object or null, found " + Json.typeName(scaling));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> ropeScaling = (Map<String, Object>) scaling;
        Object name = c.get("_name_or_path");
        return new HfLlamaConfig(hidden, r.positive("intermediate_size", null), r.positive("num_hidden_layers", null),
                heads, kvHeads, headDim, explicit, (float) r.number("rms_norm_eps", 1e-6), (float) r.number("rope_theta", 10000.0),
                ropeScaling, r.positive("max_position_embeddings", 2048), r.positive("vocab_size", null),
                r.bool("tie_word_embeddings", false), name instanceof String s && !s.isEmpty() ? s : null);
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

    /** Typed access to the JSON object with errors that name the file and key. */
    private record Reader(Path file, Map<String, Object> c) {
        int positive(String key, Integer defaultValue) throws IOException {
            Object v = c.get(key);
            if (v == null) {
                if (defaultValue == null) {
                    throw new IOException(file + ": required key '" + key + "' is missing");
                }
                return defaultValue;
            }
            if (!(v instanceof Long l) || l <= 0 || l > Integer.MAX_VALUE) {
                throw new IOException(file + ": '" + key + "' must be a positive integer, found " + v);
            }
            return (int) (long) l;
        }

        double number(String key, double defaultValue) throws IOException {
            Object v = c.get(key);
            if (v == null) {
                return defaultValue;
            }
            if (!(v instanceof Number n)) {
                throw new IOException(file + ": '" + key + "' must be a number, found " + Json.typeName(v));
            }
            return n.doubleValue();
        }

        boolean bool(String key, boolean defaultValue) throws IOException {
            Object v = c.get(key);
            if (v == null) {
                return defaultValue;
            }
            if (!(v instanceof Boolean b)) {
                throw new IOException(file + ": '" + key + "' must be true or false, found " + Json.typeName(v));
            }
            return b;
        }
    }
}
