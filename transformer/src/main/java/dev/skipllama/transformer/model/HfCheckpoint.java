package dev.skipllama.transformer.model;

import dev.skipllama.tensor.Backend;
import dev.skipllama.transformer.ProgressListener;
import dev.skipllama.transformer.json.Json;
import dev.skipllama.transformer.llama.Llama;
import dev.skipllama.transformer.llama.LlamaConfig;
import dev.skipllama.transformer.llama.LlamaWeights;
import dev.skipllama.transformer.safetensors.SafetensorsCheckpoint;
import dev.skipllama.transformer.tokenizer.Tokenizer;
import dev.skipllama.transformer.tokenizer.Tokenizers;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A Hugging Face checkpoint directory: {@code config.json}, the weights in safetensors (one file or
 * shards listed by {@code model.safetensors.index.json}) and {@code tokenizer.model} or {@code tokenizer.json}.
 */
final class HfCheckpoint {
    private HfCheckpoint() {
    }

    static Model load(Path dir, Backend backend, AutoCloseable ownedBackend, ProgressListener progress) throws IOException {
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw new IOException(dir + ": not a Hugging Face checkpoint (no config.json)");
        }
        Map<String, Object> json = Json.parseObject(Files.readString(configFile));
        Tokenizer tokenizer = Tokenizers.load(dir);
        SafetensorsCheckpoint weights = SafetensorsCheckpoint.open(dir);
        Arena arena = Arena.ofShared();
        try {
            LlamaConfig config = HfLlama.config(json, configFile.toString());
            LlamaWeights w = HfLlama.weights(name -> weights.hasTensor(name) ? weights.tensor(name) : null,
                    config, HfLlama.tiedEmbeddings(json), arena, dir.toString());
            return new Model(dir.toString(), new Llama(config, w, backend, progress), tokenizer, chatTemplate(dir), ownedBackend, arena, weights);
        } catch (RuntimeException e) {
            arena.close();
            weights.close();
            throw new IOException(dir + ": " + e.getMessage(), e);
        }
    }

    /** {@code chat_template} of tokenizer_config.json: a string, or a list of {name, template} (the "default" one). */
    private static String chatTemplate(Path dir) throws IOException {
        Path f = dir.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(f)) {
            return null;
        }
        Object t = Json.parseObject(Files.readString(f)).get("chat_template");
        if (t instanceof String s) {
            return s;
        }
        if (t instanceof java.util.List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> m && "default".equals(m.get("name")) && m.get("template") instanceof String s) {
                    return s;
                }
            }
        }
        return null;
    }
}
