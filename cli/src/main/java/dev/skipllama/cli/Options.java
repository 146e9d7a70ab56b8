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
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
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
                } else if (inline != null) {
                    values.put(name, inline);
                } else if (i + 1 < args.length) {
                    values.put(name, args[++i]);
                } else {
                    throw new UsageException(name + " needs a value: " + name + " " + s.metavar());
                }
            } else {
                rest.add(a);
            }
        }
        if (values.containsKey("--help")) {
            return new Parsed(this, values, rest);
        }
        if (rest.size() > positionals.size()) {
            throw new UsageException("unexpected argument '" + rest.get(positionals.size()) + "'"
                    + (positionals.isEmpty() ? "; '" + command + "' takes only options" : ""));
        }
        return new Parsed(this, values, rest);
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
            String left = s.isFlag() ? s.name() : s.name() + " " + s.metavar();
            String help = s.help() + (s.defaultValue() != null ? " (default: " + s.defaultValue() + ")" : "");
            b.append(String.format(Locale.ROOT, "  %-24s %s%n", left, help));
        }
        return b.toString();
    }

    /** One parsed command line: typed getters whose errors name the option and the bad value. */
    static final class Parsed {
        private final Options options;
        private final Map<String, String> values;
        private final List<String> positionals;

        Parsed(Options options, Map<String, String> values, List<String> positionals) {
            this.options = options;
            this.values = values;
            this.positionals = positionals;
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
