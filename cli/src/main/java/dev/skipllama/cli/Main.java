package dev.skipllama.cli;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The {@code skipllama} command line: {@code skipllama COMMAND [options]}, {@code --help} on each.
 * Exit status 0 on success, 2 for a command line to fix, 1 for anything else (a bad model file, an
 * I/O error); errors are one line naming what was expected and what was found, with the stack trace
 * only when {@code SKIPLLAMA_DEBUG} is set.
 */
public final class Main {
    /** A subcommand: its options (with help) and what it does. */
    private record Command(String summary, Supplier<Options> options, Runner runner) {
    }

    @FunctionalInterface
    private interface Runner {
        int run(Options.Parsed p, Io io) throws Exception;
    }

    private static final Map<String, Command> COMMANDS = new LinkedHashMap<>();

    static {
        COMMANDS.put("generate", new Command("stream a continuation of a prompt (any skipping method or self-speculation)",
                GenerateCommand::options, GenerateCommand::run));
        COMMANDS.put("chat", new Command("interactive chat in the model's own chat template (line editing, history)",
                ChatCommand::options, ChatCommand::run));
        COMMANDS.put("serve", new Command("an OpenAI-compatible HTTP server (chat and text completions, streaming)",
                ServeCommand::options, ServeCommand::run));
        COMMANDS.put("convert", new Command("Hugging Face checkpoint → GGUF (F32, F16, BF16, Q8_0, Q4_0)",
                ConvertCommand::convertOptions, ConvertCommand::convert));
        COMMANDS.put("quantize", new Command("GGUF → GGUF with the weights in another type",
                ConvertCommand::quantizeOptions, ConvertCommand::quantize));
        COMMANDS.put("calibrate", new Command("compute a static skipping plan on calibration text",
                CalibrateCommand::options, CalibrateCommand::run));
        COMMANDS.put("eval", new Command("perplexity, or the table of every skipping method",
                EvalCommand::options, EvalCommand::run));
        COMMANDS.put("bench", new Command("prompt and generation tokens/s, as llama-bench measures them",
                BenchCommand::options, BenchCommand::run));
    }

    private Main() {
    }

    public static void main(String[] args) {
        boolean terminal = System.console() != null && System.console().isTerminal();
        Io io = new Io(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)),
                new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8), System.err, terminal);
        System.exit(run(args, io));
    }

    /**
     * Runs one command line; returns the exit status. A PrintStream never throws: it only records that
     * a write failed, so the status checks it at the end ({@code generate > /dev/full} used to lose the
     * text and exit 0).
     */
    static int run(String[] args, Io io) {
        int status = dispatch(args, io);
        if (io.out().checkError()) {
            io.err().println("skipllama" + (args.length > 0 ? " " + args[0] : "") + ": error: cannot write to standard output "
                    + "(a full disk, or a closed pipe or descriptor): the output is incomplete");
            return 1;
        }
        return status;
    }

    private static int dispatch(String[] args, Io io) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            if (args.length > 1 && COMMANDS.containsKey(args[1])) {
                io.out().print(COMMANDS.get(args[1]).options().get().help());
            } else {
                io.out().print(usage());
            }
            return 0;
        }
        if (args[0].equals("--version") || args[0].equals("-V") || args.length > 1 && args[1].equals("--version")) {
            io.out().println("skipllama " + version() + " (Java " + Runtime.version() + ", " + System.getProperty("os.arch") + ")");
            return 0;
        }
        Command c = COMMANDS.get(args[0]);
        if (c == null) {
            io.err().println("skipllama: unknown command '" + args[0] + "'\n");
            io.err().print(usage());
            return 2;
        }
        Options options = c.options().get();
        try {
            Options.Parsed p = options.parse(java.util.Arrays.copyOfRange(args, 1, args.length));
            if (p.help()) {
                io.out().print(options.help());
                return 0;
            }
            return c.runner().run(p, io);
        } catch (UsageException e) {
            io.err().println("skipllama " + args[0] + ": " + e.getMessage());
            io.err().println("run 'skipllama " + args[0] + " --help' for its options");
            return 2;
        } catch (Exception | OutOfMemoryError | InternalError e) {
            Throwable t = e instanceof UncheckedIOException u ? u.getCause() : e;
            String msg = switch (t) {
                // what is left of a fault the commands could not pin on a model file (they name it when they can)
                case InternalError f when String.valueOf(f.getMessage()).contains("unsafe memory access") ->
                        "a file read through a memory mapping was truncated or changed while in use (" + f.getMessage() + ")";
                // the JDK's file exceptions carry only the path as their message, unless given a reason
                case java.nio.file.NoSuchFileException f when f.getReason() == null -> "no such file: " + f.getMessage();
                case java.nio.file.AccessDeniedException f when f.getReason() == null -> "permission denied: " + f.getMessage();
                case java.nio.file.FileSystemException f when f.getReason() == null -> f.getClass().getSimpleName() + ": " + f.getMessage();
                default -> t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
            };
            io.err().println("skipllama " + args[0] + ": error: " + msg);
            if (System.getenv("SKIPLLAMA_DEBUG") != null) {
                e.printStackTrace(io.err());
            }
            return 1;
        }
    }

    static String usage() {
        StringBuilder b = new StringBuilder("""
                usage: skipllama COMMAND [options]     (skipllama COMMAND --help for its options)

                A pure-Java Llama inference engine that does less work per token: early exit,
                layer skipping and self-speculative decoding.

                commands:
                """);
        COMMANDS.forEach((name, c) -> b.append(String.format(Locale.ROOT, "  %-10s %s%n", name, c.summary())));
        b.append("""

                Without --model (-m), commands use the embedded model (models/tiny-layerskip).

                Skipping methods (--skip SPEC, "skip" in server requests):
                """);
        for (String spec : dev.skipllama.skip.SkipMethods.specForms()) {
            b.append("  ").append(spec).append('\n');
        }
        b.append("""

                Examples:
                  skipllama generate -p "Once upon a time" --skip exit:6
                  echo "Once upon a time" | skipllama generate -p - -n 32 --json
                  skipllama generate --speculate 6,3
                  skipllama chat -m Llama-3.2-1B-Instruct-Q8_0.gguf
                  skipllama serve -m Llama-3.2-1B-Instruct-Q8_0.gguf --port 8080 --parallel 2
                  skipllama eval --text models/tiny-layerskip/eval/heldout.txt --skip last25 --json

                skipllama --version prints the version. The JVM's "WARNING: Using incubator modules: jdk.incubator.vector"
                is expected (the SIMD kernels use the Vector API, an incubator module in JDK 25); bin/skipllama hides it.
                """);
        return b.toString();
    }

    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v != null ? v : "(development build)";
    }
}
