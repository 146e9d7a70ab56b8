package dev.skipllama.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A subcommand's declared options, their help, and the parse of one command line. Every option is
 * declared once with its help text, so {@code --help} and the errors for unknown or malformed options
 * come from the same place.
 */
final class Options {
    private record Spec(String name, String metavar, String help, String defaultValue) {
        boolean isFlag() {
            return metavar == null;
        }
    }

    private final String command;
    private final String synopsis;
    private final String description;
    private final Map<String, Spec> specs = new LinkedHashMap<>();
    /** Short forms: "-m" → "--model". */
    private final Map<String, String> aliases = new LinkedHashMap<>();
    /** Options that may be given several times (all values kept, e.g. --stop). */
    private final java.util.Set<String> repeatable = new java.util.HashSet<>();
    private final List<String[]> positionals = new ArrayList<>(); // {name, help}

    Options(String command, String synopsis, String description) {
        this.command = command;
        this.synopsis = synopsis;
        this.description = description;
        flag("--help", "show this help");
    }

    /** An option with a value; {@code defaultValue} null means none (the option is then optional or required by the command). */
    Options opt(String name, String metavar, String help, String defaultValue) {
        specs.put(name, new Spec(name, metavar, help, defaultValue));
        return this;
    }

    /** A short form for a declared option, e.g. {@code alias("-m", "--model")}. */
    Options alias(String shortName, String longName) {
        if (!specs.containsKey(longName)) {
            throw new IllegalStateException(longName + " is not declared for " + command);
        }
        aliases.put(shortName, longName);
        return this;
    }

    /** Lets an option be given more than once; {@link Parsed#getAll} returns every value. */
    Options repeatable(String name) {
        repeatable.add(name);
        return this;
    }

    Options flag(String name, String help) {
        specs.put(name, new Spec(name, null, help, null));
        return this;
    }

    Options positional(String name, String help) {
        positionals.add(new String[]{name, help});
        return this;
    }

    String command() {
        return command;
    }

    Parsed parse(String[] args) {
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, List<String>> all = new LinkedHashMap<>();
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h")) {
                a = "--help";
            } else if (a.length() > 1 && a.startsWith("-") && !a.startsWith("--") && !isNumber(a)) {
                String full = aliases.get(a);
                if (full == null) {
                    throw new UsageException("unknown option " + a + " (short options of '" + command + "': "
                            + (aliases.isEmpty() ? "none" : String.join(", ", aliases.entrySet().stream()
                            .map(e -> e.getKey() + " = " + e.getValue()).toList())) + ")");
                }
                a = full;
            }
            if (a.startsWith("--")) {
                String name = a, inline = null;
                int eq = a.indexOf('=');
                if (eq > 0) {
                    name = a.substring(0, eq);
                    inline = a.substring(eq + 1);
                }
                Spec s = specs.get(name);
                if (s == null) {
                    throw new UsageException("unknown option " + name + " (options of '" + command + "': "
                            + String.join(", ", specs.keySet()) + ")");
                }
                if (s.isFlag()) {
                    if (inline != null) {
                        throw new UsageException(name + " takes no value");
                    }
                    values.put(name, "true");
                } else if (inline != null || i + 1 < args.length) {
                    String v = inline != null ? inline : args[++i];
                    if (values.containsKey(name) && !repeatable.contains(name)) {
                        throw new UsageException(name + " was given twice ('" + values.get(name) + "' and '" + v + "'); give it once");
                    }
                    values.put(name, v);
                    all.computeIfAbsent(name, k -> new ArrayList<>()).add(v);
                } else {
                    throw new UsageException(name + " needs a value: " + name + " " + s.metavar());
                }
            } else {
                rest.add(a);
            }
        }
        if (values.containsKey("--help")) {
            return new Parsed(this, values, all, rest);
        }
        if (rest.size() > positionals.size()) {
            throw new UsageException("unexpected argument '" + rest.get(positionals.size()) + "'"
                    + (positionals.isEmpty() ? "; '" + command + "' takes only options" : ""));
        }
        return new Parsed(this, values, all, rest);
    }

    private static boolean isNumber(String s) {
        return s.matches("-\\d+(\\.\\d*)?");
    }

    String help() {
        StringBuilder b = new StringBuilder();
        b.append("usage: skipllama ").append(command).append(' ').append(synopsis).append("\n\n");
        b.append(description).append("\n");
        if (!positionals.isEmpty()) {
            b.append("\narguments:\n");
            for (String[] p : positionals) {
                b.append(String.format(Locale.ROOT, "  %-24s %s%n", p[0], p[1]));
            }
        }
        b.append("\noptions:\n");
        for (Spec s : specs.values()) {
            String shortName = aliases.entrySet().stream().filter(e -> e.getValue().equals(s.name())).map(Map.Entry::getKey)
                    .findFirst().map(x -> x + ", ").orElse("");
            String left = shortName + (s.isFlag() ? s.name() : s.name() + " " + s.metavar());
            String help = s.help() + (s.defaultValue() != null ? " (default: " + s.defaultValue() + ")" : "");
            b.append(String.format(Locale.ROOT, "  %-24s %s%n", left, help));
        }
        return b.toString();
    }

    /** One parsed command line: typed getters whose errors name the option and the bad value. */
    static final class Parsed {
        private final Options options;
        private final Map<String, String> values;
        private final Map<String, List<String>> all;
        private final List<String> positionals;

        Parsed(Options options, Map<String, String> values, Map<String, List<String>> all, List<String> positionals) {
            this.options = options;
            this.values = values;
            this.all = all;
            this.positionals = positionals;
        }

        /** Every value of a repeatable option, in order; empty when it was not given. */
        List<String> getAll(String name) {
            spec(name);
            return all.getOrDefault(name, List.of());
        }

        boolean help() {
            return values.containsKey("--help");
        }

        boolean has(String name) {
            return values.containsKey(name);
        }

        String get(String name) {
            Spec s = spec(name);
            return values.getOrDefault(name, s.defaultValue());
        }

        String require(String name) {
            String v = get(name);
            if (v == null) {
                throw new UsageException(name + " " + spec(name).metavar() + " is required");
            }
            return v;
        }

        int getInt(String name, int min, int max) {
            int x = parse(name, "an integer", Integer::parseInt);
            if (x < min || x > max) {
                throw new UsageException(name + " must be in [" + min + ", " + max + "], got " + x);
            }
            return x;
        }

        long getLong(String name) {
            return parse(name, "an integer", Long::parseLong);
        }

        float getFloat(String name, float min, float max) {
            float x = parse(name, "a number", Float::parseFloat);
            if (!(x >= min && x <= max)) {
                throw new UsageException(name + " must be in [" + min + ", " + max + "], got " + get(name));
            }
            return x;
        }

        private <T> T parse(String name, String kind, java.util.function.Function<String, T> parser) {
            String v = require(name);
            try {
                return parser.apply(v.trim());
            } catch (NumberFormatException e) {
                throw new UsageException(name + " expects " + kind + ", got '" + v + "'");
            }
        }

        Path path(String name) {
            String v = get(name);
            return v == null ? null : Path.of(v);
        }

        /** The i-th positional argument, required. */
        String positional(int i) {
            if (i >= positionals.size()) {
                throw new UsageException("missing argument " + options.positionals.get(i)[0]);
            }
            return positionals.get(i);
        }

        private Spec spec(String name) {
            Spec s = options.specs.get(name);
            if (s == null) {
                throw new IllegalStateException("option " + name + " was never declared for " + options.command);
            }
            return s;
        }
    }
}
