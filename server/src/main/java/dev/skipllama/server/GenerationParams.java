package dev.skipllama.server;

import dev.skipllama.transformer.sampling.SamplingConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The fields chat and text completions share: sampling ({@code temperature}, {@code top_p},
 * {@code seed}, and llama.cpp's {@code top_k}, {@code min_p}, {@code repeat_penalty}),
 * {@code max_tokens}, {@code stop}, {@code stream} and the extensions {@code skip} and
 * {@code speculate}. Defaults are llama-server's (temperature 0.8, top-k 40, top-p 0.95, min-p 0.05).
 */
record GenerationParams(SamplingConfig sampling, Long maxTokens, List<String> stop, boolean stream, boolean includeUsage,
                        String skip, String speculate) {

    static GenerationParams parse(Fields f) {
        f.integer("n", 1, 1); // one choice per request
        double temperature = f.number("temperature", 0.8, 0, 100);
        double topP = f.number("top_p", 0.95, Double.MIN_VALUE, 1);
        long topK = f.integer("top_k", 0, 1 << 20) == null ? 40 : f.integer("top_k", 0, 1 << 20);
        double minP = f.number("min_p", 0.05, 0, 0.999999);
        double repeat = f.number("repeat_penalty", 1.0, 1e-6, 100);
        Long seedField = f.integer("seed", Long.MIN_VALUE, Long.MAX_VALUE);
        long seed = seedField != null ? seedField : ThreadLocalRandom.current().nextLong();
        SamplingConfig sampling = temperature == 0 ? SamplingConfig.GREEDY
                : new SamplingConfig((float) temperature, (int) topK, (float) topP, (float) minP, (float) repeat, 64, seed);
        Long maxTokens = f.integer("max_tokens", 1, Integer.MAX_VALUE);
        if (maxTokens == null) {
            maxTokens = f.integer("max_completion_tokens", 1, Integer.MAX_VALUE);
        }
        List<String> stop = new ArrayList<>();
        Object s = f.get("stop");
        if (s instanceof String one) {
            stop.add(one);
        } else if (s instanceof List<?> many) {
            if (many.size() > 16) {
                throw ApiError.badRequest("stop", "'stop' takes at most 16 strings, got " + many.size());
            }
            for (Object x : many) {
                if (!(x instanceof String str)) {
                    throw Fields.wrong("stop", x, "a string or an array of strings");
                }
                stop.add(str);
            }
        } else if (s != null) {
            throw Fields.wrong("stop", s, "a string or an array of strings");
        }
        for (String x : stop) {
            if (x.isEmpty()) {
                throw ApiError.badRequest("stop", "'stop' strings must not be empty");
            }
        }
        boolean stream = f.bool("stream", false);
        boolean includeUsage = false;
        if (f.get("stream_options") instanceof java.util.Map<?, ?> so && so.get("include_usage") instanceof Boolean b) {
            includeUsage = b;
        }
        String skip = f.string("skip", null);
        String speculate = f.string("speculate", null);
        if (skip != null && speculate != null) {
            throw ApiError.badRequest("skip", "'skip' and 'speculate' cannot be combined in one request");
        }
        return new GenerationParams(sampling, maxTokens, List.copyOf(stop), stream, includeUsage, skip, speculate);
    }
}
