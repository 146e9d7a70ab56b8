package dev.skipllama.transformer.model;

import dev.skipllama.tensor.Backend;
import dev.skipllama.transformer.ProgressListener;
import dev.skipllama.transformer.io.RegularFiles;
import dev.skipllama.transformer.json.JsonFields;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Hugging Face checkpoint directory: {@code config.json}, the weights in safetensors (one file or
 * shards listed by {@code model.safetensors.index.json}) and {@code tokenizer.model} or {@code tokenizer.json}.
 *
 * <p>Everything that is only read (config, tokenizer, chat template) is read before the weights are
 * mapped, and whatever is opened after that is closed again on every failure path, so a failed load
 * leaves nothing behind.
 */
final class HfCheckpoint {
    private HfCheckpoint() {
    }

    static Model load(Path dir, Backend backend, AutoCloseable ownedBackend, ProgressListener progress) throws IOException {
        Path configFile = dir.resolve("config.json");
        if (!Files.exists(configFile)) {
            throw new IOException(dir + ": not a Hugging Face checkpoint (no config.json)");
        }
        RegularFiles.require(configFile, "config.json");
        LlamaConfig config;
        boolean tied;
        Tokenizer tokenizer;
        String template;
        try {
            JsonFields json = JsonFields.read(configFile);
            config = HfLlama.config(json.map(), configFile.toString());
            tied = HfLlama.tiedEmbeddings(json.map());
            tokenizer = Tokenizers.load(dir);
            template = chatTemplate(dir);
        } catch (RuntimeException e) {
            throw Model.named(dir, e);
        }
        SafetensorsCheckpoint weights = SafetensorsCheckpoint.open(dir);
        Arena arena = Arena.ofShared();
        Llama llama = null;
        boolean loaded = false;
        try {
            Set<String> used = new HashSet<>();
            LlamaWeights w = HfLlama.weights(name -> {
                used.add(name);
                return weights.hasTensor(name) ? weights.tensor(name) : null;
            }, config, tied, arena, dir.toString());
            requireAllUsed(weights, used);
            llama = new Llama(config, w, backend, progress, weights::releasePages);
            Model model = new Model(dir.toString(), llama, tokenizer, template, weights.stamps(), ownedBackend, arena, weights);
            loaded = true;
            return model;
        } catch (RuntimeException e) {
            throw Model.named(dir, e);
        } finally {
            if (!loaded) {
                if (llama != null) {
                    llama.close();
                }
                arena.close();
                weights.close();
            }
        }
    }

    /**
     * A tensor the decoder does not use means the file is not what its config says (more layers than
     * {@code num_hidden_layers}, biases this decoder cannot apply): running it anyway would be wrong.
     */
    private static void requireAllUsed(SafetensorsCheckpoint weights, Set<String> used) {
        List<String> unused = new ArrayList<>();
        for (String name : weights.tensorNames()) {
            if (!used.contains(name) && !name.endsWith("rotary_emb.inv_freq")) { // recomputed from rope_theta, as llama.cpp does
                unused.add(name);
            }
        }
        if (!unused.isEmpty()) {
            throw new IllegalArgumentException(weights.source() + ": " + Model.describeUnused(unused)
                    + " (does config.json's num_hidden_layers match the file?)");
        }
    }

    /** {@code chat_template} of tokenizer_config.json: a string, or a list of {name, template} (the "default" one). */
    private static String chatTemplate(Path dir) throws IOException {
        Path f = dir.resolve("tokenizer_config.json");
        if (!Files.exists(f)) {
            return null;
        }
        RegularFiles.require(f, "tokenizer_config.json");
        Object t = JsonFields.read(f).get("chat_template");
        if (t instanceof String s) {
            return s;
        }
        if (t instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> m && "default".equals(m.get("name")) && m.get("template") instanceof String s) {
                    return s;
                }
            }
        }
        return null;
    }
}
