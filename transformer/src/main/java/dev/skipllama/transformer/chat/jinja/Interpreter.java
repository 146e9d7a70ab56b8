package dev.skipllama.transformer.chat.jinja;

import dev.skipllama.transformer.chat.jinja.Values.Callable;
import dev.skipllama.transformer.chat.jinja.Values.Namespace;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders a parsed template. Scoping is Jinja's: a {@code for} body and a macro body have scopes of
 * their own, so a {@code set} inside a loop is not seen after it (templates use a {@code namespace}
 * for that); {@code if} opens no scope. One interpreter renders once; it is not shared.
 */
final class Interpreter {
    /** Caps the work a template can ask for (a loop over range(10**9)), so a hostile template fails instead of hanging. */
    static final long MAX_STEPS = 5_000_000;
    static final int MAX_OUTPUT_CHARS = 64 << 20;
    static final int MAX_DEPTH = 200;

    private final String src;
    private final Builtins builtins;
    private final Scope root;
    private long steps;
    private int depth;

    /** A frame of variables; lookups fall back to the parent. */
    static final class Scope {
        final Scope parent;
        final Map<String, Object> vars = new HashMap<>();

        Scope(Scope parent) {
            this.parent = parent;
        }

        Object get(String name) {
            for (Scope s = this; s != null; s = s.parent) {
                if (s.vars.containsKey(name)) {
                    return s.vars.get(name);
                }
            }
            return Values.UNDEFINED;
        }
    }

    private static final class BreakSignal extends RuntimeException {
        BreakSignal() {
            super(null, null, false, false);
        }
    }

    private static final class ContinueSignal extends RuntimeException {
        ContinueSignal() {
            super(null, null, false, false);
        }
    }

    private static final BreakSignal BREAK = new BreakSignal();
    private static final ContinueSignal CONTINUE = new ContinueSignal();

    Interpreter(String src, Map<String, Object> globals, Builtins builtins) {
        this.src = src;
        this.builtins = builtins;
        Scope g = new Scope(null);
        builtins.globals().forEach(g.vars::put);
        globals.forEach((k, v) -> g.vars.put(k, Values.of(v)));
        this.root = new Scope(g);
    }

    String render(List<Node> program) {
        StringBuilder out = new StringBuilder();
        run(program, root, out);
        return out.toString();
    }

    private void run(List<Node> body, Scope scope, StringBuilder out) {
        for (Node n : body) {
            exec(n, scope, out);
        }
    }

    private void exec(Node n, Scope scope, StringBuilder out) {
        if (++steps > MAX_STEPS) {
            throw error(n, "the template ran more than " + MAX_STEPS + " steps");
        }
        switch (n) {
            case Node.Text t -> append(out, t.text(), n);
            case Node.Output o -> append(out, Values.str(eval(o.expr(), scope)), n);
            case Node.If f -> {
                for (int k = 0; k < f.conditions().size(); k++) {
                    if (Values.truthy(eval(f.conditions().get(k), scope))) {
                        run(f.bodies().get(k), scope, out);
                        return;
                    }
                }
                run(f.orElse(), scope, out);
            }
            case Node.For f -> loop(f, scope, out);
            case Node.Set s -> assign(s.target(), eval(s.value(), scope), scope);
            case Node.SetBlock s -> {
                StringBuilder b = new StringBuilder();
                run(s.body(), scope, b);
                scope.vars.put(s.name(), b.toString());
            }
            case Node.Macro m -> scope.vars.put(m.name(), macro(m, scope));
            case Node.Do d -> eval(d.expr(), scope);
            case Node.Break b -> throw BREAK;
            case Node.Continue c -> throw CONTINUE;
            case Node.FilterBlock f -> {
                StringBuilder b = new StringBuilder();
                run(f.body(), scope, b);
                append(out, Values.str(applyFilter(f.filter(), b.toString(), scope)), n);
            }
            default -> throw error(n, "not a statement");
        }
    }

    private void append(StringBuilder out, String s, Node at) {
        if (out.length() + (long) s.length() > MAX_OUTPUT_CHARS) {
            throw error(at, "the output grew past " + MAX_OUTPUT_CHARS + " characters");
        }
        out.append(s);
    }

    private void loop(Node.For f, Scope scope, StringBuilder out) {
        List<Object> items;
        try {
            items = Values.iterate(eval(f.iterable(), scope));
        } catch (IllegalArgumentException e) {
            throw error(f.iterable(), e.getMessage());
        }
        Scope body = new Scope(scope);
        if (f.filter() != null) {
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                bindTargets(f, item, body);
                if (Values.truthy(eval(f.filter(), body))) {
                    kept.add(item);
                }
            }
            items = kept;
        }
        if (items.isEmpty()) {
            run(f.orElse(), scope, out);
            return;
        }
        Object outerLoop = scope.get("loop");
        for (int k = 0; k < items.size(); k++) {
            if (++steps > MAX_STEPS) {
                throw error(f, "the template ran more than " + MAX_STEPS + " steps");
            }
            bindTargets(f, items.get(k), body);
            body.vars.put("loop", loopInfo(items, k, outerLoop));
            try {
                run(f.body(), body, out);
            } catch (BreakSignal b) {
                break;
            } catch (ContinueSignal c) {
                // next item
            }
        }
    }

    private void bindTargets(Node.For f, Object item, Scope body) {
        if (f.targets().size() == 1) {
            body.vars.put(f.targets().get(0), item);
            return;
        }
        if (!(item instanceof List<?> tuple) || tuple.size() != f.targets().size()) {
            throw error(f, "cannot unpack " + Values.typeName(item) + " " + Values.repr(item) + " into "
                    + f.targets().size() + " loop variables");
        }
        for (int k = 0; k < tuple.size(); k++) {
            body.vars.put(f.targets().get(k), tuple.get(k));
        }
    }

    private static Map<Object, Object> loopInfo(List<Object> items, int k, Object outer) {
        Map<Object, Object> loop = new LinkedHashMap<>();
        int n = items.size();
        loop.put("index", (long) k + 1);
        loop.put("index0", (long) k);
        loop.put("revindex", (long) (n - k));
        loop.put("revindex0", (long) (n - k - 1));
        loop.put("first", k == 0);
        loop.put("last", k == n - 1);
        loop.put("length", (long) n);
        loop.put("previtem", k > 0 ? items.get(k - 1) : Values.UNDEFINED);
        loop.put("nextitem", k < n - 1 ? items.get(k + 1) : Values.UNDEFINED);
        long depth = outer instanceof Map<?, ?> m && m.get("depth") instanceof Long d ? d + 1 : 1;
        loop.put("depth", depth);
        loop.put("depth0", depth - 1);
        loop.put("cycle", (Callable) (args, kw) -> args.isEmpty() ? Values.UNDEFINED : args.get(k % args.size()));
        return loop;
    }

    private void assign(Node target, Object value, Scope scope) {
        switch (target) {
            case Node.Name n -> scope.vars.put(n.name(), value);
            case Node.Attr a -> {
                Object obj = eval(a.object(), scope);
                if (obj instanceof Namespace ns) {
                    ns.attrs.put(a.name(), value);
                } else {
                    throw error(a, "can only set attributes of a namespace(), not of " + Values.typeName(obj));
                }
            }
            case Node.TupleLit t -> {
                if (!(value instanceof List<?> l) || l.size() != t.items().size()) {
                    throw error(t, "cannot unpack " + Values.typeName(value) + " into " + t.items().size() + " names");
                }
                for (int k = 0; k < l.size(); k++) {
                    assign(t.items().get(k), l.get(k), scope);
                }
            }
            default -> throw error(target, "cannot assign to this expression");
        }
    }

    private Callable macro(Node.Macro m, Scope defining) {
        return (args, kwargs) -> {
            if (args.size() > m.params().size()) {
                throw error(m, "macro " + m.name() + " takes " + m.params().size() + " arguments, got " + args.size());
            }
            Scope s = new Scope(root);
            for (int k = 0; k < m.params().size(); k++) {
                String p = m.params().get(k);
                Object v;
                if (k < args.size()) {
                    v = args.get(k);
                } else if (kwargs.containsKey(p)) {
                    v = kwargs.get(p);
                } else if (m.defaults().get(k) != null) {
                    v = eval(m.defaults().get(k), defining);
                } else {
                    v = Values.UNDEFINED;
                }
                s.vars.put(p, v);
            }
            s.vars.put(m.name(), defining.get(m.name())); // recursion
            StringBuilder b = new StringBuilder();
            if (++depth > MAX_DEPTH) {
                throw error(m, "macros nested deeper than " + MAX_DEPTH);
            }
            try {
                run(m.body(), s, b);
            } finally {
                depth--;
            }
            return b.toString();
        };
    }

    // ---- expressions

    Object eval(Node n, Scope scope) {
        if (++steps > MAX_STEPS) {
            throw error(n, "the template ran more than " + MAX_STEPS + " steps");
        }
        try {
            return evalUnchecked(n, scope);
        } catch (JinjaException e) {
            throw e;
        } catch (IllegalArgumentException | ArithmeticException | IndexOutOfBoundsException | ClassCastException e) {
            throw error(n, e.getMessage());
        }
    }

    private Object evalUnchecked(Node n, Scope scope) {
        return switch (n) {
            case Node.Literal l -> l.value();
            case Node.Name v -> scope.get(v.name());
            case Node.Attr a -> Builtins.attribute(eval(a.object(), scope), a.name());
            case Node.Index x -> Builtins.item(eval(x.object(), scope), eval(x.index(), scope));
            case Node.Slice s -> Builtins.slice(eval(s.object(), scope), optional(s.start(), scope), optional(s.stop(), scope),
                    optional(s.step(), scope));
            case Node.Call c -> call(c, scope);
            case Node.Filter f -> applyFilter(f, eval(f.object(), scope), scope);
            case Node.Test t -> {
                List<Object> args = new ArrayList<>();
                for (Node a : t.args()) {
                    args.add(eval(a, scope));
                }
                boolean r = builtins.test(t.name(), eval(t.object(), scope), args);
                yield t.negated() != r;
            }
            case Node.Unary u -> switch (u.op()) {
                case "not" -> !Values.truthy(eval(u.operand(), scope));
                case "-" -> {
                    Object v = eval(u.operand(), scope);
                    if (v instanceof Long l) {
                        yield -l;
                    }
                    if (v instanceof Double d) {
                        yield -d;
                    }
                    throw new IllegalArgumentException("cannot negate " + Values.typeName(v));
                }
                default -> eval(u.operand(), scope);
            };
            case Node.Binary b -> binary(b, scope);
            case Node.Conditional c -> Values.truthy(eval(c.condition(), scope)) ? eval(c.then(), scope)
                    : c.orElse() == null ? Values.UNDEFINED : eval(c.orElse(), scope);
            case Node.ListLit l -> {
                List<Object> out = new ArrayList<>();
                for (Node x : l.items()) {
                    out.add(eval(x, scope));
                }
                yield out;
            }
            case Node.TupleLit t -> {
                List<Object> out = new ArrayList<>();
                for (Node x : t.items()) {
                    out.add(eval(x, scope));
                }
                yield out;
            }
            case Node.DictLit d -> {
                Map<Object, Object> out = new LinkedHashMap<>();
                for (int k = 0; k < d.keys().size(); k++) {
                    out.put(eval(d.keys().get(k), scope), eval(d.values().get(k), scope));
                }
                yield out;
            }
            default -> throw error(n, "not an expression");
        };
    }

    private Object optional(Node n, Scope scope) {
        return n == null ? null : eval(n, scope);
    }

    private Object call(Node.Call c, Scope scope) {
        List<Object> args = new ArrayList<>();
        for (Node a : c.args()) {
            args.add(eval(a, scope));
        }
        Map<String, Object> kwargs = new LinkedHashMap<>();
        for (int k = 0; k < c.kwNames().size(); k++) {
            kwargs.put(c.kwNames().get(k), eval(c.kwValues().get(k), scope));
        }
        if (c.callee() instanceof Node.Attr a) { // a method of a string, list or map: s.strip(), d.items()
            Object self = eval(a.object(), scope);
            if (!(self instanceof Map<?, ?> m && m.get(a.name()) instanceof Callable) && !(self instanceof Namespace)) {
                return builtins.method(self, a.name(), args, kwargs);
            }
        }
        Object f = eval(c.callee(), scope);
        if (f instanceof Callable fn) {
            return fn.call(args, kwargs);
        }
        String what = c.callee() instanceof Node.Name v ? "'" + v.name() + "'" : "this expression";
        throw error(c, f == Values.UNDEFINED ? what + " is undefined and cannot be called" : what + " is a " + Values.typeName(f)
                + ", not a function");
    }

    private Object applyFilter(Node.Filter f, Object value, Scope scope) {
        List<Object> args = new ArrayList<>();
        for (Node a : f.args()) {
            args.add(eval(a, scope));
        }
        Map<String, Object> kwargs = new LinkedHashMap<>();
        for (int k = 0; k < f.kwNames().size(); k++) {
            kwargs.put(f.kwNames().get(k), eval(f.kwValues().get(k), scope));
        }
        try {
            return builtins.filter(f.name(), value, args, kwargs);
        } catch (IllegalArgumentException | IndexOutOfBoundsException | ClassCastException e) {
            throw error(f, "filter '" + f.name() + "': " + e.getMessage());
        }
    }

    private Object binary(Node.Binary b, Scope scope) {
        String op = b.op();
        Object l = eval(b.left(), scope);
        if (op.equals("and")) {
            return Values.truthy(l) ? eval(b.right(), scope) : l;
        }
        if (op.equals("or")) {
            return Values.truthy(l) ? l : eval(b.right(), scope);
        }
        Object r = eval(b.right(), scope);
        return switch (op) {
            case "==" -> Values.equal(l, r);
            case "!=" -> !Values.equal(l, r);
            case "<" -> Values.compare(l, r) < 0;
            case ">" -> Values.compare(l, r) > 0;
            case "<=" -> Values.compare(l, r) <= 0;
            case ">=" -> Values.compare(l, r) >= 0;
            case "in" -> Builtins.contains(r, l);
            case "not in" -> !Builtins.contains(r, l);
            case "~" -> Values.str(l) + Values.str(r);
            default -> Builtins.arithmetic(op, l, r);
        };
    }

    JinjaException error(Node n, String message) {
        return JinjaException.at(src, n.offset(), message);
    }
}
