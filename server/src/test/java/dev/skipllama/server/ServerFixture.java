package dev.skipllama.server;

import dev.skipllama.transformer.chat.ChatTemplate;
import dev.skipllama.transformer.json.Json;
import dev.skipllama.transformer.model.Model;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** The embedded model behind a server on a free loopback port, and a plain HTTP client for it. */
final class ServerFixture implements AutoCloseable {
    static final Path MODEL = Path.of("../models/tiny-layerskip");

    final Model model;
    final OpenAiServer server;
    final List<String> log = new CopyOnWriteArrayList<>();
    final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final boolean ownsModel;

    ServerFixture(Model model, ServerConfig config) throws IOException {
        this(model, config, false);
    }

    private ServerFixture(Model model, ServerConfig config, boolean ownsModel) throws IOException {
        this.model = model;
        this.ownsModel = ownsModel;
        ChatTemplate template = ChatTemplate.detect(model.chatTemplateSource(), model.tokenizer(), log::add);
        this.server = OpenAiServer.start(model, template, config, null, log::add);
    }

    static ServerFixture start(ServerConfig config) throws IOException {
        return new ServerFixture(Model.load(MODEL), config, true);
    }

    static ServerConfig config() {
        return ServerConfig.defaults("tiny-layerskip").withPort(0).withContext(256).withParallel(2, 8).withDrainSeconds(10);
    }

    HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(60)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static Map<String, Object> json(HttpResponse<String> r) {
        return Json.parseObject(r.body());
    }

    @SuppressWarnings("unchecked")
    static Object at(Object json, Object... path) {
        Object v = json;
        for (Object p : path) {
            v = p instanceof Integer i ? ((List<Object>) v).get(i) : ((Map<String, Object>) v).get(p);
        }
        return v;
    }

    @Override
    public void close() {
        server.close();
        if (ownsModel) {
            model.close();
        }
    }
}
