package dev.skipllama.skip.speculative;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.RopeLayout;
import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.transformer.generate.DecodeStats;
import dev.skipllama.transformer.generate.StandardDecoder;
import dev.skipllama.transformer.generate.StepHooks;
import dev.skipllama.transformer.llama.Llama;
import dev.skipllama.transformer.llama.LlamaConfig;
import dev.skipllama.transformer.llama.TinyLlama;
import dev.skipllama.transformer.sampling.SamplingConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class SelfSpeculativeDecoderTest {
    // Shared by the jqwik properties and the JUnit tests (two engines, so no lifecycle hooks);
    // the pool's threads are daemons.
    private static final CpuBackend cpu = new CpuBackend(2);
    private static final LlamaConfig C = TinyLlama.config(RopeLayout.HALF_SPLIT, 6, 256);
    private static final Llama model = new Llama(C, TinyLlama.weights(C, DType.F32, 21), cpu);
    /** Layers after the first two contribute little, so early exits agree often and long drafts get accepted. */
    private static final Llama earlyExitFriendly = new Llama(C, damped(C, 22), cpu);

    /** Greedy self-speculation emits exactly the full model's greedy tokens, for any prompt, E and d. */
    @Property(tries = 60)
    void greedyOutputIsIdenticalToFullDecoding(@ForAll @IntRange(min = 1, max = 5) int exitLayer,
                                               @ForAll @IntRange(min = 1, max = 7) int draft,
                                               @ForAll boolean adaptive, @ForAll boolean friendly,
                                               @ForAll @IntRange(min = 1, max = 20) int promptLength, @ForAll long seed) {
        Llama m = friendly ? earlyExitFriendly : model;
        int[] prompt = new Random(seed).ints(promptLength, 0, 50).toArray();
        List<Integer> full = run(new StandardDecoder(m, SamplingConfig.GREEDY, StepHooks.FULL, 256), prompt, 40);
        List<Integer> spec = run(new SelfSpeculativeDecoder(m, exitLayer, draft, adaptive, SamplingConfig.GREEDY, 256), prompt, 40);
        assertEquals(full, spec, "E=" + exitLayer + " d=" + draft);
    }

    /** The sink can stop generation at any token, and the decoder can be reused for a new prompt. */
    @Property(tries = 20)
    void stopsWhenTheSinkSaysSo(@ForAll @IntRange(min = 1, max = 30) int stopAfter) {
        try (SelfSpeculativeDecoder d = new SelfSpeculativeDecoder(earlyExitFriendly, 2, 5, false, SamplingConfig.GREEDY, 256)) {
            for (int rep = 0; rep < 2; rep++) {
                List<Integer> got = new ArrayList<>();
                d.generate(new int[]{1, 2, 3}, 40, t -> {
                    got.add(t);
                    return got.size() < stopAfter;
                });
                assertEquals(stopAfter, got.size());
            }
        }
    }

    /**
     * Sampling: the first generated token always comes from the full model, and the second token's
     * distribution must match the full model's too (it is the first that speculation can touch).
     * Frequencies over many seeds are compared with a chi-square test at a fixed seed.
     */
    @org.junit.jupiter.api.Test
    void sampledTokensFollowTheFullModelsDistribution() {
        int[] prompt = {1, 7, 9};
        int n = 1500;
        int[] spec = new int[50], full = new int[50];
        for (int s = 0; s < n; s++) {
            SamplingConfig cfg = new SamplingConfig(1.5f, 0, 1f, 0f, 1f, 64, s);
            spec[secondToken(new SelfSpeculativeDecoder(earlyExitFriendly, 2, 3, false, cfg, 256), prompt)]++;
            full[secondToken(new StandardDecoder(earlyExitFriendly, new SamplingConfig(1.5f, 0, 1f, 0f, 1f, 64, s + 1_000_000), StepHooks.FULL, 256), prompt)]++;
        }
        // Two-sample chi-square over tokens seen at least 10 times in total.
        double chi2 = 0;
        int dof = -1;
        for (int t = 0; t < 50; t++) {
            if (spec[t] + full[t] >= 10) {
                chi2 += Math.pow(spec[t] - full[t], 2) / (spec[t] + full[t]);
                dof++;
            }
        }
        assertTrue(dof >= 3, "too few distinct tokens to test: " + dof);
        double critical = dof + 3.1 * Math.sqrt(2.0 * dof) + 3; // well beyond the 0.1% point for these dof
        assertTrue(chi2 < critical, "chi-square " + chi2 + " with " + dof + " dof exceeds " + critical);
    }

    @org.junit.jupiter.api.Test
    void acceptsMostDraftsWhenTheEarlyExitAgrees() {
        try (SelfSpeculativeDecoder d = new SelfSpeculativeDecoder(earlyExitFriendly, 2, 4, false, SamplingConfig.GREEDY, 256)) {
            DecodeStats s = d.generate(new int[]{1, 2, 3}, 60, t -> true);
            assertEquals(60, s.generatedTokens());
            assertTrue(s.acceptanceRate() > 0.5, "acceptance " + s.acceptanceRate());
            assertTrue(s.verifyPasses() < 40, "verify passes " + s.verifyPasses());
        }
    }

    @org.junit.jupiter.api.Test
    void rejectsBadSettings() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SelfSpeculativeDecoder(model, 6, 4, false, SamplingConfig.GREEDY, 256));
        assertTrue(e.getMessage().contains("[1, 5]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SelfSpeculativeDecoder(model, 2, 0, false, SamplingConfig.GREEDY, 256));
    }

    private static int secondToken(dev.skipllama.transformer.generate.TokenDecoder d, int[] prompt) {
        List<Integer> got = run(d, prompt, 2);
        return got.get(1);
    }

    private static List<Integer> run(dev.skipllama.transformer.generate.TokenDecoder d, int[] prompt, int n) {
        List<Integer> out = new ArrayList<>();
        try (d) {
            d.generate(prompt, n, t -> {
                out.add(t);
                return true;
            });
        }
        return out;
    }

    /** Random weights with the output projections of layers 2.. scaled down, so early exits predict well. */
    private static dev.skipllama.transformer.llama.LlamaWeights damped(LlamaConfig c, long seed) {
        var w = TinyLlama.weights(c, DType.F32, seed);
        for (int l = 2; l < c.layers(); l++) {
            var layer = w.layers().get(l);
            scale(layer.wo(), 0.05f);
            scale(layer.wDown(), 0.05f);
        }
        return w;
    }

    private static void scale(dev.skipllama.tensor.Tensor t, float f) {
        for (long i = 0; i < t.numel(); i++) {
            t.setFloat(i, t.getFloat(i) * f);
        }
    }
}
