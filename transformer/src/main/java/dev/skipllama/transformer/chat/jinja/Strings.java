package dev.skipllama.transformer.chat.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Python's string methods as templates use them: strip, split, title, format, … */
final class Strings {
    private Strings() {
    }

    /** Python's strip/lstrip/rstrip: whitespace, or any of {@code chars}. */
    static String strip(String s, String chars, boolean left, boolean right) {
        int a = 0, b = s.length();
        while (left && a < b && strippable(s.charAt(a), chars)) {
            a++;
        }
        while (right && b > a && strippable(s.charAt(b - 1), chars)) {
            b--;
        }
        return s.substring(a, b);
    }

    private static boolean strippable(char c, String chars) {
        return chars == null ? Character.isWhitespace(c) || Character.isSpaceChar(c) : chars.indexOf(c) >= 0;
    }

    static String title(String s) {
        StringBuilder b = new StringBuilder(s.length());
        boolean prevLetter = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(prevLetter ? Character.toLowerCase(c) : Character.toUpperCase(c));
            prevLetter = Character.isLetter(c);
        }
        return b.toString();
    }

    static String capitalize(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1).toLowerCase(Locale.ROOT);
    }

    /** Python's str.split: on runs of whitespace when {@code sep} is null, else on each {@code sep}. */
    static List<Object> split(String s, String sep, int maxSplit) {
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int i = 0, n = s.length();
            while (true) {
                while (i < n && Character.isWhitespace(s.charAt(i))) {
                    i++;
                }
                if (i >= n) {
                    return out;
                }
                if (maxSplit >= 0 && out.size() == maxSplit) {
                    out.add(strip(s.substring(i), null, false, true));
                    return out;
                }
                int j = i;
                while (j < n && !Character.isWhitespace(s.charAt(j))) {
                    j++;
                }
                out.add(s.substring(i, j));
                i = j;
            }
        }
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("empty separator");
        }
        int at = 0;
        while (maxSplit < 0 || out.size() < maxSplit) {
            int f = s.indexOf(sep, at);
            if (f < 0) {
                break;
            }
            out.add(s.substring(at, f));
            at = f + sep.length();
        }
        out.add(s.substring(at));
        return out;
    }

    static List<Object> rsplit(String s, String sep, int maxSplit) {
        if (maxSplit < 0 || sep == null) {
            return split(s, sep, maxSplit);
        }
        List<Object> out = new ArrayList<>();
        int end = s.length();
        while (out.size() < maxSplit) {
            int f = s.lastIndexOf(sep, end - sep.length());
            if (f < 0 || end - sep.length() < 0) {
                break;
            }
            out.add(0, s.substring(f + sep.length(), end));
            end = f;
        }
        out.add(0, s.substring(0, end));
        return out;
    }

    static int count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.length() + 1;
        }
        int n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }

    /** {@code "{} and {}".format(a, b)} with positional {@code {}} and {@code {0}} fields. */
    static String format(String s, List<Object> args) {
        StringBuilder b = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '{' && i + 1 < s.length() && s.charAt(i + 1) == '{') {
                b.append('{');
                i++;
            } else if (c == '}' && i + 1 < s.length() && s.charAt(i + 1) == '}') {
                b.append('}');
                i++;
            } else if (c == '{') {
                int close = s.indexOf('}', i);
                if (close < 0) {
                    throw new IllegalArgumentException("a '{' in a format string is never closed");
                }
                String field = s.substring(i + 1, close);
                int k = field.isEmpty() ? auto++ : Integer.parseInt(field);
                if (k >= args.size()) {
                    throw new IllegalArgumentException("format field {" + field + "} has no argument");
                }
                b.append(Values.str(args.get(k)));
                i = close;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    static String escapeHtml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&#34;").replace("'", "&#39;");
    }

    /** Jinja's indent filter: every line but the first (unless {@code first}) indented; blank lines only with {@code blank}. */
    static String indent(String s, List<Object> args, Map<String, Object> kw) {
        Object width = kw.containsKey("width") ? kw.get("width") : args.isEmpty() ? 4L : args.get(0);
        String pad = width instanceof String w ? w : " ".repeat((int) Builtins.integer(width, "indent width"));
        boolean first = Values.truthy(kw.containsKey("first") ? kw.get("first") : args.size() > 1 ? args.get(1) : false);
        boolean blank = Values.truthy(kw.containsKey("blank") ? kw.get("blank") : args.size() > 2 ? args.get(2) : false);
        String[] lines = s.split("\n", -1);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            if (i > 0) {
                b.append('\n');
            }
            if ((i > 0 || first) && (blank || !lines[i].isBlank())) {
                b.append(pad);
            }
            b.append(lines[i]);
        }
        return b.toString();
    }
}
