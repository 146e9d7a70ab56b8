package dev.skipllama.cli;

import dev.skipllama.server.OpenAiServer;
import dev.skipllama.server.ServerConfig;
import dev.skipllama.skip.calibration.Calibration;
import dev.skipllama.tensor.DType;
import dev.skipllama.transformer.chat.ChatTemplate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;

/**
 * {@code skipllama serve}: the OpenAI-compatible HTTP server until SIGTERM or Ctrl-C, which drain
 * (running requests finish, new ones get 503) and exit.
 */
final class ServeCommand {
    private ServeCommand() {
    }

    static Options options() {
        Options o = new Options("serve", "[options]", """
                Serves the model over HTTP with OpenAI's API: GET /health, GET /v1/models, POST /v1/chat/completions, \
                POST /v1/completions (stream: true for server-sent events). Requests may add "skip": SPEC (any --skip \
                method) or "speculate": "E,d"; responses report the layers used per token. SIGTERM or Ctrl-C drains \
                (running requests finish, new ones are answered 503) and exits.""")
                .opt("--host", "ADDR", "address to listen on (0.0.0.0: every interface)", "127.0.0.1")
                .opt("--port", "N", "TCP port (0: any free one)", "8080")
                .opt("--api-key", "KEY", "require 'Authorization: Bearer KEY' on /v1 (default: $SKIPLLAMA_API_KEY if set)", null)
                .opt("--parallel", "N", "generations at once", "1")
                .opt("--queue", "N", "requests that may wait beyond --parallel; more are answered 503 with Retry-After", "16")
                .opt("--context", "N", "KV positions per request, prompt + completion (default: the model's, at most 4096)", null)
                .opt("--max-body", "BYTES", "largest request body", "1048576")
                .opt("--alias", "NAME", "the model's name in /v1/models and responses (default: its file or directory name)", null)
                .opt("--template", "NAME", "chat template: auto (the model's own) or " + String.join(", ", ChatTemplate.NAMES), "auto")
                .opt("--drain", "SECONDS", "on SIGTERM, how long running requests may take to finish", "30")
                .opt("--calibration", "FILE", "calibration text, for skip specs that rank layers (shortgpt, attn-drop, ffn-drop, router)", null)
                .opt("--kv-type", "TYPE", "the KV cache's element type: f32, or f16 (half the memory; llama.cpp's default cache and "
                        + "its attention arithmetic)", "f32")
                .opt("--plan-dir", "DIR", "let requests use skip \"plan:NAME\" for plan files in DIR (no files are read otherwise)", null)
                .alias("-c", "--context").alias("-np", "--parallel");
        return ModelArgs.addWarmUp(ModelArgs.add(o));
    }

    static int run(Options.Parsed p, Io io) throws Exception {
        int port = p.getInt("--port", 0, 65535);
        int parallel = p.getInt("--parallel", 1, 1024);
        int queue = p.getInt("--queue", 0, 1 << 20);
        int maxBody = p.getInt("--max-body", 1024, 1 << 30);
        int drain = p.getInt("--drain", 0, 3600);
        DType kvType = DecodingArgs.kvType(p);
        String key = p.has("--api-key") ? p.get("--api-key") : System.getenv("SKIPLLAMA_API_KEY");
        if (key != null && key.isBlank()) {
            throw new UsageException("--api-key must not be blank");
        }
        Path planDir = p.path("--plan-dir");
        if (planDir != null && !Files.isDirectory(planDir)) {
            throw new UsageException("--plan-dir " + planDir + ": no such directory");
        }
        Path calibrationFile = p.path("--calibration");
        if (calibrationFile != null && !Files.isRegularFile(calibrationFile)) {
            throw new UsageException("--calibration " + calibrationFile + ": no such file");
        }
        return ModelArgs.with(p, io, m -> {
            var model = m.model();
            int context = p.has("--context") ? p.getInt("--context", 16, model.config().contextLength())
                    : Math.min(model.config().contextLength(), 4096);
            String alias = p.has("--alias") ? p.get("--alias") : Path.of(model.source()).getFileName().toString().replaceAll("\\.gguf$", "");
            ChatTemplate template = p.get("--template").equals("auto")
                    ? ChatTemplate.detect(model.chatTemplateSource(), model.tokenizer(), w -> io.err().println("skipllama serve: warning: " + w))
                    : ChatTemplate.named(p.get("--template"), model.tokenizer());
            Supplier<Calibration> calibration = calibrationFile == null ? null : memoize(DecodingArgs.calibration(p, model, "a skip spec"));
            ServerConfig config = ServerConfig.defaults(alias).withHost(p.get("--host")).withPort(port).withApiKey(key)
                    .withParallel(parallel, queue).withContext(context).withMaxBodyBytes(maxBody).withDrainSeconds(drain).withPlanDir(planDir)
                    .withKvType(kvType);
            ModelArgs.warmUp(p, io, model); // before listening: the first request runs at full speed
            DateTimeFormatter time = DateTimeFormatter.ofPattern("HH:mm:ss");
            OpenAiServer server;
            try {
                server = OpenAiServer.start(model, template, config, calibration,
                        line -> io.err().println(LocalTime.now().format(time) + " " + line));
            } catch (java.net.BindException e) {
                throw new java.io.IOException("cannot listen on " + p.get("--host") + ":" + port + ": " + e.getMessage()
                        + " (another server there? try --port N)", e);
            }
            io.err().printf("serving %s (chat template: %s) on %s — %d at a time, %d waiting; context %d%s%n", alias, template.name(),
                    server.url(), parallel, queue, context, key != null ? "; API key required" : "");
            io.err().println("try: curl " + server.url() + "/v1/chat/completions -H 'Content-Type: application/json' "
                    + "-d '{\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],\"max_tokens\":32}'");
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> { // SIGTERM, SIGINT: drain, then let the JVM exit
                io.err().println("draining (up to " + drain + " s) …");
                server.close();
                stopped.countDown();
            }, "skipllama-drain"));
            stopped.await();
            return 0;
        });
    }

    /** Calibrates on the first request that needs it, once. */
    private static Supplier<Calibration> memoize(Supplier<Calibration> s) {
        return new Supplier<>() {
            private Calibration value;

            @Override
            public synchronized Calibration get() {
                if (value == null) {
                    value = s.get();
                }
                return value;
            }
        };
    }
}
