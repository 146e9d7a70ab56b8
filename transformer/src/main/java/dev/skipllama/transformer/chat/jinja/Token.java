package dev.skipllama.transformer.chat.jinja;

/** One lexical token of a template: literal text, a tag's delimiters, or a piece of an expression. */
record Token(Kind kind, String text, int offset) {
    enum Kind {
        /** Text outside tags, whitespace control already applied. */
        TEXT,
        /** {@code {{} */
        EXPR_OPEN,
        /** {@code {%} */
        STMT_OPEN,
        /** {@code }}} or {@code %}} */
        CLOSE,
        NAME, STRING, INT, FLOAT,
        /** An operator or punctuation: {@code == != <= >= // ** + - * / % ~ | . , : ( ) [ ] { } = < >} */
        OP,
        EOF
    }

    boolean is(Kind k, String t) {
        return kind == k && text.equals(t);
    }

    boolean isOp(String t) {
        return is(Kind.OP, t);
    }

    boolean isName(String t) {
        return is(Kind.NAME, t);
    }
}
