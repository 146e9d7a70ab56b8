package dev.skipllama.server;

import dev.skipllama.transformer.json.Json;
import java.util.List;
import java.util.Map;

/** Typed reads of a request's JSON fields; a wrong type or range is a 400 naming the field, the value and what was expected. */
final class Fields {
    private final Map<String, Object> map;

    Fields(Map<String, Object> map) {
        this.map = map;
    }

    boolean has(String key) {
        return map.get(key) != null;
    }

    Object get(String key) {
        return map.get(key);
    }

    String string(String key, String dflt) {
        Object v = map.get(key);
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof String s)) {
            throw wrong(key, v, "a string");
        }
        return s;
    }

    boolean bool(String key, boolean dflt) {
        Object v = map.get(key);
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof Boolean b)) {
            throw wrong(key, v, "true or false");
        }
        return b;
    }

    double number(String key, double dflt, double min, double max) {
        Object v = map.get(key);
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof Number n)) {
            throw wrong(key, v, "a number in [" + fmt(min) + ", " + fmt(max) + "]");
        }
        double d = n.doubleValue();
        if (!(d >= min && d <= max)) {
            throw ApiError.badRequest(key, "'" + key + "' must be in [" + fmt(min) + ", " + fmt(max) + "], got " + v);
        }
        return d;
    }

    /** An integer field, or null when absent. */
    Long integer(String key, long min, long max) {
        Object v = map.get(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof Long n)) {
            throw wrong(key, v, "an integer in [" + min + ", " + max + "]");
        }
        if (n < min || n > max) {
            throw ApiError.badRequest(key, "'" + key + "' must be in [" + min + ", " + max + "], got " + n);
        }
        return n;
    }

    @SuppressWarnings("unchecked")
    List<Object> list(String key) {
        Object v = map.get(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof List<?>)) {
            throw wrong(key, v, "an array");
        }
        return (List<Object>) v;
    }

    static ApiError wrong(String key, Object v, String expected) {
        String shown = v instanceof String s ? Json.quote(s.length() > 60 ? s.substring(0, 60) + "…" : s)
                : v instanceof List<?> l && l.isEmpty() ? "an empty array"
                : v instanceof Map || v instanceof List ? "a JSON " + Json.typeName(v) : String.valueOf(v);
        return ApiError.badRequest(key, "'" + key + "' must be " + expected + ", got " + shown);
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
