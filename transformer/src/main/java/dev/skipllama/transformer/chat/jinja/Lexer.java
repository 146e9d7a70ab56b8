package dev.skipllama.transformer.chat.jinja;

import dev.skipllama.transformer.chat.jinja.Token.Kind;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a template into text and tag tokens with the whitespace control chat templates are rendered
 * with (Hugging Face's {@code apply_chat_template} and llama.cpp both set {@code trim_blocks} and
 * {@code lstrip_blocks}):
 * <ul>
 *   <li>{@code lstrip_blocks}: spaces and tabs from the start of a line up to a {@code {%} or
 *       {@code {#} tag are dropped;</li>
 *   <li>{@code trim_blocks}: the first newline after a {@code %}} or {@code #}} tag is dropped;</li>
 *   <li>{@code {%-}, {@code {{-}, {@code {#-} strip all whitespace before the tag, {@code -%}},
 *       {@code -}}}, {@code -#}} all whitespace after it.</li>
 * </ul>
 * The order of these steps is llama.cpp's (its lexer applies them to each text in this order).
 */
final class Lexer {
    private final String src;
    private final List<Token> tokens = new ArrayList<>();
    private int pos;
    /** How the previous tag closed: its close character ('}', '%' or '#') and whether with '-'. */
    private char lastClose = '%';
    private boolean lastTrimAfter;
    private boolean first = true;

    private Lexer(String src) {
        this.src = src;
    }

    static List<Token> tokenize(String source) {
        Lexer l = new Lexer(source);
        l.run();
        return l.tokens;
    }

    private void run() {
        while (pos < src.length()) {
            text();
            if (pos >= src.length()) {
                break;
            }
            char kind = src.charAt(pos + 1);
            if (kind == '#') {
                comment();
            } else {
                tag(kind);
            }
        }
        tokens.add(new Token(Kind.EOF, "", src.length()));
    }

    private boolean tagStart(int i) {
        return i + 1 < src.length() && src.charAt(i) == '{' && "{%#".indexOf(src.charAt(i + 1)) >= 0;
    }

    /** The text up to the next tag, with whitespace control applied. */
    private void text() {
        int start = pos;
        while (pos < src.length() && !tagStart(pos)) {
            pos++;
        }
        int end = pos;
        boolean beforeTag = pos < src.length();
        boolean beforeBlock = beforeTag && src.charAt(pos + 1) != '{';
        if (beforeBlock) { // lstrip_blocks: only whitespace between the line's start and the tag
            int i = end;
            while (i > start && isSpace(src.charAt(i - 1)) && src.charAt(i - 1) != '\n') {
                i--;
            }
            if (i > start ? src.charAt(i - 1) == '\n' : start == 0 || src.charAt(start - 1) == '\n') {
                end = i;
            }
        }
        String text = src.substring(start, end);
        if (!first && lastClose != '}' && text.startsWith("\n")) { // trim_blocks
            text = text.substring(1);
        }
        if (lastTrimAfter) {
            text = stripLeading(text);
        }
        if (beforeTag && pos + 2 < src.length() && src.charAt(pos + 2) == '-') {
            text = stripTrailing(text);
        }
        first = false;
        if (!text.isEmpty()) {
            tokens.add(new Token(Kind.TEXT, text, start));
        }
    }

    private void comment() {
        int open = pos;
        int close = src.indexOf("#}", pos + 2);
        if (close < 0) {
            throw JinjaException.at(src, open, "a comment {# is never closed with #}");
        }
        lastTrimAfter = src.charAt(close - 1) == '-' && close - 1 >= open + 2;
        lastClose = '#';
        pos = close + 2;
    }

    private void tag(char kind) {
        int open = pos;
        boolean expr = kind == '{';
        tokens.add(new Token(expr ? Kind.EXPR_OPEN : Kind.STMT_OPEN, expr ? "{{" : "{%", open));
        pos += 2;
        if (pos < src.length() && (src.charAt(pos) == '-' || src.charAt(pos) == '+')) {
            pos++;
        }
        int depth = 0; // brackets open inside the tag: a '}' closing a dict literal is not the tag's end
        while (true) {
            while (pos < src.length() && isSpace(src.charAt(pos))) {
                pos++;
            }
            if (pos >= src.length()) {
                throw JinjaException.at(src, open, "a tag opened with " + (expr ? "{{" : "{%") + " is never closed with "
                        + (expr ? "}}" : "%}"));
            }
            String closer = expr ? "}}" : "%}";
            boolean trim = (src.charAt(pos) == '-' || src.charAt(pos) == '+') && src.startsWith(closer, pos + 1);
            if (depth == 0 && (src.startsWith(closer, pos) || trim)) {
                pos += trim ? 3 : 2;
                tokens.add(new Token(Kind.CLOSE, closer, pos - 2));
                lastClose = expr ? '}' : '%';
                lastTrimAfter = trim && src.charAt(pos - 3) == '-';
                return;
            }
            char c = src.charAt(pos);
            if (c == '\'' || c == '"') {
                string(c);
            } else if (Character.isDigit(c)) {
                number();
            } else if (Character.isLetter(c) || c == '_') {
                int s = pos;
                while (pos < src.length() && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
                    pos++;
                }
                tokens.add(new Token(Kind.NAME, src.substring(s, pos), s));
            } else {
                String op = operator();
                if (op == null) {
                    throw JinjaException.at(src, pos, "unexpected character '" + c + "' in a tag");
                }
                depth += switch (op) {
                    case "(", "[", "{" -> 1;
                    case ")", "]", "}" -> -1;
                    default -> 0;
                };
                tokens.add(new Token(Kind.OP, op, pos));
                pos += op.length();
            }
        }
    }

    private static final String[] OPERATORS = {"==", "!=", "<=", ">=", "//", "**", "+", "-", "*", "/", "%", "~", "|", ".",
            ",", ":", "(", ")", "[", "]", "{", "}", "=", "<", ">"};

    private String operator() {
        for (String op : OPERATORS) {
            if (src.startsWith(op, pos)) {
                return op;
            }
        }
        return null;
    }

    private void string(char quote) {
        int s = pos++;
        StringBuilder b = new StringBuilder();
        while (true) {
            if (pos >= src.length()) {
                throw JinjaException.at(src, s, "a string literal is never closed with " + quote);
            }
            char c = src.charAt(pos++);
            if (c == quote) {
                break;
            }
            if (c == '\\' && pos < src.length()) {
                char e = src.charAt(pos++);
                switch (e) {
                    case 'n' -> b.append('\n');
                    case 't' -> b.append('\t');
                    case 'r' -> b.append('\r');
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'u' -> {
                        if (pos + 4 > src.length()) {
                            throw JinjaException.at(src, pos - 2, "a \\u escape needs four hex digits");
                        }
                        try {
                            b.append((char) Integer.parseInt(src.substring(pos, pos + 4), 16));
                        } catch (NumberFormatException ex) {
                            throw JinjaException.at(src, pos - 2, "a \\u escape needs four hex digits, got '"
                                    + src.substring(pos, pos + 4) + "'");
                        }
                        pos += 4;
                    }
                    case '\\', '\'', '"' -> b.append(e);
                    default -> b.append('\\').append(e); // Python keeps unknown escapes as they are
                }
            } else {
                b.append(c);
            }
        }
        tokens.add(new Token(Kind.STRING, b.toString(), s));
    }

    private void number() {
        int s = pos;
        while (pos < src.length() && (Character.isDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
            pos++;
        }
        boolean isFloat = false;
        if (pos + 1 < src.length() && src.charAt(pos) == '.' && Character.isDigit(src.charAt(pos + 1))) {
            isFloat = true;
            pos++;
            while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
                pos++;
            }
        }
        if (pos < src.length() && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
            int e = pos + 1;
            if (e < src.length() && (src.charAt(e) == '+' || src.charAt(e) == '-')) {
                e++;
            }
            if (e < src.length() && Character.isDigit(src.charAt(e))) {
                isFloat = true;
                pos = e;
                while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
                    pos++;
                }
            }
        }
        tokens.add(new Token(isFloat ? Kind.FLOAT : Kind.INT, src.substring(s, pos).replace("_", ""), s));
    }

    static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0B;
    }

    private static String stripLeading(String s) {
        int i = 0;
        while (i < s.length() && isSpace(s.charAt(i))) {
            i++;
        }
        return s.substring(i);
    }

    private static String stripTrailing(String s) {
        int i = s.length();
        while (i > 0 && isSpace(s.charAt(i - 1))) {
            i--;
        }
        return s.substring(0, i);
    }
}
