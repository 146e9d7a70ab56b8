package dev.skipllama.cli;

import dev.skipllama.tensor.Backend;
import dev.skipllama.tensor.Backends;
import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.transformer.model.Model;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The options every command that runs a model shares: which model, on what, with how many threads. */
final class ModelArgs {
    static final String EMBEDDED = "models/tiny-layerskip";

    private ModelArgs() {
    }

    static Options add(Options o) {
        return o.opt("--model", "PATH", "GGUF file or Hugging Face checkpoint directory (default: the embedded model, "
                        + EMBEDDED + ", or $SKIPLLAMA_MODEL)", null)
                .opt("--backend", "NAME", "where to run: cpu, cuda, cuda:N (GPU N), reference (the scalar definition, slow)", "cpu")
                .opt("--threads", "K", "CPU threads", "all cores")
                .alias("-m", "--model").alias("-t", "--threads");
    }

    /** How long the warm-up may take at most; a small model settles in ~1 s, a large one after a round or two. */
    static final java.time.Duration WARM_UP_BUDGET = java.time.Duration.ofSeconds(3);

    /** The warm-up option of the commands that answer prompts or time them (generate, chat, serve, bench). */
    static Options addWarmUp(Options o) {
        return o.flag("--no-warmup", "skip the warm-up: throwaway tokens decoded after loading, until the JIT has compiled the "
                + "kernels (at most " + WARM_UP_BUDGET.toSeconds() + " s), so that the first prompt runs at full speed");
    }

    /** Warms the model up unless --no-warmup, saying how long it took. */
    static void warmUp(Options.Parsed p, Io io, Model model) {
        if (p.has("--no-warmup")) {
            return;
        }
        // the KV cache type the command's sessions use: an F16 cache's attention is code of its own
        dev.skipllama.transformer.model.WarmUp w = model.warmUp(WARM_UP_BUDGET, p.has("--kv-type") ? DecodingArgs.kvType(p) : DType.F32);
        io.err().printf(java.util.Locale.ROOT, "warmed up: %d tokens in %.0f ms%s%n", w.tokens(), w.elapsed().toNanos() / 1e6,
                w.settled() ? "" : " (the JIT was still compiling when the time was up; --no-warmup skips this)");
    }

    /** What a command does with a loaded model. */
    @FunctionalInterface
    interface Body {
        int run(Loaded m) throws Exception;
    }

    /**
     * Loads the model, runs {@code body} with it and closes it. A fault from a model file truncated
     * while mapped becomes a one-line error naming the file (ModelFileChangedException).
     */
    static int with(Options.Parsed p, Io io, Body body) throws Exception {
        try (Loaded m = open(p, io)) {
            try {
                return body.run(m);
            } catch (InternalError e) {
                throw m.model().explainFault(e);
            }
        }
    }

    /** A model on its backend; closing closes both. */
    record Loaded(Backend backend, Model model) implements AutoCloseable {
        @Override
        public void close() {
            model.close();
            backend.close();
        }
    }

    static Loaded open(Options.Parsed p, Io io) throws IOException {
        Path path = p.has("--model") ? p.path("--model") : defaultModel();
        Backend backend = backend(p);
        long t0 = System.nanoTime();
        try {
            Model model;
            try (Progress bar = new Progress("uploading weights to " + backend.name(), "bytes")) {
                model = Model.load(path, backend, bar); // reports only when the weights go to a device
            }
            io.err().printf("loaded %s: %d layers, dim %d, vocabulary %d, context %d, on %s (%.0f ms)%n", model.source(),
                    model.config().layers(), model.config().dim(), model.config().vocabSize(), model.config().contextLength(),
                    backend.name(), (System.nanoTime() - t0) / 1e6);
            return new Loaded(backend, model);
        } catch (IOException | RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    static Backend backend(Options.Parsed p) {
        String name = p.get("--backend").trim();
        if (name.equals("cpu")) {
            int threads = p.get("--threads").equals("all cores") ? Runtime.getRuntime().availableProcessors()
                    : p.getInt("--threads", 1, 1024);
            return new CpuBackend(threads);
        }
        if (p.has("--threads")) {
            throw new UsageException("--threads applies to --backend cpu only");
        }
        try {
            return Backends.create(name);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        } // IllegalStateException (CUDA unavailable, with the reason) is an error, not a usage mistake
    }

    /**
     * The model to use without --model: $SKIPLLAMA_MODEL (a .gguf file or a checkpoint directory, as
     * --model takes), else the embedded model: models/tiny-layerskip here, then beside the jar's checkout.
     */
    static Path defaultModel() throws IOException {
        return defaultModel(System.getenv("SKIPLLAMA_MODEL"));
    }

    static Path defaultModel(String env) throws IOException {
        if (env != null && !env.isBlank()) {
            Path p = Path.of(env);
            if (!Files.exists(p)) {
                throw new IOException("SKIPLLAMA_MODEL=" + env + ": no such model file or directory");
            }
            return p; // Model.load says what is wrong with it, if anything
        }
        List<Path> tried = new ArrayList<>();
        tried.add(Path.of(EMBEDDED));
        try {
            Path jar = Path.of(ModelArgs.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path dir = jar.getParent(); dir != null; dir = dir.getParent()) {
                tried.add(dir.resolve(EMBEDDED));
            }
        } catch (Exception ignored) {
            // no code source (e.g. a custom class loader): the working directory is the only guess
        }
        for (Path t : tried) {
            if (Files.isRegularFile(t.resolve("config.json"))) {
                return t;
            }
        }
        throw new IOException("no model given and the embedded model was not found; looked in " + tried
                + ". Pass --model PATH (a .gguf file or a Hugging Face checkpoint directory) or set SKIPLLAMA_MODEL");
    }
}
