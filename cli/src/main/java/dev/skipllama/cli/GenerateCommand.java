package dev.skipllama.cli;

import dev.skipllama.transformer.generate.DecodeStats;
import dev.skipllama.transformer.model.Generation;
import dev.skipllama.transformer.model.Session;
import java.util.Locale;

/** {@code skipllama generate}: stream a continuation of a prompt and report speed and layers used. */
final class GenerateCommand {
    private GenerateCommand() {
    }

    static Options options() {
        Options o = new Options("generate", "[options]",
                "Streams a continuation of --prompt, then prints prompt and generation speed and the layers used per token.");
        o.opt("--prompt", "TEXT", "the text to continue", "Once upon a time")
                .opt("--tokens", "N", "new tokens at most", "64")
                .opt("--color", "WHEN", "colour each token by the layers that predicted it: auto, always, never", "auto");
        DecodingArgs.add(o, "0");
        return ModelArgs.add(o);
    }

    static int run(Options.Parsed p, Io io) throws Exception {
        String prompt = p.get("--prompt");
        int tokens = p.getInt("--tokens", 1, 1 << 20);
        boolean color = DepthColors.enabled(p.get("--color"), io.terminal());
        DecodingArgs.check(p); // a bad --skip is a usage error before the model loads
        return ModelArgs.with(p, io, m -> {
            int layers = m.model().config().layers();
            int[] ids = m.model().tokenizer().encode(prompt, m.model().tokenizer().addBosByDefault());
            int promptTokens = ids.length;
            int context = m.model().config().contextLength();
            if (promptTokens + tokens > context) {
                throw new UsageException("the prompt (" + promptTokens + " tokens) and --tokens " + tokens
                        + " do not fit the model's context of " + context + " tokens");
            }
            DecodingArgs.Decoding d = DecodingArgs.configure(p, m.model(), Math.min(context, promptTokens + tokens + 16));
            DepthColors colors = new DepthColors(layers);
            io.out().print(prompt);
            io.out().flush();
            try (Session session = m.model().newSession(d.options())) {
                Generation g = session.generate(ids, tokens, (piece, depth) -> {
                    io.out().print(color ? colors.paint(piece, depth) : piece);
                    io.out().flush();
                    return !io.out().checkError(); // nobody reads the rest: stop (Main reports the failed write)
                });
                io.out().println();
                report(io, m, d, g);
                if (color && (d.method() != null || d.speculation() != null)) {
                    io.err().println(colors.legend());
                }
            }
            return 0;
        });
    }

    static void report(Io io, ModelArgs.Loaded m, DecodingArgs.Decoding d, Generation g) {
        DecodeStats s = g.stats();
        int layers = m.model().config().layers();
        io.err().printf(Locale.ROOT, "%n[%s] %d prompt tokens (%.1f tok/s), %d generated (%.1f tok/s), stop: %s%n",
                d.label(), s.promptTokens(), s.prefillTokensPerSecond(), s.generatedTokens(), s.decodeTokensPerSecond(),
                g.stop().name().toLowerCase(Locale.ROOT));
        if (d.method() != null) {
            io.err().printf(Locale.ROOT, "[%s] %.2f of %d layers per generated token%n", d.method().name(),
                    d.method().stats().generated().layersPerToken(), layers);
        } else if (d.speculation() != null) {
            io.err().printf(Locale.ROOT, "[%s] %.2f layer evaluations per generated token (rejected drafts included), "
                            + "acceptance %.1f%%, %d verify passes%n", d.label(),
                    (double) (s.layerRows() - (long) s.promptTokens() * layers) / Math.max(1, s.generatedTokens()),
                    100 * s.acceptanceRate(), s.verifyPasses());
        } else {
            io.err().printf(Locale.ROOT, "[full model] %d layers per token%n", layers);
        }
    }
}
