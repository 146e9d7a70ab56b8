package dev.skipllama.server;

import dev.skipllama.skip.SkipMethod;
import dev.skipllama.skip.SkipMethods;
import dev.skipllama.skip.SkipSpecException;
import dev.skipllama.skip.calibration.Calibration;
import dev.skipllama.skip.speculative.Speculation;
import dev.skipllama.tensor.DType;
import dev.skipllama.transformer.model.Model;
import dev.skipllama.transformer.model.SessionOptions;
import dev.skipllama.transformer.sampling.SamplingConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * How a request decodes: the full model, a skipping method ({@code skip}, any {@code --skip} spec) or
 * self-speculation ({@code speculate}: "E,d" or "auto"). Methods are built once per spec and shared (each
 * session gets its own per-sequence instance through {@code SessionOptions.withSkip}): a router or a
 * calibrated plan is trained or measured on the first request that names it, not on every one.
 */
final class Decoding {
    /** The decoding a request asked for; {@code key} identifies sessions that can serve it again. */
    record Choice(String key, String label, SessionOptions options) {
        /** Prompt + completion positions a request may use with this decoding. */
        int context() {
            return options.contextLength();
        }
    }

    private static final int MAX_CACHED_METHODS = 32;

    private final Model model;
    private final Supplier<Calibration> calibration;
    private final java.nio.file.Path planDir;
    private final Map<String, SkipMethod> methods = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, SkipMethod> e) {
            return size() > MAX_CACHED_METHODS;
        }
    };

    /**
     * @param calibration calibration statistics for the planners that rank layers, or null when the server has none
     * @param planDir     where {@code plan:NAME} files are read from, or null: a request must not make the server read any file
     */
    Decoding(Model model, Supplier<Calibration> calibration, java.nio.file.Path planDir) {
        this.model = model;
        this.calibration = calibration;
        this.planDir = planDir;
    }

    Choice choose(GenerationParams p, int context, DType kvType, List<String> stops) {
        SessionOptions base = SessionOptions.defaults(context).withSampling(p.sampling()).withStopStrings(stops).withKvType(kvType);
        String key = samplingKey(p.sampling()) + "|" + context + "|" + stops;
        if (p.skip() != null) {
            SkipMethod m = method(planInDir(p.skip()));
            return new Choice(key + "|skip=" + p.skip(), m.name(), base.withSkip(m));
        }
        if (p.speculate() != null) {
            Speculation s = speculation(p.speculate()); // the decoder needs no positions beyond the context
            return new Choice(key + "|speculate=" + s.name(), s.name(), base.withSpeculation(s));
        }
        return new Choice(key, "full", base);
    }

    /** Greedy sessions may serve any greedy request; sampled ones only the same settings and seed (the sampler restarts per call). */
    private static String samplingKey(SamplingConfig s) {
        return s.greedy() ? "greedy" : s.toString();
    }

    /** {@code plan:NAME} resolved inside the plan directory; a path that leaves it, or no directory, is refused. */
    private String planInDir(String spec) {
        if (!spec.trim().startsWith("plan:")) {
            return spec;
        }
        String name = spec.trim().substring("plan:".length());
        if (planDir == null) {
            throw ApiError.badRequest("skip", "'skip' plan:" + name + ": this server reads no plan files (start it with --plan-dir DIR "
                    + "to allow plan:NAME for files in DIR)");
        }
        java.nio.file.Path dir = planDir.toAbsolutePath().normalize();
        java.nio.file.Path file = dir.resolve(name).normalize();
        if (!file.startsWith(dir) || file.equals(dir)) {
            throw ApiError.badRequest("skip", "'skip' plan:" + name + " must name a file inside the server's plan directory");
        }
        return "plan:" + file;
    }

    private SkipMethod method(String spec) {
        synchronized (methods) {
            SkipMethod m = methods.get(spec);
            if (m != null) {
                return m;
            }
        }
        SkipMethod m;
        try {
            SkipMethods.check(spec, calibration != null);
            m = SkipMethods.parse(spec, model.llama(), calibration);
        } catch (SkipSpecException e) {
            throw ApiError.badRequest("skip", "'skip': " + e.getMessage()
                    + (calibration == null && e.getMessage().contains("calibration") ? " (start the server with --calibration FILE)" : ""));
        } catch (RuntimeException e) { // a plan file that cannot be read, say
            throw ApiError.badRequest("skip", "'skip' " + spec + ": " + e.getMessage());
        }
        synchronized (methods) {
            methods.putIfAbsent(spec, m);
            return methods.get(spec);
        }
    }

    private Speculation speculation(String spec) {
        int layers = model.config().layers();
        Speculation s;
        try {
            s = Speculation.parse(spec);
        } catch (SkipSpecException e) {
            throw ApiError.badRequest("speculate", "'speculate': " + e.getMessage());
        }
        if (s.readsFile()) {
            throw ApiError.badRequest("speculate", "'speculate' \"" + spec + "\": a request cannot make the server read a file (vocab=)");
        }
        if (!s.isAuto() && s.exitLayer() >= layers) {
            throw ApiError.badRequest("speculate", "'speculate' \"" + spec + "\": the exit layer E must be in [1, " + (layers - 1)
                    + "] for this " + layers + "-layer model");
        }
        return s;
    }
}
