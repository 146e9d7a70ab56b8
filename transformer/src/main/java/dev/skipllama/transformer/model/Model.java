package dev.skipllama.transformer.model;

import dev.skipllama.tensor.Backend;
import dev.skipllama.transformer.ProgressListener;
import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.transformer.gguf.GgufFile;
import dev.skipllama.transformer.llama.Llama;
import dev.skipllama.transformer.llama.LlamaConfig;
import dev.skipllama.transformer.llama.LlamaWeights;
import dev.skipllama.transformer.tokenizer.GgufTokenizerLoader;
import dev.skipllama.transformer.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A loaded model: configuration, tokenizer and weights (memory-mapped, never copied onto the heap),
 * ready to open {@link Session}s. The entry point for library users:
 *
 * <pre>{@code
 * try (Model model = Model.load(Path.of("model.gguf"));
 *      Session s = model.newSession(SessionOptions.defaults(2048))) {
 *     s.generate("Once upon a time", 64, piece -> { System.out.print(piece); return true; });
 * }
 * }</pre>
 *
 * A model may be shared by sessions on several threads; close it after them.
 */
public final class Model implements AutoCloseable {
    private final String source;
    private final Llama llama;
    private final Tokenizer tokenizer;
    private final AutoCloseable[] resources;
    private final String chatTemplate;

    Model(String source, Llama llama, Tokenizer tokenizer, String chatTemplate, AutoCloseable... resources) {
        if (tokenizer.vocabSize() > llama.config().vocabSize()) {
            throw new IllegalArgumentException(source + ": the tokenizer has " + tokenizer.vocabSize()
                    + " tokens but the model's embedding only " + llama.config().vocabSize() + " rows");
        }
        this.source = source;
        this.llama = llama;
        this.tokenizer = tokenizer;
        this.resources = resources;
        this.chatTemplate = chatTemplate;
    }

    /** Loads a GGUF file or a Hugging Face checkpoint directory, on a CPU backend using every core. */
    public static Model load(Path path) throws IOException {
        CpuBackend cpu = new CpuBackend();
        try {
            return load(path, cpu, cpu, ProgressListener.NONE);
        } catch (IOException | RuntimeException e) {
            cpu.close();
            throw e;
        }
    }

    /**
     * Loads onto the given backend (which the caller keeps and closes after the model), e.g.
     * {@code Model.load(path, Backends.create("cuda"))}: a device backend gets the weights uploaded
     * once, here, and {@link #close()} frees them.
     */
    public static Model load(Path path, Backend backend) throws IOException {
        return load(path, backend, null, ProgressListener.NONE);
    }

    /** The same, reporting weight bytes uploaded when the backend computes on a device. */
    public static Model load(Path path, Backend backend, ProgressListener progress) throws IOException {
        return load(path, backend, null, progress);
    }

    private static Model load(Path path, Backend backend, AutoCloseable ownedBackend, ProgressListener progress) throws IOException {
        if (Files.isDirectory(path)) {
            return HfCheckpoint.load(path, backend, ownedBackend, progress);
        }
        if (!Files.isRegularFile(path)) {
            throw new IOException(path + ": no such model file or directory");
        }
        if (isGguf(path)) {
            return loadGguf(path, backend, ownedBackend, progress);
        }
        if (path.getFileName().toString().endsWith(".safetensors") || path.getFileName().toString().equals("config.json")) {
            return HfCheckpoint.load(path.toAbsolutePath().getParent(), backend, ownedBackend, progress);
        }
        throw new IOException(path + ": not a GGUF file (bad magic) and not a Hugging Face checkpoint directory");
    }

    private static Model loadGguf(Path path, Backend backend, AutoCloseable ownedBackend, ProgressListener progress) throws IOException {
        GgufFile file = GgufFile.open(path);
        Arena arena = Arena.ofShared();
        try {
            LlamaConfig config = GgufLlama.config(file);
            LlamaWeights weights = GgufLlama.weights(file, config, arena);
            Tokenizer tokenizer = GgufTokenizerLoader.load(file);
            String template = file.getString("tokenizer.chat_template", null);
            Llama llama = new Llama(config, weights, backend, progress);
            releaseCopied(file, weights, llama);
            return new Model(path.toString(), llama, tokenizer, template, ownedBackend, arena, file);
        } catch (RuntimeException e) {
            arena.close();
            file.close();
            throw new IOException(path + ": " + e.getMessage(), e);
        }
    }

    /**
     * The file's pages under every weight the backend copied (the CPU packs quantized matrices, a GPU
     * uploads everything) go back to the OS, so resident memory holds each weight once.
     */
    private static void releaseCopied(GgufFile file, LlamaWeights mapped, Llama llama) {
        java.util.Set<dev.skipllama.tensor.Tensor> used = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        used.addAll(llama.weights().all());
        for (dev.skipllama.tensor.Tensor t : mapped.all()) {
            if (!used.contains(t)) {
                file.releasePages(t);
            }
        }
    }

    static boolean isGguf(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 'G' && magic[1] == 'G' && magic[2] == 'U' && magic[3] == 'F';
        }
    }

    public Session newSession(SessionOptions options) {
        return new Session(this, options);
    }

    public LlamaConfig config() {
        return llama.config();
    }

    public Llama llama() {
        return llama;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public String source() {
        return source;
    }

    /**
     * The chat template the model ships (Jinja source from GGUF's {@code tokenizer.chat_template} or
     * HF's {@code tokenizer_config.json}), if any; {@link dev.skipllama.transformer.chat.ChatTemplate#detect}
     * maps it to a format.
     */
    public java.util.Optional<String> chatTemplateSource() {
        return java.util.Optional.ofNullable(chatTemplate);
    }

    @Override
    public void close() {
        llama.close(); // device copies of the weights first, while their backend is still open
        for (AutoCloseable r : resources) {
            if (r != null) {
                try {
                    r.close();
                } catch (Exception ignored) {
                    // closing is best effort; the first failure must not leak the rest
                }
            }
        }
    }
}
