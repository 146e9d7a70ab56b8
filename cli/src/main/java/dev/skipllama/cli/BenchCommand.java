package dev.skipllama.cli;

import dev.skipllama.transformer.generate.Throughput;
import dev.skipllama.transformer.llama.Llama;
import dev.skipllama.transformer.model.SessionOptions;
import java.util.Arrays;
import java.util.Locale;

/** {@code skipllama bench}: prompt and generation tokens/s, as llama.cpp's llama-bench measures them. */
final class BenchCommand {
    private BenchCommand() {
    }

    static Options options() {
        Options o = new Options("bench", "[options]", """
                Measures prompt processing (a random prompt of --prompt tokens in one batched pass) and generation \
                (--gen tokens one at a time), medians of --runs runs after --warmup untimed ones — the same \
                measurement as llama-bench -p/-n, so the figures compare directly. --skip and --speculate measure \
                a method instead of the full model (random tokens: acceptance is not representative of text).""")
                .opt("--prompt", "N", "prompt tokens", "64")
                .opt("--gen", "N", "generated tokens", "32")
                .opt("--runs", "N", "measured runs", "3")
                .opt("--warmup", "N", "untimed runs first (the JIT compiles hot kernels)", "2")
                .flag("--json", "print the result as one JSON object");
        DecodingArgs.add(o, "0");
        return ModelArgs.addWarmUp(ModelArgs.add(o));
    }

    static int run(Options.Parsed p, Io io) throws Exception {
        int pp = p.getInt("--prompt", 1, 1 << 16), tg = p.getInt("--gen", 1, 1 << 16);
        int runs = p.getInt("--runs", 1, 1000), warmup = p.getInt("--warmup", 0, 1000);
        DecodingArgs.check(p); // a bad --skip is a usage error before the model loads
        return ModelArgs.with(p, io, m -> {
            Llama llama = m.model().llama();
            if (pp + tg + 17 > llama.config().contextLength()) {
                throw new UsageException("--prompt + --gen must leave room in the model's context of " + llama.config().contextLength());
            }
            // The JIT warm-up first (as generate does; llama-bench also runs a warm-up pass): --warmup runs
            // alone left a small model's prompt path partly interpreted (pp64 runs of 952, 1,143 and 3,243 tok/s).
            ModelArgs.warmUp(p, io, m.model());
            DecodingArgs.Decoding d = DecodingArgs.configure(p, m.model(), llama.config().contextLength());
            SessionOptions.DecoderFactory f = d.options().decoder();
            Throughput.Result r = Throughput.measure(n -> f.create(m.model(), d.options().sampling(), n, d.options().kvType()), llama.config().vocabSize(),
                    pp, tg, runs, warmup);
            if (p.has("--json")) {
                java.util.Map<String, Object> j = new java.util.LinkedHashMap<>();
                j.put("model", m.model().source());
                j.put("backend", m.backend().name());
                j.put("threads", p.get("--threads"));
                j.put("decoding", d.label());
                j.put("prompt_tokens", pp);
                j.put("prompt_tokens_per_second", r.prefillMedian());
                j.put("prompt_runs", r.prefill());
                j.put("generated_tokens", tg);
                j.put("tokens_per_second", r.decodeMedian());
                j.put("generation_runs", r.decode());
                io.out().println(JsonLine.of(j));
                return 0;
            }
            io.out().printf(Locale.ROOT, "%s  %s  threads=%s  [%s]%n", m.model().source(), m.backend().name(), p.get("--threads"), d.label());
            io.out().printf(Locale.ROOT, "  pp%d  %8.2f tok/s   (runs: %s)%n", pp, r.prefillMedian(), fmt(r.prefill()));
            io.out().printf(Locale.ROOT, "  tg%d  %8.2f tok/s   (runs: %s)%n", tg, r.decodeMedian(), fmt(r.decode()));
            return 0;
        });
    }

    private static String fmt(double[] a) {
        return String.join(" ", Arrays.stream(a).mapToObj(x -> String.format(Locale.ROOT, "%.2f", x)).toList());
    }
}
