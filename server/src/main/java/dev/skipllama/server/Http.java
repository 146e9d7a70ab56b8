package dev.skipllama.server;

import com.sun.net.httpserver.HttpExchange;
import dev.skipllama.transformer.json.Json;
import dev.skipllama.transformer.json.JsonException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Reading bounded JSON bodies and writing JSON answers. */
final class Http {
    private Http() {
    }

    /** The body as a JSON object; 413 past {@code max} bytes, 400 for bytes that are not UTF-8 JSON naming where it breaks. */
    static Fields jsonBody(HttpExchange ex, int max) throws IOException {
        byte[] bytes;
        try (InputStream in = ex.getRequestBody()) {
            bytes = in.readNBytes(max + 1);
        }
        if (bytes.length > max) {
            throw new ApiError(413, "invalid_request_error", null, "request_too_large",
                    "the request body is larger than " + max + " bytes (the server's limit, --max-body)");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw ApiError.badRequest(null, "the request body is not UTF-8 text");
        }
        if (text.isBlank()) {
            throw ApiError.badRequest(null, "the request body is empty; expected a JSON object");
        }
        Object v;
        try {
            v = Json.parse(text, 64);
        } catch (JsonException e) {
            throw ApiError.badRequest(null, "the request body is not valid JSON: " + e.getMessage());
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw ApiError.badRequest(null, "the request body must be a JSON object, got a JSON " + Json.typeName(v));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) m;
        return new Fields(map);
    }

    static void send(HttpExchange ex, int status, String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    static void sendError(HttpExchange ex, ApiError e) throws IOException {
        if (e.status == 503) {
            ex.getResponseHeaders().set("Retry-After", "1");
        }
        if (e.status == 401) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
        }
        send(ex, e.status, e.json());
    }
}
