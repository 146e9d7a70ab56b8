package dev.skipllama.skip;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A parsed method spec {@code name[:argument][,key=value]...}, with typed accessors whose errors
 * quote the whole spec. Options not read by the method are reported as unknown.
 */
final class Spec {
    final String text;
    final String name;
    final String argument; // null when absent
    private final Map<String, String> options = new LinkedHashMap<>();

    Spec(String text) {
        if (text == null || text.isBlank()) {
            throw new SkipSpecException("empty skip method spec; " + SkipMethods.USAGE);
        }
        this.text = text.strip();
        int colon = this.text.indexOf(':');
        String head = colon < 0 ? this.text : this.text.substring(0, colon);
        String rest = colon < 0 ? null : this.text.substring(colon + 1);
        String[] parts = rest == null ? new String[0] : rest.split(",", -1);
        this.name = head.strip().toLowerCase(java.util.Locale.ROOT);
        this.argument = parts.length == 0 ? null : parts[0].strip();
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq <= 0) {
                throw error("option '" + parts[i].strip() + "' is not of the form key=value");
            }
            String key = parts[i].substring(0, eq).strip(), value = parts[i].substring(eq + 1).strip();
            if (options.put(key, value) != null) {
                throw error("option '" + key + "' given twice");
            }
        }
    }

    SkipSpecException error(String what) {
        return new SkipSpecException("bad skip method spec '" + text + "': " + what);
    }

    void noArgument() {
        if (argument != null) {
            throw error("'" + name + "' takes no argument");
        }
    }

    String requireArgument(String what) {
        if (argument == null || argument.isEmpty()) {
            throw error("'" + name + "' needs " + what + ", e.g. " + SkipMethods.example(name));
        }
        return argument;
    }

    int intArgument(String what, int min, int max) {
        return toInt(requireArgument(what), what, min, max);
    }

    double doubleArgument(String what, double min, double max) {
        return toDouble(requireArgument(what), what, min, max);
    }

    int intOption(String key, int fallback, int min, int max) {
        String v = options.remove(key);
        return v == null ? fallback : toInt(v, "option " + key, min, max);
    }

    double doubleOption(String key, double fallback, double min, double max) {
        String v = options.remove(key);
        return v == null ? fallback : toDouble(v, "option " + key, min, max);
    }

    String choiceOption(String key, String fallback, String... allowed) {
        String v = options.remove(key);
        if (v == null) {
            return fallback;
        }
        for (String a : allowed) {
            if (a.equals(v)) {
                return v;
            }
        }
        throw error("option " + key + " must be one of " + String.join(", ", allowed) + ", got '" + v + "'");
    }

    /** Call after reading every option the method knows. */
    void noMoreOptions() {
        if (!options.isEmpty()) {
            throw error("unknown option(s) " + options.keySet() + " for '" + name + "'");
        }
    }

    int toInt(String s, String what, int min, int max) {
        int v;
        try {
            v = Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw error(what + " must be an integer, got '" + s + "'");
        }
        if (v < min || v > max) {
            throw error(what + " must be in [" + min + ", " + max + "], got " + v);
        }
        return v;
    }

    double toDouble(String s, String what, double min, double max) {
        double v;
        try {
            v = Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw error(what + " must be a number, got '" + s + "'");
        }
        if (!(v >= min && v <= max)) {
            String range = min == Double.MIN_VALUE ? "(0, " + max + "]" : "[" + min + ", " + max + "]";
            throw error(what + " must be in " + range + ", got " + s);
        }
        return v;
    }
}
