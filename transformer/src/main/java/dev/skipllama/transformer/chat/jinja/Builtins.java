package dev.skipllama.transformer.chat.jinja;

import dev.skipllama.transformer.chat.jinja.Values.Callable;
import dev.skipllama.transformer.chat.jinja.Values.Namespace;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The functions, filters, tests and methods chat templates use: Jinja's built-ins
 * ({@code trim}, {@code length}, {@code tojson}, {@code selectattr}, {@code defined}, …), the Python
 * string, list and dict methods templates call ({@code strip()}, {@code split()}, {@code items()}, …)
 * and the globals Hugging Face adds ({@code raise_exception}, {@code strftime_now}). Anything else is
 * an error naming it.
 */
final class Builtins {
    private final Supplier<ZonedDateTime> clock;

    Builtins(Supplier<ZonedDateTime> clock) {
        this.clock = clock;
    }

    Map<String, Object> globals() {
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("range", (Callable) (args, kw) -> range(args));
        g.put("namespace", (Callable) (args, kw) -> {
            Namespace ns = new Namespace();
            for (Object a : args) {
                if (a instanceof Map<?, ?> m) {
                    m.forEach(ns.attrs::put);
                }
            }
            ns.attrs.putAll(kw);
            return ns;
        });
        g.put("raise_exception", (Callable) (args, kw) -> {
            throw new JinjaException("the chat template raised an error: " + (args.isEmpty() ? "" : Values.str(args.get(0))), true);
        });
        g.put("strftime_now", (Callable) (args, kw) -> Strftime.format(Values.str(args.isEmpty() ? "" : args.get(0)), clock.get()));
        return g;
    }

    private static List<Object> range(List<Object> args) {
        long start = 0, stop, step = 1;
        if (args.isEmpty() || args.size() > 3) {
            throw new IllegalArgumentException("range takes 1 to 3 integers, got " + args.size() + " arguments");
        }
        if (args.size() == 1) {
            stop = integer(args.get(0), "range");
        } else {
            start = integer(args.get(0), "range");
            stop = integer(args.get(1), "range");
            if (args.size() == 3) {
                step = integer(args.get(2), "range");
            }
        }
        if (step == 0) {
            throw new IllegalArgumentException("range step must not be zero");
        }
        List<Object> out = new ArrayList<>();
        for (long v = start; step > 0 ? v < stop : v > stop; v += step) {
            if (out.size() >= Interpreter.MAX_STEPS) {
                throw new IllegalArgumentException("range of more than " + Interpreter.MAX_STEPS + " numbers");
            }
            out.add(v);
        }
        return out;
    }

    static long integer(Object v, String what) {
        if (v instanceof Long l) {
            return l;
        }
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        throw new IllegalArgumentException(what + " expects an integer, got " + Values.typeName(v) + " " + Values.repr(v));
    }

    // ---- access

    /** {@code obj.name}: a map's key, a namespace's attribute; undefined when absent (never an error). */
    static Object attribute(Object obj, String name) {
        if (obj instanceof Map<?, ?> m) {
            return m.containsKey(name) ? m.get(name) : Values.UNDEFINED;
        }
        if (obj instanceof Namespace ns) {
            return ns.attrs.containsKey(name) ? ns.attrs.get(name) : Values.UNDEFINED;
        }
        return Values.UNDEFINED;
    }

    /** {@code obj[key]}: a list or string by (negative) index, a map by key; undefined when absent. */
    static Object item(Object obj, Object key) {
        if (obj instanceof List<?> l && key instanceof Long i) {
            long k = i < 0 ? l.size() + i : i;
            return k >= 0 && k < l.size() ? l.get((int) k) : Values.UNDEFINED;
        }
        if (obj instanceof String s && key instanceof Long i) {
            long k = i < 0 ? s.length() + i : i;
            return k >= 0 && k < s.length() ? String.valueOf(s.charAt((int) k)) : Values.UNDEFINED;
        }
        if (obj instanceof Map<?, ?> || obj instanceof Namespace) {
            Map<?, ?> m = obj instanceof Namespace ns ? ns.attrs : (Map<?, ?>) obj;
            return m.containsKey(key) ? m.get(key) : Values.UNDEFINED;
        }
        if (obj == Values.UNDEFINED || obj == null) {
            return Values.UNDEFINED;
        }
        throw new IllegalArgumentException("cannot index " + Values.typeName(obj) + " with " + Values.typeName(key));
    }

    /** {@code obj[start:stop:step]} on a list or string, Python's rules. */
    static Object slice(Object obj, Object start, Object stop, Object step) {
        long st = step == null ? 1 : integer(step, "a slice step");
        if (st == 0) {
            throw new IllegalArgumentException("slice step cannot be zero");
        }
        int n;
        if (obj instanceof List<?> l) {
            n = l.size();
        } else if (obj instanceof String s) {
            n = s.length();
        } else {
            throw new IllegalArgumentException("cannot slice " + Values.typeName(obj));
        }
        long lo = start == null ? (st > 0 ? 0 : n - 1) : bound(integer(start, "a slice start"), n, st);
        long hi = stop == null ? (st > 0 ? n : -1) : bound(integer(stop, "a slice stop"), n, st);
        List<Object> items = new ArrayList<>();
        StringBuilder chars = new StringBuilder();
        for (long k = lo; st > 0 ? k < hi : k > hi; k += st) {
            if (obj instanceof List<?> l) {
                items.add(l.get((int) k));
            } else {
                chars.append(((String) obj).charAt((int) k));
            }
        }
        return obj instanceof String ? chars.toString() : items;
    }

    private static long bound(long i, int n, long step) {
        if (i < 0) {
            i += n;
        }
        if (step > 0) {
            return Math.max(0, Math.min(i, n));
        }
        return Math.max(-1, Math.min(i, n - 1));
    }

    static boolean contains(Object container, Object item) {
        return switch (container) {
            case String s -> item instanceof String x ? s.contains(x) : false;
            case List<?> l -> l.stream().anyMatch(x -> Values.equal(x, item));
            case Map<?, ?> m -> m.containsKey(item);
            case Namespace ns -> ns.attrs.containsKey(item);
            case null -> false;
            default -> {
                if (container == Values.UNDEFINED) {
                    yield false;
                }
                throw new IllegalArgumentException("'in' needs a string, list or mapping on its right, got " + Values.typeName(container));
            }
        };
    }

    /**
     * {@code + - * / // % **}. As llama.cpp: {@code +} joins a string with anything (none and undefined
     * as empty), lists concatenate, integers stay integers except under {@code /}.
     */
    static Object arithmetic(String op, Object l, Object r) {
        if (op.equals("+")) {
            if (l instanceof String || r instanceof String) {
                return (isNothing(l) ? "" : Values.str(l)) + (isNothing(r) ? "" : Values.str(r));
            }
            if (l instanceof List<?> a && r instanceof List<?> b) {
                List<Object> out = new ArrayList<>(a);
                out.addAll(b);
                return out;
            }
        }
        if (op.equals("*") && (l instanceof String && r instanceof Long || l instanceof Long && r instanceof String)) {
            String s = l instanceof String x ? x : (String) r;
            long times = l instanceof Long x ? x : (Long) r;
            if (times * s.length() > Interpreter.MAX_OUTPUT_CHARS) {
                throw new IllegalArgumentException("string repetition longer than " + Interpreter.MAX_OUTPUT_CHARS + " characters");
            }
            return times <= 0 ? "" : s.repeat((int) times);
        }
        if (!(Values.isNumber(l) || l instanceof Boolean) || !(Values.isNumber(r) || r instanceof Boolean)) {
            throw new IllegalArgumentException("cannot apply '" + op + "' to " + Values.typeName(l) + " and " + Values.typeName(r));
        }
        boolean ints = !(l instanceof Double) && !(r instanceof Double);
        if (ints) {
            long a = integer(l, op), b = integer(r, op);
            switch (op) {
                case "+": return a + b;
                case "-": return a - b;
                case "*": return a * b;
                case "//": return Math.floorDiv(a, nonZero(b));
                case "%": return Math.floorMod(a, nonZero(b));
                case "**":
                    if (b >= 0) {
                        long p = 1;
                        for (long k = 0; k < b; k++) {
                            p = Math.multiplyExact(p, a);
                        }
                        return p;
                    }
                    break;
                default:
                    break;
            }
        }
        double a = ((Number) (l instanceof Boolean x ? (x ? 1L : 0L) : l)).doubleValue();
        double b = ((Number) (r instanceof Boolean x ? (x ? 1L : 0L) : r)).doubleValue();
        return switch (op) {
            case "+" -> a + b;
            case "-" -> a - b;
            case "*" -> a * b;
            case "/" -> a / nonZero(b);
            case "//" -> Math.floor(a / nonZero(b));
            case "%" -> a - Math.floor(a / nonZero(b)) * b;
            case "**" -> Math.pow(a, b);
            default -> throw new IllegalArgumentException("unknown operator " + op);
        };
    }

    private static long nonZero(long b) {
        if (b == 0) {
            throw new IllegalArgumentException("division by zero");
        }
        return b;
    }

    private static double nonZero(double b) {
        if (b == 0) {
            throw new IllegalArgumentException("division by zero");
        }
        return b;
    }

    private static boolean isNothing(Object v) {
        return v == null || v == Values.UNDEFINED;
    }

    // ---- tests: x is name(args)

    boolean test(String name, Object v, List<Object> args) {
        return switch (name) {
            case "defined" -> v != Values.UNDEFINED;
            case "undefined" -> v == Values.UNDEFINED;
            case "none" -> v == null;
            case "string" -> v instanceof String;
            case "number" -> Values.isNumber(v);
            case "integer" -> v instanceof Long;
            case "float" -> v instanceof Double;
            case "boolean" -> v instanceof Boolean;
            case "true" -> Boolean.TRUE.equals(v);
            case "false" -> Boolean.FALSE.equals(v);
            case "mapping" -> v instanceof Map || v instanceof Namespace;
            case "iterable" -> v instanceof List || v instanceof Map || v instanceof String;
            case "sequence" -> v instanceof List || v instanceof String || v instanceof Map;
            case "callable" -> v instanceof Callable;
            case "odd" -> integer(v, "odd") % 2 != 0;
            case "even" -> integer(v, "even") % 2 == 0;
            case "divisibleby" -> integer(v, "divisibleby") % integer(arg(args, 0, name), "divisibleby") == 0;
            case "lower" -> v instanceof String s && s.equals(s.toLowerCase(Locale.ROOT));
            case "upper" -> v instanceof String s && s.equals(s.toUpperCase(Locale.ROOT));
            case "eq", "equalto", "==" -> Values.equal(v, arg(args, 0, name));
            case "ne", "!=" -> !Values.equal(v, arg(args, 0, name));
            case "lt", "lessthan", "<" -> Values.compare(v, arg(args, 0, name)) < 0;
            case "le", "<=" -> Values.compare(v, arg(args, 0, name)) <= 0;
            case "gt", "greaterthan", ">" -> Values.compare(v, arg(args, 0, name)) > 0;
            case "ge", ">=" -> Values.compare(v, arg(args, 0, name)) >= 0;
            case "in" -> contains(arg(args, 0, name), v);
            case "sameas" -> v == arg(args, 0, name) || v != null && Values.equal(v, arg(args, 0, name))
                    && (v instanceof Boolean || v == Values.UNDEFINED);
            default -> throw new IllegalArgumentException("unknown test '" + name + "'");
        };
    }

    private static Object arg(List<Object> args, int k, String what) {
        if (k >= args.size()) {
            throw new IllegalArgumentException(what + " needs " + (k + 1) + " argument" + (k > 0 ? "s" : ""));
        }
        return args.get(k);
    }

    // ---- filters: x | name(args)

    Object filter(String name, Object v, List<Object> args, Map<String, Object> kw) {
        return switch (name) {
            case "trim" -> v instanceof String s ? Strings.strip(s, args.isEmpty() ? null : Values.str(args.get(0)), true, true)
                    : Strings.strip(Values.str(v), null, true, true);
            case "length", "count" -> (long) length(v);
            case "upper" -> Values.str(v).toUpperCase(Locale.ROOT);
            case "lower" -> Values.str(v).toLowerCase(Locale.ROOT);
            case "title" -> Strings.title(Values.str(v));
            case "capitalize" -> Strings.capitalize(Values.str(v));
            case "string" -> v instanceof String ? v : Values.str(v);
            case "safe", "e", "escape", "forceescape" -> name.equals("safe") ? v : Strings.escapeHtml(Values.str(v));
            case "default", "d" -> {
                Object dflt = args.isEmpty() ? "" : args.get(0);
                boolean falsy = args.size() > 1 && Values.truthy(args.get(1)) || Values.truthy(kw.getOrDefault("boolean", false));
                yield v == Values.UNDEFINED || falsy && !Values.truthy(v) ? dflt : v;
            }
            case "tojson" -> {
                Object indent = kw.containsKey("indent") ? kw.get("indent") : args.isEmpty() ? null : args.get(0);
                yield Values.json(v, indent == null ? null : (int) integer(indent, "tojson indent"), null, null);
            }
            case "int" -> toInt(v, args.isEmpty() ? 0L : integer(args.get(0), "int default"));
            case "float" -> toFloat(v);
            case "abs" -> v instanceof Long l ? Math.abs(l) : (Object) Math.abs(((Number) v).doubleValue());
            case "round" -> {
                int digits = args.isEmpty() ? 0 : (int) integer(args.get(0), "round precision");
                double x = ((Number) v).doubleValue(), f = Math.pow(10, digits);
                yield Math.round(x * f) / f;
            }
            case "list" -> Values.iterate(v);
            case "first" -> {
                List<Object> l = Values.iterate(v);
                yield l.isEmpty() ? Values.UNDEFINED : l.get(0);
            }
            case "last" -> {
                List<Object> l = Values.iterate(v);
                yield l.isEmpty() ? Values.UNDEFINED : l.get(l.size() - 1);
            }
            case "reverse" -> {
                if (v instanceof String s) {
                    yield new StringBuilder(s).reverse().toString();
                }
                List<Object> l = new ArrayList<>(Values.iterate(v));
                java.util.Collections.reverse(l);
                yield l;
            }
            case "join" -> {
                yield join(Values.iterate(v), args.isEmpty() ? "" : Values.str(args.get(0)), kw.get("attribute"));
            }
            case "replace" -> {
                String from = Values.str(arg(args, 0, "replace")), to = Values.str(arg(args, 1, "replace"));
                yield Values.str(v).replace(from, to);
            }
            case "indent" -> Strings.indent(Values.str(v), args, kw);
            case "items" -> items(v);
            case "dictsort" -> {
                List<Object> items = items(v);
                items.sort(Comparator.comparing(x -> Values.str(((List<?>) x).get(0))));
                yield items;
            }
            case "unique" -> {
                List<Object> out = new ArrayList<>();
                for (Object x : Values.iterate(v)) {
                    if (out.stream().noneMatch(y -> Values.equal(x, y))) {
                        out.add(x);
                    }
                }
                yield out;
            }
            case "sort" -> {
                List<Object> l = new ArrayList<>(Values.iterate(v));
                Object attr = kw.get("attribute");
                Comparator<Object> c = (a, b) -> Values.compare(attr == null ? a : attribute(a, Values.str(attr)),
                        attr == null ? b : attribute(b, Values.str(attr)));
                l.sort(Values.truthy(kw.getOrDefault("reverse", false)) ? c.reversed() : c);
                yield l;
            }
            case "sum" -> {
                Object total = 0L;
                for (Object x : Values.iterate(v)) {
                    total = arithmetic("+", total, x);
                }
                yield total;
            }
            case "min", "max" -> {
                List<Object> l = Values.iterate(v);
                if (l.isEmpty()) {
                    yield Values.UNDEFINED;
                }
                Object best = l.get(0);
                for (Object x : l) {
                    int c = Values.compare(x, best);
                    if (name.equals("min") ? c < 0 : c > 0) {
                        best = x;
                    }
                }
                yield best;
            }
            case "map" -> {
                List<Object> out = new ArrayList<>();
                Object attr = kw.get("attribute");
                for (Object x : Values.iterate(v)) {
                    if (attr != null) {
                        Object a = attribute(x, Values.str(attr));
                        out.add(a == Values.UNDEFINED && kw.containsKey("default") ? kw.get("default") : a);
                    } else {
                        String f = Values.str(arg(args, 0, "map"));
                        out.add(filter(f, x, args.subList(1, args.size()), Map.of()));
                    }
                }
                yield out;
            }
            case "select", "reject", "selectattr", "rejectattr" -> select(name, v, args);
            case "wordcount" -> (long) Values.str(v).trim().split("\\s+").length;
            default -> throw new IllegalArgumentException("unknown filter '" + name + "'");
        };
    }

    private static String join(List<Object> items, String sep, Object attr) {
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < items.size(); k++) {
            if (k > 0) {
                b.append(sep);
            }
            Object x = items.get(k);
            b.append(Values.str(attr == null ? x : attribute(x, Values.str(attr))));
        }
        return b.toString();
    }

    private List<Object> select(String name, Object v, List<Object> args) {
        boolean byAttr = name.endsWith("attr");
        boolean keep = name.startsWith("select");
        List<Object> out = new ArrayList<>();
        for (Object x : Values.iterate(v)) {
            Object subject = byAttr ? attribute(x, Values.str(arg(args, 0, name))) : x;
            int testAt = byAttr ? 1 : 0;
            boolean ok = args.size() > testAt
                    ? test(Values.str(args.get(testAt)), subject, args.subList(testAt + 1, args.size()))
                    : Values.truthy(subject);
            if (ok == keep) {
                out.add(x);
            }
        }
        return out;
    }

    static int length(Object v) {
        return switch (v) {
            case String s -> s.codePointCount(0, s.length());
            case List<?> l -> l.size();
            case Map<?, ?> m -> m.size();
            case Namespace ns -> ns.attrs.size();
            default -> {
                if (v == Values.UNDEFINED || v == null) {
                    yield 0;
                }
                throw new IllegalArgumentException(Values.typeName(v) + " has no length");
            }
        };
    }

    private static List<Object> items(Object v) {
        Map<?, ?> m = v instanceof Namespace ns ? ns.attrs : v instanceof Map<?, ?> x ? x : null;
        if (m == null) {
            if (v == Values.UNDEFINED || v == null) {
                return new ArrayList<>();
            }
            throw new IllegalArgumentException(Values.typeName(v) + " has no items()");
        }
        List<Object> out = new ArrayList<>();
        m.forEach((k, x) -> out.add(new ArrayList<>(java.util.Arrays.asList(k, x))));
        return out;
    }

    private static Object toInt(Object v, long dflt) {
        return switch (v) {
            case Long l -> l;
            case Double d -> (long) (double) d;
            case Boolean b -> b ? 1L : 0L;
            case String s -> {
                try {
                    yield Long.parseLong(s.trim());
                } catch (NumberFormatException e) {
                    try {
                        yield (long) Double.parseDouble(s.trim());
                    } catch (NumberFormatException e2) {
                        yield dflt;
                    }
                }
            }
            default -> dflt;
        };
    }

    private static Object toFloat(Object v) {
        return switch (v) {
            case Long l -> (double) l;
            case Double d -> d;
            case Boolean b -> b ? 1.0 : 0.0;
            case String s -> {
                try {
                    yield Double.parseDouble(s.trim());
                } catch (NumberFormatException e) {
                    yield 0.0;
                }
            }
            default -> 0.0;
        };
    }

    // ---- methods: x.name(args)

    Object method(Object self, String name, List<Object> args, Map<String, Object> kw) {
        if (self instanceof String s) {
            return switch (name) {
                case "strip" -> Strings.strip(s, args.isEmpty() || args.get(0) == null ? null : Values.str(args.get(0)), true, true);
                case "lstrip" -> Strings.strip(s, args.isEmpty() || args.get(0) == null ? null : Values.str(args.get(0)), true, false);
                case "rstrip" -> Strings.strip(s, args.isEmpty() || args.get(0) == null ? null : Values.str(args.get(0)), false, true);
                case "upper" -> s.toUpperCase(Locale.ROOT);
                case "lower" -> s.toLowerCase(Locale.ROOT);
                case "title" -> Strings.title(s);
                case "capitalize" -> Strings.capitalize(s);
                case "startswith" -> startsOrEnds(s, arg(args, 0, name), true);
                case "endswith" -> startsOrEnds(s, arg(args, 0, name), false);
                case "split" -> Strings.split(s, args.isEmpty() || args.get(0) == null ? null : Values.str(args.get(0)),
                        args.size() > 1 ? (int) integer(args.get(1), "split maxsplit") : -1);
                case "rsplit" -> Strings.rsplit(s, args.isEmpty() || args.get(0) == null ? null : Values.str(args.get(0)),
                        args.size() > 1 ? (int) integer(args.get(1), "rsplit maxsplit") : -1);
                case "replace" -> {
                    String from = Values.str(arg(args, 0, name)), to = Values.str(arg(args, 1, name));
                    if (args.size() > 2) {
                        long n = integer(args.get(2), "replace count");
                        String out = s;
                        int at = 0;
                        StringBuilder b = new StringBuilder();
                        for (long k = 0; k < n; k++) {
                            int f = out.indexOf(from, at);
                            if (f < 0) {
                                break;
                            }
                            b.append(out, at, f).append(to);
                            at = f + from.length();
                        }
                        yield b.append(out.substring(at)).toString();
                    }
                    yield s.replace(from, to);
                }
                case "find" -> (long) s.indexOf(Values.str(arg(args, 0, name)));
                case "count" -> (long) Strings.count(s, Values.str(arg(args, 0, name)));
                case "join" -> join(Values.iterate(arg(args, 0, name)), s, null);
                case "format" -> Strings.format(s, args);
                case "isdigit" -> !s.isEmpty() && s.chars().allMatch(Character::isDigit);
                case "isalpha" -> !s.isEmpty() && s.chars().allMatch(Character::isLetter);
                case "isspace" -> !s.isEmpty() && s.chars().allMatch(c -> Lexer.isSpace((char) c));
                default -> throw new IllegalArgumentException("strings have no method '" + name + "'");
            };
        }
        if (self instanceof List<?> raw) {
            @SuppressWarnings("unchecked")
            List<Object> l = (List<Object>) raw;
            return switch (name) {
                case "append" -> {
                    l.add(arg(args, 0, name));
                    yield null;
                }
                case "pop" -> {
                    if (l.isEmpty()) {
                        throw new IllegalArgumentException("pop from an empty list");
                    }
                    int k = args.isEmpty() ? l.size() - 1 : (int) integer(args.get(0), "pop index");
                    yield l.remove(k < 0 ? l.size() + k : k);
                }
                case "index" -> {
                    for (int k = 0; k < l.size(); k++) {
                        if (Values.equal(l.get(k), arg(args, 0, name))) {
                            yield (long) k;
                        }
                    }
                    throw new IllegalArgumentException(Values.repr(args.get(0)) + " is not in the list");
                }
                case "count" -> l.stream().filter(x -> Values.equal(x, arg(args, 0, name))).count();
                case "insert" -> {
                    l.add((int) integer(arg(args, 0, name), "insert index"), arg(args, 1, name));
                    yield null;
                }
                case "extend" -> {
                    l.addAll(Values.iterate(arg(args, 0, name)));
                    yield null;
                }
                default -> throw new IllegalArgumentException("lists have no method '" + name + "'");
            };
        }
        if (self instanceof Map<?, ?> raw) {
            @SuppressWarnings("unchecked")
            Map<Object, Object> m = (Map<Object, Object>) raw;
            return switch (name) {
                case "items" -> items(m);
                case "keys" -> new ArrayList<>(m.keySet());
                case "values" -> new ArrayList<>(m.values());
                case "get" -> m.containsKey(arg(args, 0, name)) ? m.get(args.get(0)) : args.size() > 1 ? args.get(1) : null;
                case "update" -> {
                    if (arg(args, 0, name) instanceof Map<?, ?> other) {
                        m.putAll(other);
                    }
                    m.putAll(kw);
                    yield null;
                }
                case "pop" -> m.containsKey(arg(args, 0, name)) ? m.remove(args.get(0)) : args.size() > 1 ? args.get(1) : Values.UNDEFINED;
                default -> throw new IllegalArgumentException("mappings have no method '" + name + "'");
            };
        }
        throw new IllegalArgumentException(self == Values.UNDEFINED ? "cannot call ." + name + "() on an undefined value"
                : Values.typeName(self) + " has no method '" + name + "'");
    }

    private static boolean startsOrEnds(String s, Object what, boolean starts) {
        List<Object> options = what instanceof List<?> l ? new ArrayList<>(l) : List.of(what);
        for (Object o : options) {
            String p = Values.str(o);
            if (starts ? s.startsWith(p) : s.endsWith(p)) {
                return true;
            }
        }
        return false;
    }
}
