package dev.skipllama.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.skipllama.skip.calibration.Calibration;
import dev.skipllama.transformer.chat.ChatTemplate;
import dev.skipllama.transformer.model.Model;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * An OpenAI-compatible HTTP server over one {@link Model}: {@code GET /health}, {@code GET /v1/models},
 * {@code POST /v1/chat/completions}, {@code POST /v1/completions} (each with {@code stream: true} as
 * server-sent events), with the extensions {@code skip} and {@code speculate} per request.
 *
 * <p>It runs on the JDK's built-in {@link HttpServer}: requests are handled on virtual threads (cheap
 * to hold while queued or streaming), generations on {@link ServerConfig#parallel()} platform threads.
 * Errors are answered in OpenAI's JSON shape and never as a stack trace or a dropped connection.
 *
 * <p>{@link #close()} drains: new requests are answered 503 while running and queued ones get up to
 * {@link ServerConfig#drainSeconds()} to finish; then the socket and the sessions are closed. The model is the
 * caller's and stays open. Thread-safe.
 */
public final class OpenAiServer implements AutoCloseable {
    private final ServerConfig config;
    private final HttpServer http;
    private final ExecutorService handlers;
    private final Slots slots;
    private final Completions completions;
    private final Consumer<String> log;
    private volatile boolean draining;

    private OpenAiServer(Model model, ChatTemplate template, ServerConfig config, Supplier<Calibration> calibration,
                         Consumer<String> log) throws IOException {
        if (config.context() > model.config().contextLength()) {
            throw new IllegalArgumentException("context " + config.context() + " exceeds the model's context length "
                    + model.config().contextLength());
        }
        this.config = config;
        this.log = log;
        this.slots = new Slots(model, config.parallel(), config.queue());
        this.completions = new Completions(model, template, config, slots, new Decoding(model, calibration, config.planDir()), log);
        this.http = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 128);
        this.handlers = Executors.newVirtualThreadPerTaskExecutor();
        http.setExecutor(handlers);
        http.createContext("/", this::handle);
    }

    /**
     * Starts serving.
     *
     * @param template    how chat messages become a prompt (usually {@code ChatTemplate.detect} on the model)
     * @param calibration statistics for skip methods that rank layers, or null (such specs are then a 400)
     * @param log         one line per request, and lifecycle messages
     * @throws IOException when the address cannot be bound (in use, not local)
     */
    public static OpenAiServer start(Model model, ChatTemplate template, ServerConfig config, Supplier<Calibration> calibration,
                                     Consumer<String> log) throws IOException {
        OpenAiServer s = new OpenAiServer(model, template, config, calibration, log);
        s.http.start();
        return s;
    }

    /** The port it listens on (the chosen one when configured with 0). */
    public int port() {
        return http.getAddress().getPort();
    }

    /** {@code http://host:port}. */
    public String url() {
        String h = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        return "http://" + h + ":" + port();
    }

    private void handle(HttpExchange ex) {
        try (ex) {
            try {
                route(ex);
            } catch (ApiError e) {
                log.accept(ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + " " + e.status + " " + e.getMessage());
                try {
                    Http.sendError(ex, e);
                } catch (IOException gone) {
                    // the client left before hearing why
                }
            } catch (IOException e) {
                // the client went away while we answered: nothing more to say to it
            } catch (Exception | Error e) {
                log.accept(ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + " 500 " + e);
                try {
                    Http.sendError(ex, new ApiError(500, "server_error", null, null,
                            "internal error: " + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName())));
                } catch (IOException | RuntimeException ignored) {
                    // headers were already sent (a stream): the stream carried the error event
                }
            }
        }
    }

    private void route(HttpExchange ex) throws Exception {
        String path = ex.getRequestURI().getPath();
        String method = ex.getRequestMethod();
        if (path.equals("/health")) {
            requireMethod(ex, "GET");
            Http.send(ex, draining ? 503 : 200, new JsonOut().object().field("status", draining ? "draining" : "ok")
                    .field("requests", slots.admitted()).end().toString());
            return;
        }
        if (!path.startsWith("/v1/")) {
            throw new ApiError(404, "invalid_request_error", null, "not_found", "no such endpoint: " + method + " " + path
                    + " (endpoints: GET /health, GET /v1/models, POST /v1/chat/completions, POST /v1/completions)");
        }
        authorize(ex);
        if (draining) {
            throw new ApiError(503, "server_error", null, "shutting_down", "the server is shutting down");
        }
        switch (path) {
            case "/v1/models" -> {
                requireMethod(ex, "GET");
                Http.send(ex, 200, new JsonOut().object().field("object", "list").key("data").array().object()
                        .field("id", config.modelId()).field("object", "model").field("created", 0).field("owned_by", "skipllama")
                        .end().end().end().toString());
            }
            case "/v1/chat/completions" -> {
                requireMethod(ex, "POST");
                completions.chat(ex);
            }
            case "/v1/completions" -> {
                requireMethod(ex, "POST");
                completions.text(ex);
            }
            default -> throw new ApiError(404, "invalid_request_error", null, "not_found", "no such endpoint: " + method + " " + path
                    + " (endpoints: GET /health, GET /v1/models, POST /v1/chat/completions, POST /v1/completions)");
        }
    }

    private static void requireMethod(HttpExchange ex, String method) {
        if (!ex.getRequestMethod().equals(method)) {
            ex.getResponseHeaders().set("Allow", method);
            throw new ApiError(405, "invalid_request_error", null, "method_not_allowed",
                    ex.getRequestURI().getPath() + " takes " + method + ", not " + ex.getRequestMethod());
        }
    }

    private void authorize(HttpExchange ex) {
        if (config.apiKey() == null) {
            return;
        }
        String h = ex.getRequestHeaders().getFirst("Authorization");
        String given = h != null && h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).trim() : null;
        // constant-time comparison: the time taken must not tell how much of a guessed key was right
        if (given == null || !MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), config.apiKey().getBytes(StandardCharsets.UTF_8))) {
            throw new ApiError(401, "invalid_request_error", null, "invalid_api_key", given == null
                    ? "missing API key: send the header 'Authorization: Bearer KEY'" : "invalid API key");
        }
    }

    /** Sessions kept idle for reuse (tests check none leak past {@code parallel}). */
    int idleSessions() {
        return slots.idleSessions();
    }

    /** Drains and stops: no new connections; running and queued requests get up to drainSeconds; then everything is closed. */
    @Override
    public void close() {
        if (draining) {
            return;
        }
        draining = true;
        long deadline = System.nanoTime() + config.drainSeconds() * 1_000_000_000L;
        while (slots.admitted() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        http.stop(0);
        handlers.shutdownNow();
        slots.close();
        log.accept("server stopped");
    }
}
