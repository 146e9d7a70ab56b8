package dev.skipllama.transformer.chat.jinja;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Template values and Python's rules for them. A value is a {@code String}, {@code Long},
 * {@code Double}, {@code Boolean}, {@code null} (Jinja's {@code none}), {@link #UNDEFINED}, a
 * {@code List<Object>}, a {@code Map<Object, Object>} (insertion-ordered), a {@link Namespace} or a
 * {@link Callable}. Input from Java (Integer, a record's fields, …) is converted by {@link #of}.
 */
final class Values {
    private Values() {
    }

    /** A name or attribute that does not exist: falsy, renders as nothing, iterates as empty. */
    static final Object UNDEFINED = new Object() {
        @Override
        public String toString() {
            return "Undefined";
        }
    };

    /** Something a template can call: a macro, {@code range}, a bound method, {@code loop.cycle}. */
    @FunctionalInterface
    interface Callable {
        Object call(List<Object> args, Map<String, Object> kwargs);
    }

    /** {@code namespace(...)}: the one object whose attributes {@code set} may assign, across loop scopes. */
    static final class Namespace {
        final Map<Object, Object> attrs = new LinkedHashMap<>();
    }

    /** Converts Java input to template values: ints become Long, floats Double, collections copied. */
    static Object of(Object v) {
        return switch (v) {
            case null -> null;
            case String s -> s;
            case Boolean b -> b;
            case Long l -> l;
            case Integer n -> n.longValue();
            case Short n -> n.longValue();
            case Byte n -> n.longValue();
            case Double d -> d;
            case Float f -> f.doubleValue();
            case Map<?, ?> m -> {
                Map<Object, Object> out = new LinkedHashMap<>();
                m.forEach((k, x) -> out.put(of(k), of(x)));
                yield out;
            }
            case Iterable<?> it -> {
                List<Object> out = new ArrayList<>();
                it.forEach(x -> out.add(of(x)));
                yield out;
            }
            case Object[] a -> {
                List<Object> out = new ArrayList<>();
                for (Object x : a) {
                    out.add(of(x));
                }
                yield out;
            }
            case Callable c -> c;
            default -> {
                if (v == UNDEFINED || v instanceof Namespace) {
                    yield v;
                }
                throw new IllegalArgumentException("a template value must be a string, number, boolean, null, list or map, not "
                        + v.getClass().getName());
            }
        };
    }

    static boolean truthy(Object v) {
        return switch (v) {
            case null -> false;
            case Boolean b -> b;
            case Long l -> l != 0;
            case Double d -> d != 0;
            case String s -> !s.isEmpty();
            case List<?> l -> !l.isEmpty();
            case Map<?, ?> m -> !m.isEmpty();
            default -> v != UNDEFINED;
        };
    }

    static boolean isNumber(Object v) {
        return v instanceof Long || v instanceof Double;
    }

    static String typeName(Object v) {
        return switch (v) {
            case null -> "none";
            case String s -> "string";
            case Long l -> "integer";
            case Double d -> "float";
            case Boolean b -> "boolean";
            case List<?> l -> "list";
            case Map<?, ?> m -> "mapping";
            case Namespace n -> "namespace";
            case Callable c -> "function";
            default -> v == UNDEFINED ? "undefined" : v.getClass().getSimpleName();
        };
    }

    /** Python's {@code str()}: what {@code {{ v }}} prints. */
    static String str(Object v) {
        return switch (v) {
            case null -> "None";
            case String s -> s;
            case Boolean b -> b ? "True" : "False";
            case Long l -> l.toString();
            case Double d -> pyFloat(d);
            case List<?> l -> repr(l);
            case Map<?, ?> m -> repr(m);
            default -> v == UNDEFINED ? "" : repr(v);
        };
    }

    /** Python's {@code repr()}: strings quoted, as inside a printed list. */
    static String repr(Object v) {
        return switch (v) {
            case String s -> {
                char q = s.contains("'") && !s.contains("\"") ? '"' : '\'';
                StringBuilder b = new StringBuilder().append(q);
                for (char c : s.toCharArray()) {
                    switch (c) {
                        case '\\' -> b.append("\\\\");
                        case '\n' -> b.append("\\n");
                        case '\r' -> b.append("\\r");
                        case '\t' -> b.append("\\t");
                        default -> {
                            if (c == q) {
                                b.append('\\');
                            }
                            b.append(c);
                        }
                    }
                }
                yield b.append(q).toString();
            }
            case List<?> l -> {
                StringBuilder b = new StringBuilder("[");
                for (int i = 0; i < l.size(); i++) {
                    b.append(i > 0 ? ", " : "").append(repr(l.get(i)));
                }
                yield b.append(']').toString();
            }
            case Map<?, ?> m -> {
                StringBuilder b = new StringBuilder("{");
                Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
                while (it.hasNext()) {
                    Map.Entry<?, ?> e = it.next();
                    b.append(repr(e.getKey())).append(": ").append(repr(e.getValue())).append(it.hasNext() ? ", " : "");
                }
                yield b.append('}').toString();
            }
            case Namespace n -> "<Namespace " + repr(n.attrs) + ">";
            case Callable c -> "<function>";
            case null -> "None";
            default -> v == UNDEFINED ? "" : str(v);
        };
    }

    /** A float as Python prints it: {@code 1.0}, {@code 0.5}, {@code 1e-05}. */
    static String pyFloat(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == Math.rint(d) && Math.abs(d) < 1e16) {
            return String.format(java.util.Locale.ROOT, "%.1f", d);
        }
        String s = Double.toString(d); // shortest round-trip digits, like Python's repr
        int e = s.indexOf('E');
        if (e < 0) {
            return s;
        }
        String mant = s.substring(0, e);
        if (mant.endsWith(".0")) {
            mant = mant.substring(0, mant.length() - 2);
        }
        int exp = Integer.parseInt(s.substring(e + 1));
        return mant + "e" + (exp < 0 ? "-" : "+") + String.format(java.util.Locale.ROOT, "%02d", Math.abs(exp));
    }

    /** Python's {@code ==}: numbers by value, lists and maps element by element. */
    static boolean equal(Object a, Object b) {
        if (isNumber(a) && isNumber(b)) {
            return ((Number) a).doubleValue() == ((Number) b).doubleValue();
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!equal(x.get(i), y.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (Map.Entry<?, ?> e : x.entrySet()) {
                if (!y.containsKey(e.getKey()) || !equal(e.getValue(), y.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        return Objects.equals(a, b);
    }

    /** Orders numbers and strings (by code point), as Python's {@code <}; anything else is an error. */
    static int compare(Object a, Object b) {
        if (isNumber(a) && isNumber(b)) {
            return Double.compare(((Number) a).doubleValue(), ((Number) b).doubleValue());
        }
        if (a instanceof String x && b instanceof String y) {
            return x.compareTo(y);
        }
        if (a instanceof Boolean x && b instanceof Boolean y) {
            return Boolean.compare(x, y);
        }
        throw new IllegalArgumentException("cannot order " + typeName(a) + " and " + typeName(b));
    }

    /** The elements {@code for} iterates: a list's items, a map's keys, a string's characters; undefined and none iterate as empty. */
    static List<Object> iterate(Object v) {
        return switch (v) {
            case List<?> l -> new ArrayList<>(l);
            case Map<?, ?> m -> new ArrayList<>(m.keySet());
            case String s -> {
                List<Object> out = new ArrayList<>();
                s.codePoints().forEach(c -> out.add(new String(Character.toChars(c))));
                yield out;
            }
            case null -> List.of();
            default -> {
                if (v == UNDEFINED) {
                    yield List.of();
                }
                throw new IllegalArgumentException(typeName(v) + " is not iterable");
            }
        };
    }

    /** JSON as Python's {@code json.dumps(v, ensure_ascii=False, indent=indent)} writes it (Jinja's {@code tojson}). */
    static String json(Object v, Integer indent, String itemSep, String keySep) {
        StringBuilder b = new StringBuilder();
        json(b, v, indent, itemSep == null ? (indent == null ? ", " : ",") : itemSep, keySep == null ? ": " : keySep, 0);
        return b.toString();
    }

    private static void json(StringBuilder b, Object v, Integer indent, String itemSep, String keySep, int level) {
        switch (v) {
            case null -> b.append("null");
            case Boolean x -> b.append(x);
            case Long x -> b.append(x);
            case Double x -> b.append(Double.isFinite(x) ? pyFloat(x) : x.isNaN() ? "NaN" : x > 0 ? "Infinity" : "-Infinity");
            case String s -> jsonString(b, s);
            case List<?> l -> {
                if (l.isEmpty()) {
                    b.append("[]");
                    return;
                }
                b.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) {
                        b.append(itemSep);
                    }
                    newline(b, indent, level + 1);
                    json(b, l.get(i), indent, itemSep, keySep, level + 1);
                }
                newline(b, indent, level);
                b.append(']');
            }
            case Map<?, ?> m -> {
                if (m.isEmpty()) {
                    b.append("{}");
                    return;
                }
                b.append('{');
                int i = 0;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (i++ > 0) {
                        b.append(itemSep);
                    }
                    newline(b, indent, level + 1);
                    jsonString(b, str(e.getKey()));
                    b.append(keySep);
                    json(b, e.getValue(), indent, itemSep, keySep, level + 1);
                }
                newline(b, indent, level);
                b.append('}');
            }
            case Namespace n -> json(b, n.attrs, indent, itemSep, keySep, level);
            default -> {
                if (v == UNDEFINED) {
                    b.append("null");
                } else {
                    throw new IllegalArgumentException(typeName(v) + " cannot be written as JSON");
                }
            }
        }
    }

    private static void newline(StringBuilder b, Integer indent, int level) {
        if (indent != null) {
            b.append('\n').append(" ".repeat(indent * level));
        }
    }

    static void jsonString(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
