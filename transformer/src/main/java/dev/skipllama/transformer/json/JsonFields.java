package dev.skipllama.transformer.json;

import dev.skipllama.transformer.io.TextFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Typed access to a parsed JSON object whose errors say where: the file, the field's path from the
 * root ({@code model.vocab}, {@code rope_scaling.factor}), what was found and what was expected. Every
 * reader of a JSON file users give us goes through this, so a number where a string belongs is
 * "tokenizer.json: 'model.type' is a number 5, expected a string", never a {@code ClassCastException}.
 */
public final class JsonFields {
    private final String source;
    private final String path;
    private final Map<String, Object> map;

    private JsonFields(String source, String path, Map<String, Object> map) {
        this.source = source;
        this.path = path;
        this.map = map;
    }

    /** The root object; {@code source} names its file in messages. */
    public static JsonFields of(Map<String, Object> map, String source) {
        return new JsonFields(source, "", map);
    }

    /** Parses {@code text}, which must hold one JSON object; syntax errors name {@code source}. */
    public static JsonFields parse(String text, String source) {
        Object v;
        try {
            v = Json.parse(text);
        } catch (JsonException e) {
            throw new JsonException(source + ": not valid JSON: " + e.getMessage());
        }
        if (!(v instanceof Map<?, ?>)) {
            throw new JsonException(source + ": expected a JSON object at the top level, found " + describe(v));
        }
        @SuppressWarnings("unchecked") Map<String, Object> m = (Map<String, Object>) v;
        return of(m, source);
    }

    /** Reads and parses a JSON file (bounded, strict UTF-8: see {@link TextFiles}). */
    public static JsonFields read(Path file) throws IOException {
        return parse(TextFiles.read(file, TextFiles.MAX_JSON_BYTES, "a JSON file"), file.toString());
    }

    public String source() {
        return source;
    }

    /** The object itself (unmodified, as parsed). */
    public Map<String, Object> map() {
        return map;
    }

    /** Whether {@code key} is present with a value other than null. */
    public boolean has(String key) {
        return map.get(key) != null;
    }

    /** The raw value, null when absent. */
    public Object get(String key) {
        return map.get(key);
    }

    /** {@code key}'s path from the root, for messages. */
    public String field(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    public String string(String key) {
        if (!(map.get(key) instanceof String s)) {
            throw error(key, "a string");
        }
        return s;
    }

    public String string(String key, String defaultValue) {
        return has(key) ? string(key) : defaultValue;
    }

    public boolean bool(String key, boolean defaultValue) {
        Object v = map.get(key);
        if (v == null) {
            return defaultValue;
        }
        if (!(v instanceof Boolean b)) {
            throw error(key, "true or false");
        }
        return b;
    }

    /** An integer in {@code [min, max]}. */
    public long integer(String key, long min, long max) {
        if (!(map.get(key) instanceof Long l) || l < min || l > max) {
            throw error(key, "an integer in [" + min + ", " + max + "]");
        }
        return l;
    }

    /** A positive integer that fits an {@code int}. */
    public int positiveInt(String key) {
        return (int) integer(key, 1, Integer.MAX_VALUE);
    }

    public int positiveInt(String key, int defaultValue) {
        return has(key) ? positiveInt(key) : defaultValue;
    }

    /** A finite number (JSON allows 1e99999, which parses as infinity). */
    public double finite(String key) {
        if (!(map.get(key) instanceof Number n) || !Double.isFinite(n.doubleValue())) {
            throw error(key, "a finite number");
        }
        return n.doubleValue();
    }

    public double finite(String key, double defaultValue) {
        return has(key) ? finite(key) : defaultValue;
    }

    /** A finite number greater than 0. */
    public double positiveFinite(String key, double defaultValue) {
        double v = finite(key, defaultValue);
        if (!(v > 0)) {
            throw error(key, "a finite number > 0");
        }
        return v;
    }

    public JsonFields object(String key) {
        if (!(map.get(key) instanceof Map<?, ?> m)) {
            throw error(key, "an object");
        }
        @SuppressWarnings("unchecked") Map<String, Object> o = (Map<String, Object>) m;
        return new JsonFields(source, field(key), o);
    }

    /** The object at {@code key}, or null when absent or null. */
    public JsonFields objectOrNull(String key) {
        return has(key) ? object(key) : null;
    }

    public List<Object> array(String key) {
        if (!(map.get(key) instanceof List<?> l)) {
            throw error(key, "an array");
        }
        @SuppressWarnings("unchecked") List<Object> a = (List<Object>) l;
        return a;
    }

    /** An element of an array field, as an object with its own path ({@code added_tokens[3]}). */
    public JsonFields element(String key, int index, Object value) {
        String at = field(key) + "[" + index + "]";
        if (!(value instanceof Map<?, ?> m)) {
            throw new JsonException(source + ": '" + at + "' is " + describe(value) + ", expected an object");
        }
        @SuppressWarnings("unchecked") Map<String, Object> o = (Map<String, Object>) m;
        return new JsonFields(source, at, o);
    }

    /** "SOURCE: 'PATH.KEY' is FOUND, expected EXPECTED". */
    public JsonException error(String key, String expected) {
        Object v = map.get(key);
        String found = v == null ? (map.containsKey(key) ? "null" : "missing") : describe(v);
        return new JsonException(source + ": '" + field(key) + "' is " + found + ", expected " + expected);
    }

    /** A value as a message shows it: its JSON type and a short form of it. */
    public static String describe(Object v) {
        if (v == null) {
            return "null";
        }
        String s = v instanceof String str ? Json.quote(str) : String.valueOf(v);
        return "a" + (Json.typeName(v).matches("[aeiou].*") ? "n " : " ") + Json.typeName(v) + " "
                + (s.length() > 60 ? s.substring(0, 60) + "…" : s);
    }
}
