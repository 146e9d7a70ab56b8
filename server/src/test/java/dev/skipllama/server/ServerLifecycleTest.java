package dev.skipllama.server;

import static dev.skipllama.server.ServerFixture.at;
import static dev.skipllama.server.ServerFixture.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.transformer.model.Model;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** API keys, a full queue, and draining on close. */
class ServerLifecycleTest {
    static Model model;

    @BeforeAll
    static void load() throws Exception {
        model = Model.load(ServerFixture.MODEL);
    }

    @AfterAll
    static void unload() {
        model.close();
    }

    static final String LONG = "{\"prompt\":\"Once upon a time\",\"temperature\":0.9,\"seed\":3,\"max_tokens\":240}";

    @Test
    void anApiKeyGuardsV1ButNotHealth() throws Exception {
        try (ServerFixture s = new ServerFixture(model, ServerFixture.config().withApiKey("sekrit"))) {
            HttpResponse<String> none = s.get("/v1/models");
            assertEquals(401, none.statusCode());
            assertEquals("invalid_api_key", at(json(none), "error", "code"));
            assertEquals("Bearer", none.headers().firstValue("WWW-Authenticate").orElse(""));
            assertEquals(401, s.get("/v1/models", "Authorization", "Bearer wrong").statusCode());
            assertEquals(200, s.get("/v1/models", "Authorization", "Bearer sekrit").statusCode());
            assertEquals(200, s.get("/health").statusCode());
        }
    }

    @Test
    void aFullQueueIsA503WithRetryAfter() throws Exception {
        try (ServerFixture s = new ServerFixture(model, ServerFixture.config().withParallel(1, 0))) {
            CompletableFuture<HttpResponse<String>> busy = s.client.sendAsync(post(s, LONG), HttpResponse.BodyHandlers.ofString());
            while (((Number) json(s.get("/health")).get("requests")).intValue() == 0 && !busy.isDone()) {
                Thread.sleep(2);
            }
            HttpResponse<String> r = s.post("/v1/completions", "{\"prompt\":\"Hi\",\"max_tokens\":2}");
            assertEquals(503, r.statusCode(), r.body());
            assertEquals("1", r.headers().firstValue("Retry-After").orElse(""));
            assertEquals("server_busy", at(json(r), "error", "code"));
            assertEquals(200, busy.get().statusCode());
        }
    }

    @Test
    void closeDrainsRunningRequestsThenStopsListening() throws Exception {
        ServerFixture s = new ServerFixture(model, ServerFixture.config());
        CompletableFuture<HttpResponse<String>> running = s.client.sendAsync(post(s, LONG), HttpResponse.BodyHandlers.ofString());
        while (((Number) json(s.get("/health")).get("requests")).intValue() == 0 && !running.isDone()) {
            Thread.sleep(2);
        }
        s.close();
        HttpResponse<String> r = running.get();
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(240L, at(json(r), "usage", "completion_tokens"));
        assertThrows(ConnectException.class, () -> {
            try {
                s.get("/health");
            } catch (java.io.IOException e) {
                throw e instanceof ConnectException ? e : (e.getCause() instanceof ConnectException c ? c : e);
            }
        });
        assertTrue(s.log.contains("server stopped"));
    }

    static HttpRequest post(ServerFixture s, String body) {
        return HttpRequest.newBuilder(URI.create(s.server.url() + "/v1/completions")).POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }
}
