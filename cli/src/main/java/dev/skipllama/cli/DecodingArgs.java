package dev.skipllama.cli;

import dev.skipllama.skip.SkipMethod;
import dev.skipllama.skip.SkipMethods;
import dev.skipllama.skip.SkipSpecException;
import dev.skipllama.skip.calibration.Calibration;
import dev.skipllama.skip.speculative.DraftVocabulary;
import dev.skipllama.skip.speculative.Speculation;
import dev.skipllama.tensor.DType;
import dev.skipllama.transformer.io.TextFiles;
import dev.skipllama.transformer.model.Model;
import dev.skipllama.transformer.model.SessionOptions;
import dev.skipllama.transformer.sampling.SamplingConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/** How tokens are chosen and how much of the model runs for each: sampling, a skipping method or self-speculation. */
final class DecodingArgs {
    private DecodingArgs() {
    }

    static Options add(Options o, String defaultTemperature) {
        return o.opt("--temperature", "T", "0 = greedy; otherwise sampled", defaultTemperature)
                .opt("--top-k", "K", "sample from the K most likely tokens (0 = all)", "40")
                .opt("--top-p", "P", "sample from the smallest set whose probability reaches P (1 = off)", "0.95")
                .opt("--min-p", "P", "drop tokens below P × the top probability (0 = off)", "0.05")
                .opt("--repeat-penalty", "R", "penalise the last 64 tokens' repetition (1 = off; also with --temperature 0)", "1")
                .opt("--seed", "S", "sampling seed", "42")
                .opt("--stop", "TEXT", "end the generation at this text (repeatable)", null).repeatable("--stop")
                .opt("--skip", "SPEC", "a layer-skipping method, one of: " + String.join(", ", SkipMethods.specForms())
                        + " (see the README's table)", null)
                .opt("--calibration", "FILE", "text, one passage per line, for the planners that rank layers (shortgpt, attn-drop, ffn-drop); "
                        + "with --speculate, the token frequencies that choose the draft head's tokens", null)
                .opt("--speculate", "SPEC", "self-speculative decoding, the full model's output: auto (exit layer and draft length chosen "
                        + "as it goes, full decoding where drafts do not pay) or E,D (draft D tokens with the first E layers); "
                        + "options ,tokens=N|all (the draft head's most frequent tokens), ,vocab=FILE, ,max=D (auto)", null)
                .opt("--kv-type", "TYPE", "the KV cache's element type: f32, or f16 (half the memory; llama.cpp's default cache and its "
                        + "attention arithmetic, so greedy text follows llama.cpp's)", "f32");
    }

    /** --kv-type as a dtype. */
    static DType kvType(Options.Parsed p) {
        String t = p.get("--kv-type");
        return switch (t) {
            case "f32" -> DType.F32;
            case "f16" -> DType.F16;
            default -> throw new UsageException("--kv-type must be f32 or f16, got '" + t + "'");
        };
    }

    /** Calibration text is read whole (every line is a passage); more than this would take hours to calibrate on. */
    static final long MAX_CALIBRATION_BYTES = 16L << 20;

    /**
     * Checks --skip and --speculate as far as possible without the model, so that a bad spec is a usage
     * error before anything is loaded.
     */
    static void check(Options.Parsed p) {
        sampling(p);
        kvType(p);
        stops(p);
        String speculate = p.get("--speculate");
        if (p.get("--skip") != null && speculate != null) {
            throw new UsageException("--skip and --speculate cannot be combined");
        }
        checkSkip(p);
        if (speculate != null) {
            speculation(speculate);
        }
    }

    /** The --skip half of {@link #check}, for commands without --speculate. */
    static void checkSkip(Options.Parsed p) {
        String skip = p.get("--skip");
        if (skip != null) {
            try {
                SkipMethods.check(skip, p.has("--calibration"));
            } catch (SkipSpecException e) {
                throw new UsageException("--skip " + e.getMessage());
            }
        }
    }

    /** The parsed choice: the session options to use, and the skipping method or speculation when there is one (for reports). */
    record Decoding(SessionOptions options, SkipMethod method, Speculation speculation, String label) {
    }

    /** --temperature, --top-k, --top-p, --min-p, --repeat-penalty and --seed, checked. */
    static SamplingConfig sampling(Options.Parsed p) {
        float temperature = p.getFloat("--temperature", 0f, 100f);
        int topK = p.getInt("--top-k", 0, 1 << 20);
        float topP = p.getFloat("--top-p", Float.MIN_VALUE, 1f);
        float minP = p.getFloat("--min-p", 0f, 0.999f);
        float repeat = p.getFloat("--repeat-penalty", 1e-3f, 100f);
        long seed = p.getLong("--seed");
        return new SamplingConfig(temperature, topK, topP, minP, repeat, 64, seed);
    }

    /** --stop values (none empty). */
    static List<String> stops(Options.Parsed p) {
        for (String s : p.getAll("--stop")) {
            if (s.isEmpty()) {
                throw new UsageException("--stop needs a non-empty text");
            }
        }
        return p.getAll("--stop");
    }

    static Decoding configure(Options.Parsed p, Model model, int context) {
        SessionOptions options = SessionOptions.defaults(context).withSampling(sampling(p)).withStopStrings(stops(p))
                .withKvType(kvType(p));
        String skip = p.get("--skip"), speculate = p.get("--speculate");
        if (skip != null && speculate != null) {
            throw new UsageException("--skip and --speculate cannot be combined");
        }
        if (skip != null) {
            SkipMethod m = parse(skip, model, calibration(p, model, "--skip " + skip));
            // withSkip gives each session (decoder) its own per-sequence state; m.stats() counts them all
            return new Decoding(options.withSkip(m), m, null, m.name());
        }
        if (speculate != null) {
            Speculation s = speculation(speculate);
            int layers = model.config().layers();
            if (!s.isAuto() && s.exitLayer() >= layers) {
                throw new UsageException("--speculate " + speculate + ": the exit layer E must be in [1, " + (layers - 1)
                        + "] for this " + layers + "-layer model");
            }
            if (p.has("--calibration")) {
                s = s.withDraftVocabulary(DraftVocabulary.fromText(model.tokenizer(), calibrationText(p)));
            }
            return new Decoding(options.withSpeculation(s), null, s, s.name());
        }
        return new Decoding(options, null, null, "full model");
    }

    static Speculation speculation(String spec) {
        try {
            return Speculation.parse(spec);
        } catch (SkipSpecException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** The lines of --calibration's text, bounded and strict (an error names the file). */
    static List<String> calibrationText(Options.Parsed p) {
        Path file = p.path("--calibration");
        try {
            return TextFiles.readLines(file, MAX_CALIBRATION_BYTES, "calibration text");
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /** SkipMethods.parse, with a spec the model rules out (an exit past its depth) as a usage error. */
    static SkipMethod parse(String spec, Model model, Supplier<Calibration> calibration) {
        try {
            return SkipMethods.parse(spec, model.llama(), calibration);
        } catch (SkipSpecException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** Calibration statistics measured on --calibration's text, only when a planner asks for them. */
    static Supplier<Calibration> calibration(Options.Parsed p, Model model, String what) {
        return () -> {
            Path file = p.path("--calibration");
            if (file == null) {
                throw new UsageException(what + " ranks layers on calibration text: add --calibration FILE");
            }
            List<int[]> seqs;
            try { // bounded and strict: /dev/zero or a stray binary file is an error naming it, at once
                seqs = Calibration.passages(model.tokenizer(), TextFiles.readLines(file, MAX_CALIBRATION_BYTES, "calibration text"),
                        model.config().contextLength());
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
            if (seqs.isEmpty()) {
                throw new UsageException("calibration text " + file + " has no non-empty lines");
            }
            try (Progress bar = new Progress("calibrating", "passages")) {
                return Calibration.measure(model.llama(), seqs, Calibration.CHUNK, bar);
            }
        };
    }
}
