package dev.skipllama.server;

import dev.skipllama.transformer.json.Json;
import java.util.ArrayDeque;
import java.util.Deque;

/** A small JSON writer: objects, arrays, strings, numbers, booleans and null, in order of calls. */
final class JsonOut {
    private final StringBuilder b = new StringBuilder();
    private final Deque<Character> open = new ArrayDeque<>();
    private boolean first = true;

    JsonOut object() {
        return open('{', '}');
    }

    JsonOut array() {
        return open('[', ']');
    }

    private JsonOut open(char c, char close) {
        comma();
        b.append(c);
        open.push(close);
        first = true;
        return this;
    }

    JsonOut end() {
        b.append(open.pop());
        first = false;
        return this;
    }

    JsonOut key(String k) {
        comma();
        b.append(Json.quote(k)).append(':');
        first = true; // the value follows without a comma
        return this;
    }

    JsonOut value(Object v) {
        comma();
        switch (v) {
            case null -> b.append("null");
            case String s -> b.append(Json.quote(s));
            case Double d -> b.append(Double.isFinite(d) ? d.toString() : "null");
            case Float f -> b.append(Float.isFinite(f) ? f.toString() : "null");
            case Number n -> b.append(n);
            case Boolean x -> b.append(x);
            default -> throw new IllegalArgumentException("not a JSON value: " + v.getClass().getName());
        }
        return this;
    }

    JsonOut field(String k, Object v) {
        return key(k).value(v);
    }

    private void comma() {
        if (!first) {
            b.append(',');
        }
        first = false;
    }

    @Override
    public String toString() {
        if (!open.isEmpty()) {
            throw new IllegalStateException("unclosed JSON: " + b);
        }
        return b.toString();
    }
}
