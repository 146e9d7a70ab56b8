package dev.skipllama.transformer.model;

import dev.skipllama.tensor.Backend;
import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.transformer.ProgressListener;
import dev.skipllama.transformer.gguf.GgufFile;
import dev.skipllama.transformer.io.FileStamp;
import dev.skipllama.transformer.io.RegularFiles;
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
import java.util.List;
import java.util.Optional;

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
    private final List<FileStamp> files;
    private final AutoCloseable[] resources;
    private final String chatTemplate;

    /**
     * @param files     the mapped files the weights live in, as they were when mapped
     * @param resources closed by {@link #close()} after the model's device copies, in order
     */
    Model(String source, Llama llama, Tokenizer tokenizer, String chatTemplate, List<FileStamp> files, AutoCloseable... resources) {
        if (tokenizer.vocabSize() != llama.config().vocabSize()) {
            // llama.cpp refuses this too: a smaller tokenizer cannot decode every id the head can produce
            // (the failure would come mid-generation), a larger one encodes ids the embedding lacks.
            throw new IllegalArgumentException(source + ": the tokenizer has " + tokenizer.vocabSize()
                    + " tokens but the model's embedding and LM head have " + llama.config().vocabSize()
                    + " rows; they must be equal");
        }
        this.source = source;
        this.llama = llama;
        this.tokenizer = tokenizer;
        this.files = List.copyOf(files);
        this.resources = resources;
        this.chatTemplate = chatTemplate;
    }

    /** Loads a GGUF file or a Hugging Face checkpoint directory, on a CPU backend using every core. */
    public static Model load(Path path) throws IOException {
        CpuBackend cpu = new CpuBackend();
        try {
            return load(path, cpu, cpu, ProgressListener.NONE);
        } catch (IOException | RuntimeException | Error e) {
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
        if (!Files.exists(path)) {
            throw new IOException(path + ": no such model file or directory");
        }
        RegularFiles.require(path, "a model file (.gguf, or a checkpoint directory)");
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
        Llama llama = null;
        boolean loaded = false;
        try {
            LlamaConfig config = GgufLlama.config(file);
            LlamaWeights weights = GgufLlama.weights(file, config, arena);
            Tokenizer tokenizer = GgufTokenizerLoader.load(file);
            String template = file.getString("tokenizer.chat_template", null);
            llama = new Llama(config, weights, backend, progress, file::releasePages); // each copied weight's pages dropped as it is copied
            Model model = new Model(path.toString(), llama, tokenizer, template, List.of(file.stamp()), ownedBackend, arena, file);
            loaded = true;
            return model;
        } catch (RuntimeException e) {
            throw named(path, e);
        } finally {
            if (!loaded) { // every failure, checked or not, releases what was opened here
                if (llama != null) {
                    llama.close();
                }
                arena.close();
                file.close();
            }
        }
    }

    /** A load failure as an IOException whose message starts with the model's path (once). */
    static IOException named(Path path, RuntimeException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new IOException(m.startsWith(path.toString()) ? m : path + ": " + m, e);
    }

    /** "the file holds N tensors the model does not use: a, b, c, … (M more)". */
    static String describeUnused(List<String> unused) {
        int shown = Math.min(unused.size(), 6);
        return "the file holds " + unused.size() + " tensor" + (unused.size() == 1 ? "" : "s") + " the model does not use: "
                + String.join(", ", unused.subList(0, shown)) + (unused.size() > shown ? ", … (" + (unused.size() - shown) + " more)" : "");
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

    /**
     * Runs throwaway generations until the JIT has compiled the forward pass (see {@link WarmUp}), for
     * at most {@code budget}; call it once after loading, before the first prompt whose speed matters.
     * It uses a KV cache of its own and may run while other sessions of this model run.
     */
    public WarmUp warmUp(java.time.Duration budget) {
        return warmUp(budget, DType.F32);
    }

    /**
     * The same for sessions whose KV cache holds {@code kvType} (F32 or F16,
     * {@link SessionOptions#withKvType}): an F16 cache's attention is other code, which a warm-up over an
     * F32 cache leaves cold (embedded model, first {@code generate --kv-type f16}: ~100 prompt and ~190
     * generated tok/s against ~1,200 warmed).
     */
    public WarmUp warmUp(java.time.Duration budget, DType kvType) {
        try {
            return WarmUp.run(llama, budget, kvType);
        } catch (InternalError e) {
            throw explainFault(e);
        }
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
    public Optional<String> chatTemplateSource() {
        return Optional.ofNullable(chatTemplate);
    }

    /** The files the weights are mapped from, as they were when loaded. */
    public List<FileStamp> files() {
        return files;
    }

    /**
     * Whether a file the weights are mapped from changed since loading (truncated, rewritten, deleted):
     * an exception saying which and how, or empty.
     */
    public Optional<ModelFileChangedException> fileChange(Throwable cause) {
        for (FileStamp f : files) {
            String change = f.change();
            if (change != null) {
                return Optional.of(new ModelFileChangedException(f.path(), change, cause));
            }
        }
        return Optional.empty();
    }

    /**
     * What to throw for an error raised while computing with this model: a memory fault caused by a
     * model file that changed underneath becomes a {@link ModelFileChangedException} (returned, for the
     * caller to throw); any other fault is rethrown as it is.
     */
    public RuntimeException explainFault(InternalError e) {
        Optional<ModelFileChangedException> change = fileChange(e);
        if (change.isPresent()) {
            return change.get();
        }
        throw e;
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
