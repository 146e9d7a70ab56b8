package dev.skipllama.cli;

import dev.skipllama.skip.SkipMethod;
import dev.skipllama.skip.eval.Perplexity;
import dev.skipllama.skip.eval.Report;
import dev.skipllama.skip.eval.SkipEval;
import dev.skipllama.transformer.io.TextFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** {@code skipllama eval}: perplexity on a text (optionally under a skipping method), or the whole skip table. */
final class EvalCommand {
    private EvalCommand() {
    }

    static Options options() {
        Options o = new Options("eval", "--text FILE [--skip SPEC] | --table --text FILE [options]", """
                Perplexity of the model on a text file, teacher-forced over windows of --window tokens; with --skip, \
                under that layer-skipping method. With --table, every skipping method and self-speculation setting \
                measured in one run (layers/token, speed-up, agreement with the full model, perplexity), as \
                Markdown and an SVG chart. The table reads prompts from the first lines of the text, perplexity text \
                from the middle and calibration text from the last lines.""")
                .opt("--text", "FILE", "UTF-8 text (for --table: one passage per line)", null)
                .opt("--window", "N", "tokens per perplexity window (default: the model's context)", null)
                .opt("--max-tokens", "N", "score at most this many tokens of the text", "1000000")
                .opt("--skip", "SPEC", "evaluate under a layer-skipping method (see 'generate --help')", null)
                .opt("--calibration", "FILE", "calibration text for --skip planners that rank layers", null)
                .opt("--kv-type", "TYPE", "perplexity over an f32 or f16 KV cache (f16: llama.cpp's default cache and attention arithmetic)", "f32")
                .flag("--table", "measure every method instead (the README's headline table)")
                .opt("--prompts", "N", "--table: prompts to generate from", "8")
                .opt("--tokens", "N", "--table: greedy tokens per prompt", "48")
                .opt("--rounds", "N", "--table: interleaved timing rounds (speed is their median, with the spread)", String.valueOf(SkipEval.ROUNDS))
                .flag("--speed-only", "--table: only layers/token and speed (for random-weight models, where quality means nothing)")
                .opt("--out", "DIR", "--table: where to write skip-eval.md and skip-eval.svg", ".")
                .flag("--json", "print the result as JSON (with --table: an array of rows) instead of text");
        return ModelArgs.add(o);
    }

    static int run(Options.Parsed p, Io io) throws Exception {
        Path text = Path.of(p.require("--text"));
        if (!Files.exists(text) || Files.isDirectory(text)) {
            throw new UsageException("--text " + text + ": no such file");
        }
        DecodingArgs.checkSkip(p); // a bad --skip is a usage error before the model loads
        DecodingArgs.kvType(p);
        return ModelArgs.with(p, io, m -> p.has("--table") ? table(p, io, m, text) : perplexity(p, io, m, text));
    }

    private static int perplexity(Options.Parsed p, Io io, ModelArgs.Loaded m, Path text) throws Exception {
        var llama = m.model().llama();
        int context = llama.config().contextLength();
        int window = p.has("--window") ? p.getInt("--window", 2, context) : context;
        int maxTokens = p.getInt("--max-tokens", 2, Integer.MAX_VALUE);
        // Only the text's first --max-tokens tokens are scored, so only as much is read as they can take
        // (a token is rarely more than a few bytes): a huge or endless file is read only that far.
        String content = TextFiles.readPrefix(text, Math.min(1L << 30, 64L * maxTokens + 4096));
        int[] ids = m.model().tokenizer().encode(content, m.model().tokenizer().addBosByDefault());
        ids = Arrays.copyOf(ids, Math.min(ids.length, maxTokens));
        SkipMethod method = p.has("--skip")
                ? DecodingArgs.parse(p.get("--skip"), m.model(), DecodingArgs.calibration(p, m.model(), "--skip " + p.get("--skip")))
                : null;
        long t0 = System.nanoTime();
        Perplexity.Result r;
        try (Progress bar = new Progress("scoring", "tokens")) {
            r = Perplexity.of(llama, method, ids, window, bar, DecodingArgs.kvType(p));
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        if (p.has("--json")) {
            java.util.Map<String, Object> j = new java.util.LinkedHashMap<>();
            j.put("text", text.toString());
            j.put("perplexity", r.perplexity());
            j.put("tokens", r.scored());
            j.put("window", window);
            j.put("kv_type", p.get("--kv-type"));
            j.put("decoding", method == null ? "full" : method.name());
            j.put("seconds", secs);
            j.put("tokens_per_second", r.scored() / secs);
            j.put("layers_per_token", method == null ? (double) llama.config().layers() : method.stats().generated().layersPerToken());
            io.out().println(JsonLine.of(j));
            return 0;
        }
        io.out().printf(Locale.ROOT, "perplexity %.4f over %d tokens of %s (windows of %d, %s) in %.1f s, %.0f tok/s%n",
                r.perplexity(), r.scored(), text, window, method == null ? "full model" : method.name(), secs, r.scored() / secs);
        if (method != null) {
            io.out().printf(Locale.ROOT, "layers per token: %.2f of %d%n", method.stats().generated().layersPerToken(),
                    llama.config().layers());
        }
        return 0;
    }

    private static int table(Options.Parsed p, Io io, ModelArgs.Loaded m, Path text) throws Exception {
        int prompts = p.getInt("--prompts", 1, 1000), tokens = p.getInt("--tokens", 1, 4096), rounds = p.getInt("--rounds", 1, 1000);
        int pplTokens = p.getInt("--max-tokens", 2, Integer.MAX_VALUE);
        List<String> lines = TextFiles.readLines(text, SkipEval.MAX_TEXT_BYTES, "evaluation text").stream()
                .filter(l -> !l.isBlank()).toList();
        boolean speedOnly = p.has("--speed-only");
        List<SkipEval.Row> rows;
        try (Progress bar = new Progress("evaluating", "methods")) {
            int total = SkipEval.rows(m.model().config().layers()) + rounds + 1; // methods measured, then the timing rounds
            int[] done = {0};
            rows = SkipEval.run(m.model(), lines, prompts, tokens, Math.min(pplTokens, 1024), speedOnly, rounds,
                    what -> bar.progress(done[0]++, total));
            bar.progress(total, total);
        }
        String title = "Skip methods on " + Path.of(m.model().source()).getFileName() + " (" + m.model().config().layers()
                + " layers), " + prompts + " prompts × " + tokens + " greedy tokens, " + p.get("--threads") + " threads, medians of "
                + rounds + " interleaved rounds";
        if (p.has("--json")) {
            List<Object> out = new java.util.ArrayList<>();
            for (SkipEval.Row row : rows) {
                java.util.Map<String, Object> j = new java.util.LinkedHashMap<>();
                j.put("method", row.method());
                j.put("layers_per_token", row.layersPerToken());
                j.put("tokens_per_second", row.tokensPerSecond());
                j.put("speed_up", row.speedUp());
                j.put("speed_up_min", row.speedUpMin());
                j.put("speed_up_max", row.speedUpMax());
                j.put("agreement", row.agreement());
                j.put("perplexity", row.perplexity());
                j.put("acceptance", row.acceptance());
                j.put("tokens_per_verify", row.tokensPerVerify());
                out.add(j);
            }
            io.out().println(JsonLine.of(out));
        } else {
            io.out().println(Report.markdown(title, rows, speedOnly));
        }
        List<Path> written = Report.write(Path.of(p.get("--out")), title, rows, speedOnly, List.of(text, Path.of(m.model().source())));
        io.err().println("wrote " + String.join(" and ", written.stream().map(Path::toString).toList()));
        return 0;
    }
}
