package dev.skipllama.cli;

import dev.skipllama.skip.SkipMethod;
import dev.skipllama.skip.SkipMethods;
import dev.skipllama.skip.calibration.Calibration;
import dev.skipllama.skip.plan.PlanFile;
import dev.skipllama.skip.plan.StaticSkip;
import dev.skipllama.skip.speculative.SelfSpeculativeDecoder;
import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.transformer.generate.DecodeStats;
import dev.skipllama.transformer.generate.StandardDecoder;
import dev.skipllama.transformer.model.Generation;
import dev.skipllama.transformer.model.Model;
import dev.skipllama.transformer.model.Session;
import dev.skipllama.transformer.model.SessionOptions;
import dev.skipllama.transformer.sampling.SamplingConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code skipllama generate [options]}: streams a generation and reports speed and layers used.
 * {@code skipllama calibrate --method SPEC --calibration FILE --out PLAN.json [--model PATH]}: computes a
 * static skipping plan (shortgpt:n, last25, unified:r, attn-drop:n, ffn-drop:n) and writes the plan
 * file that {@code --skip plan:PLAN.json} loads.
 *
 * <pre>
 *   --model PATH        GGUF file or Hugging Face directory (default: the embedded models/tiny-layerskip)
 *   --prompt TEXT       (default "Once upon a time")
 *   --tokens N          new tokens (default 64)
 *   --temperature T     0 = greedy (default), else sampled with top-k 40, top-p 0.95, min-p 0.05
 *   --seed S            sampling seed
 *   --skip SPEC         a layer-skipping method, e.g. exit:6, confidence:0.8, shortgpt:3, skipdecode:6-12
 *   --calibration FILE  text (one passage per line) for the planners that rank layers (shortgpt, attn-drop, ffn-drop)
 *   --speculate E,D     self-speculative decoding: draft with E layers, D tokens per round
 *   --threads K         CPU threads (default: all)
 * </pre>
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("calibrate")) {
            calibrate(args);
            return;
        }
        if (args.length == 0 || !args[0].equals("generate") || has(args, "--help")) {
            System.out.println("usage: skipllama generate [--model PATH] [--prompt TEXT] [--tokens N] [--temperature T] [--seed S]"
                    + " [--skip SPEC [--calibration FILE]] [--speculate E,D] [--threads K]");
            System.exit(args.length == 0 || has(args, "--help") ? 0 : 2);
        }
        Path modelPath = Path.of(opt(args, "--model", "models/tiny-layerskip"));
        String prompt = opt(args, "--prompt", "Once upon a time");
        int tokens = Integer.parseInt(opt(args, "--tokens", "64"));
        float temperature = Float.parseFloat(opt(args, "--temperature", "0"));
        long seed = Long.parseLong(opt(args, "--seed", "42"));
        int threads = Integer.parseInt(opt(args, "--threads", String.valueOf(Runtime.getRuntime().availableProcessors())));
        String skip = opt(args, "--skip", null);
        String speculate = opt(args, "--speculate", null);
        if (skip != null && speculate != null) {
            throw new IllegalArgumentException("--skip and --speculate cannot be combined");
        }
        SamplingConfig sampling = temperature == 0 ? SamplingConfig.GREEDY : SamplingConfig.sample(temperature, seed);
        try (CpuBackend cpu = new CpuBackend(threads); Model model = Model.load(modelPath, cpu)) {
            int context = Math.min(model.config().contextLength(), model.tokenizer().encode(prompt, true).length + tokens + 16);
            SessionOptions options = SessionOptions.defaults(context).withSampling(sampling);
            SkipMethod method = null;
            if (skip != null) {
                String calibrationFile = opt(args, "--calibration", null);
                SkipMethod m = SkipMethods.parse(skip, model.llama(), () -> {
                    if (calibrationFile == null) {
                        throw new IllegalArgumentException("--skip " + skip + " ranks layers on calibration text: add --calibration FILE");
                    }
                    try {
                        List<int[]> seqs = Files.readAllLines(Path.of(calibrationFile)).stream().filter(l -> !l.isBlank())
                                .map(l -> model.tokenizer().encode(l, true)).toList();
                        return Calibration.measure(model.llama(), seqs);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                method = m;
                options = options.withDecoder((llama, s, n) -> new StandardDecoder(llama, s, m.asStepHooks(), n));
            } else if (speculate != null) {
                String[] ed = speculate.split(",");
                int e = Integer.parseInt(ed[0].trim()), d = Integer.parseInt(ed[1].trim());
                options = options.withDecoder((llama, s, n) -> new SelfSpeculativeDecoder(llama, e, d, false, s, n + d + 1));
            }
            System.out.print(prompt);
            System.out.flush();
            try (Session session = model.newSession(options)) {
                Generation g = session.generate(prompt, tokens, piece -> {
                    System.out.print(piece);
                    System.out.flush();
                    return true;
                });
                DecodeStats s = g.stats();
                System.out.println();
                System.out.printf(Locale.ROOT, "%n[%s] %d prompt tokens (%.1f tok/s), %d generated (%.1f tok/s), stop: %s%n",
                        model.source(), s.promptTokens(), s.prefillTokensPerSecond(), s.generatedTokens(), s.decodeTokensPerSecond(),
                        g.stop().name().toLowerCase(Locale.ROOT));
                int layers = model.config().layers();
                if (method != null) {
                    System.out.printf(Locale.ROOT, "[%s] %.2f of %d layers per generated token%n", method.name(),
                            method.stats().generated().layersPerToken(), layers);
                } else if (speculate != null) {
                    System.out.printf(Locale.ROOT, "[self-speculation %s] %.2f layer-evaluations per generated token, acceptance %.1f%%, %d verify passes%n",
                            speculate, (double) (s.layerRows() - (long) s.promptTokens() * layers) / Math.max(1, s.generatedTokens()),
                            100 * s.acceptanceRate(), s.verifyPasses());
                } else {
                    System.out.printf(Locale.ROOT, "[full model] %d layers per token%n", layers);
                }
            }
        }
    }

    private static void calibrate(String[] args) throws Exception {
        String spec = opt(args, "--method", null), text = opt(args, "--calibration", null), out = opt(args, "--out", null);
        if (spec == null || out == null || has(args, "--help")) {
            System.out.println("usage: skipllama calibrate --method SPEC --calibration FILE --out PLAN.json [--model PATH] [--threads K]");
            System.exit(has(args, "--help") ? 0 : 2);
        }
        Path modelPath = Path.of(opt(args, "--model", "models/tiny-layerskip"));
        int threads = Integer.parseInt(opt(args, "--threads", String.valueOf(Runtime.getRuntime().availableProcessors())));
        try (CpuBackend cpu = new CpuBackend(threads); Model model = Model.load(modelPath, cpu)) {
            SkipMethod m = SkipMethods.parse(spec, model.llama(), () -> {
                if (text == null) {
                    throw new IllegalArgumentException(spec + " ranks layers on calibration text: add --calibration FILE");
                }
                try {
                    List<int[]> seqs = Files.readAllLines(Path.of(text)).stream().filter(l -> !l.isBlank())
                            .map(l -> model.tokenizer().encode(l, true)).toList();
                    System.err.printf("calibrating on %d passages of %s...%n", seqs.size(), text);
                    return Calibration.measure(model.llama(), seqs);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            if (!(m instanceof StaticSkip s)) {
                throw new IllegalArgumentException(spec + " is not a static plan (calibrate writes shortgpt, last25, last, unified, attn-drop, ffn-drop)");
            }
            PlanFile.write(s.plan(), Path.of(out));
            System.out.println(PlanFile.toJson(s.plan()));
            System.out.println("wrote " + out + "; use it with: generate --skip plan:" + out);
        }
    }

    private static boolean has(String[] args, String flag) {
        for (String a : args) {
            if (a.equals(flag)) {
                return true;
            }
        }
        return false;
    }

    private static String opt(String[] args, String name, String def) {
        for (int i = 1; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return def;
    }
}
