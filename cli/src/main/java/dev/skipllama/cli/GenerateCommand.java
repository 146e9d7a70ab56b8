package dev.skipllama.cli;

import dev.skipllama.transformer.generate.DecodeStats;
import dev.skipllama.transformer.model.Generation;
import dev.skipllama.transformer.model.Session;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code skipllama generate}: stream a continuation of a prompt and report speed and layers used. */
final class GenerateCommand {
    private GenerateCommand() {
    }

    static Options options() {
        Options o = new Options("generate", "[options]",
                "Streams a continuation of the prompt, then prints prompt and generation speed and the layers used per token. "
                        + "With --json, prints one JSON object with the text and the figures instead.");
        PromptArgs.add(o, "Once upon a time");
        o.opt("--tokens", "N", "new tokens at most", "64").alias("-n", "--tokens")
                .opt("--color", "WHEN", "colour each token by the layers that predicted it: auto, always, never", "auto")
                .flag("--json", "print the result as one JSON object (text, stop reason, speeds, layers per token) and nothing else");
        DecodingArgs.add(o, "0");
        return ModelArgs.add(o);
    }

    static int run(Options.Parsed p, Io io) throws Exception {
        int tokens = p.getInt("--tokens", 1, 1 << 20);
        boolean json = p.has("--json");
        boolean color = !json && DepthColors.enabled(p.get("--color"), io.terminal());
        DecodingArgs.check(p); // a bad --skip is a usage error before the model loads
        String prompt = PromptArgs.read(p, io);
        return ModelArgs.with(p, io, m -> {
            int layers = m.model().config().layers();
            int[] ids = m.model().tokenizer().encode(prompt, m.model().tokenizer().addBosByDefault());
            if (ids.length == 0) {
                throw new UsageException("the prompt is empty and this model has no BOS token to start from");
            }
            int promptTokens = ids.length;
            int context = m.model().config().contextLength();
            if (promptTokens + tokens > context) {
                throw new UsageException("the prompt (" + promptTokens + " tokens) and --tokens " + tokens
                        + " do not fit the model's context of " + context + " tokens");
            }
            DecodingArgs.Decoding d = DecodingArgs.configure(p, m.model(), Math.min(context, promptTokens + tokens + 16));
            DepthColors colors = new DepthColors(layers);
            if (!json) {
                io.out().print(prompt);
                io.out().flush();
            }
            List<Integer> depths = new ArrayList<>();
            try (Session session = m.model().newSession(d.options())) {
                Generation g = session.generate(ids, tokens, (piece, depth) -> {
                    depths.add(depth);
                    if (json) {
                        return true;
                    }
                    io.out().print(color ? colors.paint(piece, depth) : piece);
                    io.out().flush();
                    return !io.out().checkError(); // nobody reads the rest: stop (Main reports the failed write)
                });
                if (json) {
                    io.out().println(JsonLine.of(result(m, d, g, prompt, depths)));
                    return 0;
                }
                io.out().println();
                report(io, m, d, g);
                if (color && (d.method() != null || d.speculation() != null)) {
                    io.err().println(colors.legend());
                }
            }
            return 0;
        });
    }

    static Map<String, Object> result(ModelArgs.Loaded m, DecodingArgs.Decoding d, Generation g, String prompt, List<Integer> depths) {
        DecodeStats s = g.stats();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("model", m.model().source());
        r.put("decoding", d.label());
        r.put("prompt", prompt);
        r.put("text", g.text());
        r.put("stop", g.stop().name().toLowerCase(Locale.ROOT));
        r.put("prompt_tokens", s.promptTokens());
        r.put("generated_tokens", s.generatedTokens());
        r.put("prompt_tokens_per_second", s.prefillTokensPerSecond());
        r.put("tokens_per_second", s.decodeTokensPerSecond());
        r.put("model_layers", m.model().config().layers());
        if (d.method() != null) { // the method's own count: exact per token
            r.put("layers_per_token", d.method().stats().generated().layersPerToken());
        } else { // the depth that predicted each streamed piece
            r.put("layers_per_token", depths.stream().mapToInt(Integer::intValue).average().orElse(0));
        }
        if (d.speculation() != null) {
            int layers = m.model().config().layers();
            r.put("layer_evaluations_per_token", (double) (s.layerRows() - (long) s.promptTokens() * layers)
                    / Math.max(1, s.generatedTokens()));
            r.put("acceptance_rate", s.acceptanceRate());
            r.put("verify_passes", s.verifyPasses());
        }
        return r;
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
