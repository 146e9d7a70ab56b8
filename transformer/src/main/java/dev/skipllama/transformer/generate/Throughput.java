package dev.skipllama.transformer.generate;

import java.util.Arrays;
import java.util.Random;
import java.util.function.IntFunction;

/**
 * Prompt-processing and generation speed measured the way llama.cpp's {@code llama-bench} does:
 * a random prompt of {@code pp} tokens in one batched pass, then {@code tg} tokens one at a time,
 * repeated; medians of the measured runs after untimed warm-up runs (the JIT compiles the batched
 * kernels only after they have run for a while).
 */
public final class Throughput {
    private Throughput() {
    }

    /** Tokens per second, median and every run. */
    public record Result(double prefillMedian, double decodeMedian, double[] prefill, double[] decode) {
    }

    /**
     * @param decoders makes a fresh decoder for a context of the given number of positions
     */
    public static Result measure(IntFunction<TokenDecoder> decoders, int vocabSize, int pp, int tg, int runs, int warmup) {
        if (pp < 1 || tg < 1 || runs < 1 || warmup < 0) {
            throw new IllegalArgumentException("throughput needs pp, tg, runs >= 1 and warmup >= 0, got pp=" + pp + " tg=" + tg
                    + " runs=" + runs + " warmup=" + warmup);
        }
        int[] prompt = new Random(1).ints(pp, 0, vocabSize).toArray();
        double[] ppRate = new double[runs], tgRate = new double[runs];
        for (int r = -warmup; r < runs; r++) {
            // tg + 1 tokens: the first one comes out of the prompt pass, the next tg are timed as generation
            try (TokenDecoder d = decoders.apply(pp + tg + 1 + 16)) {
                DecodeStats s = d.generate(prompt, tg + 1, t -> true);
                if (r >= 0) {
                    ppRate[r] = s.prefillTokensPerSecond();
                    tgRate[r] = s.decodeTokensPerSecond();
                }
            }
        }
        return new Result(median(ppRate), median(tgRate), ppRate, tgRate);
    }

    static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
