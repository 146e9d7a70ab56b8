package dev.skipllama.server;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A server-sent-events response: {@code data: JSON} events, then {@code data: [DONE]}. A write that
 * fails means the client went away; {@link #send} then returns false and the caller stops generating.
 */
final class Sse implements AutoCloseable {
    private final OutputStream out;
    private boolean open = true;

    Sse(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0); // chunked
        this.out = ex.getResponseBody();
    }

    /** Sends one event; false once the client has disconnected. */
    boolean send(String json) {
        return write("data: " + json + "\n\n");
    }

    boolean done() {
        return write("data: [DONE]\n\n");
    }

    private boolean write(String s) {
        if (!open) {
            return false;
        }
        try {
            out.write(s.getBytes(StandardCharsets.UTF_8));
            out.flush();
            return true;
        } catch (IOException e) {
            open = false;
            return false;
        }
    }

    boolean open() {
        return open;
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException ignored) {
            // the client is gone; nothing to tell it
        }
    }
}
