package dev.skipllama.transformer.json;

/** Malformed JSON, with where and what was expected. */
public final class JsonException extends IllegalArgumentException {
    public JsonException(String message) {
        super(message);
    }
}
