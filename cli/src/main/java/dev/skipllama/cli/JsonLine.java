package dev.skipllama.cli;

import dev.skipllama.transformer.json.Json;
import java.util.List;
import java.util.Map;

/** {@code --json} output: one JSON object per result, written from maps, lists, strings, numbers and booleans. */
final class JsonLine {
    private JsonLine() {
    }

    static String of(Object v) {
        StringBuilder b = new StringBuilder();
        write(b, v);
        return b.toString();
    }

    private static void write(StringBuilder b, Object v) {
        switch (v) {
            case null -> b.append("null");
            case String s -> b.append(Json.quote(s));
            case Double d -> b.append(Double.isFinite(d) ? String.format(java.util.Locale.ROOT, "%.6g", d).replaceAll("\\.?0+(e|$)", "$1")
                    : "null");
            case Float f -> write(b, (double) f);
            case Number n -> b.append(n);
            case Boolean x -> b.append(x);
            case Map<?, ?> m -> {
                b.append('{');
                int i = 0;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    b.append(i++ > 0 ? "," : "").append(Json.quote(String.valueOf(e.getKey()))).append(':');
                    write(b, e.getValue());
                }
                b.append('}');
            }
            case List<?> l -> {
                b.append('[');
                for (int i = 0; i < l.size(); i++) {
                    b.append(i > 0 ? "," : "");
                    write(b, l.get(i));
                }
                b.append(']');
            }
            case double[] a -> {
                b.append('[');
                for (int i = 0; i < a.length; i++) {
                    b.append(i > 0 ? "," : "");
                    write(b, a[i]);
                }
                b.append(']');
            }
            default -> throw new IllegalArgumentException("not a JSON value: " + v.getClass().getName());
        }
    }
}
