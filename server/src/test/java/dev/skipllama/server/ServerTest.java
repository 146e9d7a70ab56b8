package dev.skipllama.server;

import static dev.skipllama.server.ServerFixture.at;
import static dev.skipllama.server.ServerFixture.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.transformer.chat.ChatTemplate;
import dev.skipllama.transformer.model.Model;
import dev.skipllama.transformer.model.Session;
import dev.skipllama.transformer.model.SessionOptions;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The endpoints, their errors and the streaming protocol, on the embedded model. */
class ServerTest {
    static ServerFixture s;

    @BeforeAll
    static void start() throws Exception {
        s = ServerFixture.start(ServerFixture.config());
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    static final String CHAT = "{\"model\":\"x\",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story.\"}],"
            + "\"temperature\":0,\"max_tokens\":12";

    @Test
    void healthAndModels() throws Exception {
        HttpResponse<String> h = s.get("/health");
        assertEquals(200, h.statusCode());
        assertEquals("ok", json(h).get("status"));
        HttpResponse<String> m = s.get("/v1/models");
        assertEquals(200, m.statusCode());
        assertEquals("tiny-layerskip", at(json(m), "data", 0, "id"));
        assertEquals(404, s.get("/v1/nope").statusCode());
        HttpResponse<String> wrong = s.get("/v1/chat/completions");
        assertEquals(405, wrong.statusCode());
        assertEquals("/v1/chat/completions takes POST, not GET", at(json(wrong), "error", "message"));
    }

    @Test
    void chatEqualsTheLibraryOnTheSamePrompt() throws Exception {
        HttpResponse<String> r = s.post("/v1/chat/completions", CHAT + "}");
        assertEquals(200, r.statusCode(), r.body());
        Map<String, Object> j = json(r);
        String content = (String) at(j, "choices", 0, "message", "content");
        ChatTemplate t = ChatTemplate.detect(s.model.chatTemplateSource(), s.model.tokenizer(), w -> { });
        int[] prompt = t.encode(s.model.tokenizer(), List.of(new ChatTemplate.Message("user", "Tell me a story.")));
        try (Session session = s.model.newSession(SessionOptions.defaults(256).withStopStrings(t.stopStrings()))) {
            var g = session.generate(prompt, 12, (String piece) -> true);
            assertEquals(g.text(), content);
            assertEquals(g.tokens().length, ((Number) at(j, "usage", "completion_tokens")).intValue());
            assertEquals(g.stop() == dev.skipllama.transformer.model.Generation.StopReason.MAX_TOKENS ? "length" : "stop",
                    at(j, "choices", 0, "finish_reason"));
        }
        assertEquals((long) prompt.length, at(j, "usage", "prompt_tokens"));
        assertEquals("chat.completion", j.get("object"));
        assertEquals("full", at(j, "skipllama", "decoding"));
    }

    /** A server whose sessions keep an F16 KV cache answers as a library session with one. */
    @Test
    void anF16KvCacheServesTheLibrarysText() throws Exception {
        try (ServerFixture half = ServerFixture.start(ServerFixture.config().withKvType(dev.skipllama.tensor.DType.F16))) {
            HttpResponse<String> r = half.post("/v1/completions", "{\"prompt\":\"Once upon a time\",\"temperature\":0,\"max_tokens\":24}");
            assertEquals(200, r.statusCode(), r.body());
            try (Session session = half.model.newSession(SessionOptions.defaults(256).withKvType(dev.skipllama.tensor.DType.F16))) {
                assertEquals(session.generate("Once upon a time", 24).text(), at(json(r), "choices", 0, "text"));
            }
        }
    }

    @Test
    void streamingSendsTheSameTextAsEventsEndingInDone() throws Exception {
        String whole = (String) at(json(s.post("/v1/chat/completions", CHAT + "}")), "choices", 0, "message", "content");
        HttpResponse<String> r = s.post("/v1/chat/completions", CHAT + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<String> events = new ArrayList<>();
        for (String block : r.body().split("\n\n")) {
            assertTrue(block.startsWith("data: "), block);
            events.add(block.substring(6));
        }
        assertEquals("[DONE]", events.getLast());
        StringBuilder text = new StringBuilder();
        String finish = null;
        Object usage = null;
        for (String e : events.subList(0, events.size() - 1)) {
            Map<String, Object> c = dev.skipllama.transformer.json.Json.parseObject(e);
            assertEquals("chat.completion.chunk", c.get("object"));
            if (((List<?>) c.get("choices")).isEmpty()) {
                usage = c.get("usage");
                continue;
            }
            Object piece = at(c, "choices", 0, "delta", "content");
            if (piece != null) {
                text.append(piece);
            }
            if (at(c, "choices", 0, "finish_reason") != null) {
                finish = (String) at(c, "choices", 0, "finish_reason");
            }
        }
        assertEquals(whole, text.toString());
        assertNotNull(finish);
        assertNotNull(usage, "include_usage sends a usage chunk");
    }

    @Test
    void textCompletionHonoursStopStringsAndMaxTokens() throws Exception {
        HttpResponse<String> free = s.post("/v1/completions", "{\"prompt\":\"Once upon a time\",\"temperature\":0,\"max_tokens\":30}");
        String text = (String) at(json(free), "choices", 0, "text");
        assertEquals("length", at(json(free), "choices", 0, "finish_reason"));
        assertEquals(30L, at(json(free), "usage", "completion_tokens"));
        String stop = text.substring(text.length() / 2, text.length() / 2 + 3);
        HttpResponse<String> r = s.post("/v1/completions", "{\"prompt\":\"Once upon a time\",\"temperature\":0,\"max_tokens\":30,"
                + "\"stop\":[" + dev.skipllama.transformer.json.Json.quote(stop) + "]}");
        String cut = (String) at(json(r), "choices", 0, "text");
        assertEquals("stop", at(json(r), "choices", 0, "finish_reason"));
        assertEquals(text.substring(0, text.indexOf(stop)), cut);
    }

    @Test
    void samplingIsSeededAndTemperatureMatters() throws Exception {
        String req = "{\"prompt\":\"Once upon a time\",\"temperature\":1.5,\"top_p\":0.9,\"max_tokens\":20,\"seed\":";
        String a = (String) at(json(s.post("/v1/completions", req + "7}")), "choices", 0, "text");
        String b = (String) at(json(s.post("/v1/completions", req + "7}")), "choices", 0, "text");
        String c = (String) at(json(s.post("/v1/completions", req + "8}")), "choices", 0, "text");
        assertEquals(a, b, "same seed, same text");
        assertFalse(a.equals(c), "another seed, another text (at temperature 1.5 over 20 tokens)");
    }

    @Test
    void skipAndSpeculateAreReportedWithLayersPerToken() throws Exception {
        Map<String, Object> exit = json(s.post("/v1/completions", "{\"prompt\":\"Once upon a time\",\"temperature\":0,\"max_tokens\":8,"
                + "\"skip\":\"exit:6\"}"));
        assertEquals("exit:6", at(exit, "skipllama", "decoding"));
        assertEquals(6.0, at(exit, "skipllama", "layers_per_token"));
        for (Object d : (List<?>) at(exit, "skipllama", "layers")) {
            assertEquals(6L, d);
        }
        String full = (String) at(json(s.post("/v1/completions", "{\"prompt\":\"Once upon a time\",\"temperature\":0,\"max_tokens\":16}")),
                "choices", 0, "text");
        Map<String, Object> spec = json(s.post("/v1/completions", "{\"prompt\":\"Once upon a time\",\"temperature\":0,\"max_tokens\":16,"
                + "\"speculate\":\"6,3\"}"));
        assertEquals(full, at(spec, "choices", 0, "text"), "self-speculation's greedy text is the full model's");
        assertEquals("self-speculation E=6 d=3", at(spec, "skipllama", "decoding"));
        assertNotNull(at(spec, "skipllama", "acceptance_rate"));
    }

    @Test
    void aContinuedConversationReusesTheKvRowsOfItsPrefix() throws Exception {
        String first = "{\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story about a cat.\"}],\"temperature\":0,\"max_tokens\":10}";
        String answer = (String) at(json(s.post("/v1/chat/completions", first)), "choices", 0, "message", "content");
        String second = "{\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story about a cat.\"},{\"role\":\"assistant\",\"content\":"
                + dev.skipllama.transformer.json.Json.quote(answer) + "},{\"role\":\"user\",\"content\":\"And then?\"}],"
                + "\"temperature\":0,\"max_tokens\":10}";
        Map<String, Object> r = json(s.post("/v1/chat/completions", second));
        assertTrue(((Number) at(r, "skipllama", "prompt_tokens_reused")).intValue() > 5, r.toString());
        assertTrue(s.server.idleSessions() <= 2, "at most --parallel sessions are kept");
    }

    @Test
    void badRequestsAre400sInOpenAisShapeNamingWhatIsWrong() throws Exception {
        assertError(s.post("/v1/chat/completions", "{\"messages\": [}"), 400, null, "the request body is not valid JSON");
        assertError(s.post("/v1/chat/completions", "{\"temperature\":0}"), 400, "messages", "'messages' is required");
        assertError(s.post("/v1/chat/completions", "{\"messages\":[]}"), 400, "messages", "got an empty array");
        assertError(s.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":1000}"), 400,
                "max_tokens", "'max_tokens' 1000 plus the prompt's");
        assertError(s.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"skip\":\"exit:99\"}"), 400,
                "skip", "exit:99");
        assertError(s.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"skip\":\"warp:9\"}"), 400,
                "skip", "unknown method 'warp'");
        assertError(s.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"skip\":\"shortgpt:3\"}"), 400,
                "skip", "--calibration FILE");
        assertError(s.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"skip\":\"plan:/etc/passwd\"}"),
                400, "skip", "reads no plan files");
        assertError(s.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"speculate\":\"12,3\"}"), 400,
                "speculate", "E must be in [1, 11]");
        assertError(s.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"speculate\":\"auto,vocab=/etc/passwd\"}"),
                400, "speculate", "cannot make the server read a file");
        assertError(s.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"robot\",\"content\":\"hi\"}]}"), 400,
                "messages[0].role", "chat role must be");
        assertError(s.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":\"hot\"}"), 400,
                "temperature", "'temperature' must be a number in [0, 100], got \"hot\"");
        assertError(s.post("/v1/completions", "[1,2]"), 400, null, "must be a JSON object, got a JSON array");
        assertError(s.post("/v1/completions", "{\"prompt\":\"" + "word ".repeat(400) + "\"}"), 400, "prompt", "leaves no room");
        assertError(s.post("/v1/completions", "{\"prompt\":\"" + "x".repeat(1 << 20) + "\"}"), 413, null, "larger than 1048576 bytes");
    }

    static void assertError(HttpResponse<String> r, int status, String param, String messagePart) {
        assertEquals(status, r.statusCode(), r.body());
        Map<String, Object> j = json(r);
        String message = (String) at(j, "error", "message");
        assertTrue(message.contains(messagePart), "'" + messagePart + "' in: " + message);
        assertEquals(param, at(j, "error", "param"));
        assertNotNull(at(j, "error", "type"));
        assertFalse(r.body().contains("\tat "), "no stack trace");
    }

    @Test
    void aClientThatDisconnectsStopsItsGeneration() throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(s.server.url() + "/v1/completions")).POST(HttpRequest.BodyPublishers.ofString(
                "{\"prompt\":\"Once upon a time\",\"temperature\":0.9,\"seed\":1,\"max_tokens\":200,\"stream\":true}")).build();
        HttpResponse<InputStream> r = s.client.send(req, HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            for (int events = 0; events < 3; ) {
                String line = in.readLine();
                if (line != null && line.startsWith("data: ")) {
                    events++;
                }
            }
        } // closing the body closes the connection
        long deadline = System.currentTimeMillis() + 10_000;
        while (s.log.stream().noneMatch(l -> l.contains("client disconnected")) && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        String line = s.log.stream().filter(l -> l.contains("client disconnected")).findFirst().orElseThrow();
        int tokens = Integer.parseInt(line.replaceAll(".*after (\\d+) tokens.*", "$1"));
        assertTrue(tokens < 200, line);
    }
}
