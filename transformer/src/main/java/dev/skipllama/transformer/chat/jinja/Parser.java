package dev.skipllama.transformer.chat.jinja;

import dev.skipllama.transformer.chat.jinja.Node.Attr;
import dev.skipllama.transformer.chat.jinja.Node.Binary;
import dev.skipllama.transformer.chat.jinja.Node.Call;
import dev.skipllama.transformer.chat.jinja.Node.Conditional;
import dev.skipllama.transformer.chat.jinja.Node.DictLit;
import dev.skipllama.transformer.chat.jinja.Node.Filter;
import dev.skipllama.transformer.chat.jinja.Node.Index;
import dev.skipllama.transformer.chat.jinja.Node.ListLit;
import dev.skipllama.transformer.chat.jinja.Node.Literal;
import dev.skipllama.transformer.chat.jinja.Node.Name;
import dev.skipllama.transformer.chat.jinja.Node.Slice;
import dev.skipllama.transformer.chat.jinja.Node.Test;
import dev.skipllama.transformer.chat.jinja.Node.TupleLit;
import dev.skipllama.transformer.chat.jinja.Node.Unary;
import dev.skipllama.transformer.chat.jinja.Token.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Recursive descent over the tokens, with Jinja's operator precedence (lowest first): conditional
 * {@code a if c else b}, {@code or}, {@code and}, {@code not}, comparisons and {@code in},
 * {@code + -}, {@code ~}, {@code * / // %}, {@code **}, unary minus, then filters {@code |f} and
 * tests {@code is t} on a primary with its postfix {@code .attr}, {@code [index]}, {@code [a:b]},
 * {@code (call)}. So {@code 'a' + x | trim} trims only {@code x}, as in Jinja.
 */
final class Parser {
    private final String src;
    private final List<Token> tokens;
    private int i;

    private Parser(String src, List<Token> tokens) {
        this.src = src;
        this.tokens = tokens;
    }

    static List<Node> parse(String source) {
        Parser p = new Parser(source, Lexer.tokenize(source));
        List<Node> body = p.body(Set.of(), null);
        if (p.peek().kind() != Kind.EOF) { // body() stops only at EOF or at a tag in its set, which is empty here
            throw p.error(p.peek(), "unexpected tag");
        }
        return body;
    }

    // ---- statements

    /** Nodes up to (not including) a {@code {% name %}} tag with a name in {@code ends}; {@code opener} names what is open. */
    private List<Node> body(Set<String> ends, Token opener) {
        List<Node> out = new ArrayList<>();
        while (true) {
            Token t = peek();
            switch (t.kind()) {
                case TEXT -> {
                    i++;
                    out.add(new Node.Text(t.offset(), t.text()));
                }
                case EXPR_OPEN -> {
                    i++;
                    Node e = expression(true);
                    expectClose();
                    out.add(new Node.Output(t.offset(), e));
                }
                case STMT_OPEN -> {
                    Token name = peek(1);
                    if (name.kind() == Kind.NAME && ends.contains(name.text())) {
                        return out;
                    }
                    i++;
                    Node s = statement(t);
                    if (s instanceof Node.TupleLit inline) { // {% generation %} bodies are spliced in
                        for (Node n : inline.items()) {
                            out.add(n);
                        }
                    } else {
                        out.add(s);
                    }
                }
                case EOF -> {
                    if (opener != null) {
                        throw error(opener, "{% " + peekName(opener) + " %} is never closed: expected {% "
                                + String.join(" %} or {% ", ends.stream().sorted().toList()) + " %} before the end of the template");
                    }
                    return out;
                }
                default -> throw error(t, "unexpected '" + t.text() + "'");
            }
        }
    }

    private String peekName(Token opener) {
        int k = tokens.indexOf(opener);
        return k >= 0 && k + 1 < tokens.size() ? tokens.get(k + 1).text() : "?";
    }

    private Node statement(Token open) {
        Token kw = next();
        if (kw.kind() != Kind.NAME) {
            throw error(kw, "expected a statement name after {%, got '" + kw.text() + "'");
        }
        int at = open.offset();
        switch (kw.text()) {
            case "if" -> {
                List<Node> conditions = new ArrayList<>();
                List<List<Node>> bodies = new ArrayList<>();
                conditions.add(expression(true));
                expectClose();
                bodies.add(body(Set.of("elif", "else", "endif"), open));
                List<Node> orElse = List.of();
                while (true) {
                    i++; // {%
                    String which = next().text();
                    if (which.equals("elif")) {
                        conditions.add(expression(true));
                        expectClose();
                        bodies.add(body(Set.of("elif", "else", "endif"), open));
                    } else if (which.equals("else")) {
                        expectClose();
                        orElse = body(Set.of("endif"), open);
                    } else {
                        expectClose();
                        return new Node.If(at, conditions, bodies, orElse);
                    }
                }
            }
            case "for" -> {
                List<String> targets = new ArrayList<>();
                targets.add(name("a loop variable"));
                while (peek().isOp(",")) {
                    i++;
                    targets.add(name("a loop variable"));
                }
                expectName("in");
                Node iterable = expression(false);
                Node filter = null;
                if (peek().isName("if")) {
                    i++;
                    filter = expression(false);
                }
                if (peek().isName("recursive")) {
                    throw error(peek(), "recursive loops are not supported");
                }
                expectClose();
                List<Node> body = body(Set.of("else", "endfor"), open);
                List<Node> orElse = List.of();
                i++;
                if (next().text().equals("else")) {
                    expectClose();
                    orElse = body(Set.of("endfor"), open);
                    i += 2;
                }
                expectClose();
                return new Node.For(at, targets, iterable, filter, body, orElse);
            }
            case "set" -> {
                Token first = peek();
                String name = name("a variable name");
                Node target = new Name(first.offset(), name);
                if (peek().isOp(".")) {
                    i++;
                    target = new Attr(first.offset(), target, name("an attribute name"));
                } else if (peek().isOp(",")) {
                    List<Node> names = new ArrayList<>(List.of(target));
                    while (peek().isOp(",")) {
                        i++;
                        Token n = peek();
                        names.add(new Name(n.offset(), name("a variable name")));
                    }
                    target = new TupleLit(first.offset(), names);
                }
                if (peek().kind() == Kind.CLOSE && target instanceof Name) {
                    i++;
                    List<Node> body = body(Set.of("endset"), open);
                    i += 2;
                    expectClose();
                    return new Node.SetBlock(at, name, body);
                }
                expectOp("=");
                Node value = tupleOrExpression();
                expectClose();
                return new Node.Set(at, target, value);
            }
            case "macro" -> {
                String name = name("a macro name");
                expectOp("(");
                List<String> params = new ArrayList<>();
                List<Node> defaults = new ArrayList<>();
                while (!peek().isOp(")")) {
                    params.add(name("a parameter name"));
                    if (peek().isOp("=")) {
                        i++;
                        defaults.add(expression(true));
                    } else {
                        defaults.add(null);
                    }
                    if (!peek().isOp(")")) {
                        expectOp(",");
                    }
                }
                i++;
                expectClose();
                List<Node> body = body(Set.of("endmacro"), open);
                i += 2;
                expectClose();
                return new Node.Macro(at, name, params, defaults, body);
            }
            case "do" -> {
                Node e = expression(true);
                expectClose();
                return new Node.Do(at, e);
            }
            case "break", "continue" -> {
                expectClose();
                return kw.text().equals("break") ? new Node.Break(at) : new Node.Continue(at);
            }
            case "filter" -> {
                Token n = peek();
                Filter f = filterCall(null, n.offset());
                expectClose();
                List<Node> body = body(Set.of("endfilter"), open);
                i += 2;
                expectClose();
                return new Node.FilterBlock(at, f, body);
            }
            case "generation" -> { // Hugging Face's marker of assistant text for training masks: renders its body
                expectClose();
                List<Node> body = body(Set.of("endgeneration"), open);
                i += 2;
                expectClose();
                return new TupleLit(at, body);
            }
            default -> throw error(kw, "unsupported statement {% " + kw.text() + " %} (supported: if, for, set, macro, "
                    + "do, break, continue, filter, generation)");
        }
    }

    // ---- expressions

    /** A comma-separated list without brackets is a tuple ({@code set a, b = 1, 2}). */
    private Node tupleOrExpression() {
        Node first = expression(true);
        if (!peek().isOp(",")) {
            return first;
        }
        List<Node> items = new ArrayList<>(List.of(first));
        while (peek().isOp(",")) {
            i++;
            items.add(expression(true));
        }
        return new TupleLit(first.offset(), items);
    }

    private Node expression(boolean withConditional) {
        Node e = or();
        if (withConditional && peek().isName("if")) {
            Token t = next();
            Node cond = or();
            Node orElse = null;
            if (peek().isName("else")) {
                i++;
                orElse = expression(true);
            }
            return new Conditional(t.offset(), e, cond, orElse);
        }
        return e;
    }

    private Node or() {
        Node l = and();
        while (peek().isName("or")) {
            Token t = next();
            l = new Binary(t.offset(), "or", l, and());
        }
        return l;
    }

    private Node and() {
        Node l = not();
        while (peek().isName("and")) {
            Token t = next();
            l = new Binary(t.offset(), "and", l, not());
        }
        return l;
    }

    private Node not() {
        if (peek().isName("not")) {
            Token t = next();
            return new Unary(t.offset(), "not", not());
        }
        return compare();
    }

    private static final Set<String> COMPARISONS = Set.of("==", "!=", "<", ">", "<=", ">=");

    private Node compare() {
        Node l = math1();
        while (true) {
            Token t = peek();
            if (t.kind() == Kind.OP && COMPARISONS.contains(t.text())) {
                i++;
                l = new Binary(t.offset(), t.text(), l, math1());
            } else if (t.isName("in")) {
                i++;
                l = new Binary(t.offset(), "in", l, math1());
            } else if (t.isName("not") && peek(1).isName("in")) {
                i += 2;
                l = new Binary(t.offset(), "not in", l, math1());
            } else {
                return l;
            }
        }
    }

    private Node math1() {
        Node l = concat();
        while (peek().isOp("+") || peek().isOp("-")) {
            Token t = next();
            l = new Binary(t.offset(), t.text(), l, concat());
        }
        return l;
    }

    private Node concat() {
        Node l = math2();
        while (peek().isOp("~")) {
            Token t = next();
            l = new Binary(t.offset(), "~", l, math2());
        }
        return l;
    }

    private Node math2() {
        Node l = pow();
        while (peek().isOp("*") || peek().isOp("/") || peek().isOp("//") || peek().isOp("%")) {
            Token t = next();
            l = new Binary(t.offset(), t.text(), l, pow());
        }
        return l;
    }

    private Node pow() {
        Node l = unary(true);
        while (peek().isOp("**")) {
            Token t = next();
            l = new Binary(t.offset(), "**", l, unary(true));
        }
        return l;
    }

    private Node unary(boolean withFilter) {
        Token t = peek();
        Node n;
        if (t.isOp("-") || t.isOp("+")) {
            i++;
            n = new Unary(t.offset(), t.text(), unary(false));
        } else {
            n = postfix(primary());
        }
        return withFilter ? filters(n) : n;
    }

    private Node filters(Node n) {
        while (true) {
            Token t = peek();
            if (t.isOp("|")) {
                i++;
                n = filterCall(n, t.offset());
            } else if (t.isName("is")) {
                i++;
                boolean negated = false;
                if (peek().isName("not")) {
                    i++;
                    negated = true;
                }
                Token name = next();
                if (name.kind() != Kind.NAME) {
                    throw error(name, "expected a test name after 'is', got '" + name.text() + "'");
                }
                List<Node> args = new ArrayList<>();
                if (peek().isOp("(")) {
                    i++;
                    args = callArguments(new ArrayList<>(), new ArrayList<>());
                } else if (startsTestArgument(peek())) {
                    args.add(postfix(primary()));
                }
                n = new Test(t.offset(), n, name.text(), args, negated);
            } else if (t.isOp("(")) {
                n = call(n);
            } else {
                return n;
            }
        }
    }

    private static final Set<String> NOT_AN_ARGUMENT = Set.of("and", "or", "else", "if", "in", "is", "not", "recursive");

    private static boolean startsTestArgument(Token t) {
        return switch (t.kind()) {
            case STRING, INT, FLOAT -> true;
            case NAME -> !NOT_AN_ARGUMENT.contains(t.text());
            default -> false;
        };
    }

    private Filter filterCall(Node object, int at) {
        StringBuilder name = new StringBuilder(name("a filter name"));
        while (peek().isOp(".")) { // dotted filter names are not used by chat templates, but read them whole for the error
            i++;
            name.append('.').append(name("a filter name"));
        }
        List<Node> args = new ArrayList<>();
        List<String> kwNames = new ArrayList<>();
        List<Node> kwValues = new ArrayList<>();
        if (peek().isOp("(")) {
            i++;
            args = callArguments(kwNames, kwValues);
        }
        return new Filter(at, object, name.toString(), args, kwNames, kwValues);
    }

    private Node postfix(Node n) {
        while (true) {
            Token t = peek();
            if (t.isOp(".")) {
                i++;
                Token a = next();
                if (a.kind() != Kind.NAME && a.kind() != Kind.INT) {
                    throw error(a, "expected an attribute name after '.', got '" + a.text() + "'");
                }
                n = a.kind() == Kind.INT ? new Index(t.offset(), n, new Literal(a.offset(), Long.parseLong(a.text())))
                        : new Attr(t.offset(), n, a.text());
            } else if (t.isOp("[")) {
                i++;
                n = subscript(n, t.offset());
            } else if (t.isOp("(")) {
                n = call(n);
            } else {
                return n;
            }
        }
    }

    private Node subscript(Node object, int at) {
        Node[] parts = new Node[3];
        int part = 0;
        boolean slice = false;
        while (!peek().isOp("]")) {
            if (peek().isOp(":")) {
                i++;
                slice = true;
                if (++part > 2) {
                    throw error(peek(), "a slice has at most three parts [start:stop:step]");
                }
            } else {
                if (parts[part] != null) {
                    throw error(peek(), "expected ':' or ']' in a subscript, got '" + peek().text() + "'");
                }
                parts[part] = expression(true);
            }
        }
        i++;
        if (!slice) {
            if (parts[0] == null) {
                throw error(tokens.get(i - 1), "empty subscript []");
            }
            return new Index(at, object, parts[0]);
        }
        return new Slice(at, object, parts[0], parts[1], parts[2]);
    }

    private Node call(Node callee) {
        Token t = next(); // (
        List<String> kwNames = new ArrayList<>();
        List<Node> kwValues = new ArrayList<>();
        List<Node> args = callArguments(kwNames, kwValues);
        return new Call(t.offset(), callee, args, kwNames, kwValues);
    }

    /** Arguments after '(' up to and including ')': positional, then {@code name=value}. */
    private List<Node> callArguments(List<String> kwNames, List<Node> kwValues) {
        List<Node> args = new ArrayList<>();
        while (!peek().isOp(")")) {
            if (peek().kind() == Kind.NAME && peek(1).isOp("=")) {
                kwNames.add(next().text());
                i++;
                kwValues.add(expression(true));
            } else {
                if (!kwNames.isEmpty()) {
                    throw error(peek(), "a positional argument after keyword arguments");
                }
                args.add(expression(true));
            }
            if (!peek().isOp(")")) {
                expectOp(",");
            }
        }
        i++;
        return args;
    }

    private Node primary() {
        Token t = next();
        switch (t.kind()) {
            case NAME -> {
                return switch (t.text()) {
                    case "true", "True" -> new Literal(t.offset(), Boolean.TRUE);
                    case "false", "False" -> new Literal(t.offset(), Boolean.FALSE);
                    case "none", "None" -> new Literal(t.offset(), null);
                    default -> new Name(t.offset(), t.text());
                };
            }
            case STRING -> {
                StringBuilder s = new StringBuilder(t.text());
                while (peek().kind() == Kind.STRING) { // adjacent literals concatenate, as in Python
                    s.append(next().text());
                }
                return new Literal(t.offset(), s.toString());
            }
            case INT -> {
                try {
                    return new Literal(t.offset(), Long.parseLong(t.text()));
                } catch (NumberFormatException e) {
                    throw error(t, "integer literal " + t.text() + " is out of range");
                }
            }
            case FLOAT -> {
                return new Literal(t.offset(), Double.parseDouble(t.text()));
            }
            case OP -> {
                switch (t.text()) {
                    case "(" -> {
                        if (peek().isOp(")")) {
                            i++;
                            return new TupleLit(t.offset(), List.of());
                        }
                        Node e = expression(true);
                        if (peek().isOp(",")) {
                            List<Node> items = new ArrayList<>(List.of(e));
                            while (peek().isOp(",")) {
                                i++;
                                if (peek().isOp(")")) {
                                    break;
                                }
                                items.add(expression(true));
                            }
                            expectOp(")");
                            return new TupleLit(t.offset(), items);
                        }
                        expectOp(")");
                        return e;
                    }
                    case "[" -> {
                        List<Node> items = new ArrayList<>();
                        while (!peek().isOp("]")) {
                            items.add(expression(true));
                            if (!peek().isOp("]")) {
                                expectOp(",");
                            }
                        }
                        i++;
                        return new ListLit(t.offset(), items);
                    }
                    case "{" -> {
                        List<Node> keys = new ArrayList<>();
                        List<Node> values = new ArrayList<>();
                        while (!peek().isOp("}")) {
                            keys.add(expression(true));
                            expectOp(":");
                            values.add(expression(true));
                            if (!peek().isOp("}")) {
                                expectOp(",");
                            }
                        }
                        i++;
                        return new DictLit(t.offset(), keys, values);
                    }
                    default -> {
                    }
                }
            }
            default -> {
            }
        }
        throw error(t, t.kind() == Kind.CLOSE || t.kind() == Kind.EOF ? "expected an expression before the end of the tag"
                : "expected an expression, got '" + t.text() + "'");
    }

    // ---- token helpers

    private Token peek() {
        return tokens.get(i);
    }

    private Token peek(int k) {
        return tokens.get(Math.min(i + k, tokens.size() - 1));
    }

    private Token next() {
        Token t = tokens.get(i);
        if (t.kind() != Kind.EOF) {
            i++;
        }
        return t;
    }

    private String name(String what) {
        Token t = next();
        if (t.kind() != Kind.NAME) {
            throw error(t, "expected " + what + ", got '" + t.text() + "'");
        }
        return t.text();
    }

    private void expectName(String name) {
        Token t = next();
        if (!t.isName(name)) {
            throw error(t, "expected '" + name + "', got '" + t.text() + "'");
        }
    }

    private void expectOp(String op) {
        Token t = next();
        if (!t.isOp(op)) {
            throw error(t, "expected '" + op + "', got '" + (t.kind() == Kind.EOF ? "the end of the template" : t.text()) + "'");
        }
    }

    private void expectClose() {
        Token t = next();
        if (t.kind() != Kind.CLOSE) {
            throw error(t, "expected the end of the tag, got '" + t.text() + "'");
        }
    }

    private JinjaException error(Token t, String message) {
        return JinjaException.at(src, t.offset(), message);
    }
}
