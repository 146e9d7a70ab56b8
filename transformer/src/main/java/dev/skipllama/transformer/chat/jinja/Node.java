package dev.skipllama.transformer.chat.jinja;

import java.util.List;

/** The syntax tree of a template: statements, and the expressions inside them. */
sealed interface Node {

    /** Where the node starts in the template source, for error messages. */
    int offset();

    // ---- statements

    record Text(int offset, String text) implements Node {
    }

    record Output(int offset, Node expr) implements Node {
    }

    record If(int offset, List<Node> conditions, List<List<Node>> bodies, List<Node> orElse) implements Node {
    }

    /** {@code for a[, b] in iterable [if filter]} ... {@code [else]} ... {@code endfor}. */
    record For(int offset, List<String> targets, Node iterable, Node filter, List<Node> body, List<Node> orElse) implements Node {
    }

    /** {@code set target = value}; target is a {@link Name}, an {@link Attr} (namespace attribute) or a {@link TupleLit} of names. */
    record Set(int offset, Node target, Node value) implements Node {
    }

    /** {@code set name} ... {@code endset}: the rendered body as a string. */
    record SetBlock(int offset, String name, List<Node> body) implements Node {
    }

    record Macro(int offset, String name, List<String> params, List<Node> defaults, List<Node> body) implements Node {
    }

    /** {@code do expr}: evaluated for its effect (e.g. {@code list.append(x)}). */
    record Do(int offset, Node expr) implements Node {
    }

    record Break(int offset) implements Node {
    }

    record Continue(int offset) implements Node {
    }

    /** {@code filter name} ... {@code endfilter}: the body rendered, then filtered. */
    record FilterBlock(int offset, Filter filter, List<Node> body) implements Node {
    }

    // ---- expressions

    record Literal(int offset, Object value) implements Node {
    }

    record Name(int offset, String name) implements Node {
    }

    record Attr(int offset, Node object, String name) implements Node {
    }

    record Index(int offset, Node object, Node index) implements Node {
    }

    record Slice(int offset, Node object, Node start, Node stop, Node step) implements Node {
    }

    record Call(int offset, Node callee, List<Node> args, List<String> kwNames, List<Node> kwValues) implements Node {
    }

    /** {@code object | name(args)}; {@code object} is null inside a {@link FilterBlock}. */
    record Filter(int offset, Node object, String name, List<Node> args, List<String> kwNames, List<Node> kwValues) implements Node {
    }

    record Test(int offset, Node object, String name, List<Node> args, boolean negated) implements Node {
    }

    record Unary(int offset, String op, Node operand) implements Node {
    }

    record Binary(int offset, String op, Node left, Node right) implements Node {
    }

    record Conditional(int offset, Node then, Node condition, Node orElse) implements Node {
    }

    record ListLit(int offset, List<Node> items) implements Node {
    }

    record TupleLit(int offset, List<Node> items) implements Node {
    }

    record DictLit(int offset, List<Node> keys, List<Node> values) implements Node {
    }
}
