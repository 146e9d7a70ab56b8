package dev.skipllama.skip.speculative;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.RopeLayout;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.transformer.generate.DecodeStats;
import dev.skipllama.transformer.generate.StandardDecoder;
import dev.skipllama.transformer.generate.StepHooks;
import dev.skipllama.transformer.generate.TokenDecoder;
import dev.skipllama.transformer.llama.Llama;
import dev.skipllama.transformer.llama.LlamaConfig;
import dev.skipllama.transformer.llama.LlamaWeights;
import dev.skipllama.transformer.llama.TinyLlama;
import dev.skipllama.transformer.llama.Workspace;
import dev.skipllama.transformer.sampling.SamplingConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class SelfSpeculativeDecoderTest {
    // Shared by the jqwik properties and the JUnit tests (two engines, so no lifecycle hooks);
    // the pool's threads are daemons.
    private static final CpuBackend cpu = new CpuBackend(2);
    private static final LlamaConfig C = TinyLlama.config(RopeLayout.HALF_SPLIT, 6, 256);
    private static final Llama model = new Llama(C, TinyLlama.weights(C, DType.F32, 21), cpu);
    /** Layers after the first two contribute little, so early exits agree often and long drafts get accepted. */
    private static final Llama earlyExitFriendly = new Llama(C, damped(C, 22, DType.F32), cpu);
    /** The same with Q8_0 matrices: the draft head's rows are gathered from a block-quantized head. */
    private static final Llama quantized = new Llama(C, damped(C, 23, DType.Q8_0), cpu);

    /**
     * Greedy self-speculation emits exactly the full model's greedy tokens (an argmax comparison
     * per verified row), for any prompt, exit layer, draft length, draft-head size and auto, over an
     * F32 or an F16 KV cache (whose rounding and attention arithmetic are per row, so drafts,
     * verification and full decoding store and read the same halves).
     */
    @Property(tries = 80)
    void greedyOutputIsIdenticalToFullDecoding(@ForAll("speculations") Speculation spec, @ForAll @IntRange(min = 0, max = 2) int which,
                                               @ForAll @IntRange(min = 1, max = 20) int promptLength, @ForAll boolean halfCache,
                                               @ForAll long seed) {
        Llama m = which == 0 ? model : which == 1 ? earlyExitFriendly : quantized;
        DType kv = halfCache ? DType.F16 : DType.F32;
        int[] prompt = new Random(seed).ints(promptLength, 0, 50).toArray();
        List<Integer> full = run(new StandardDecoder(m, SamplingConfig.GREEDY, StepHooks.FULL, 256, kv), prompt, 40);
        List<Integer> got = run(new SelfSpeculativeDecoder(m, spec, SamplingConfig.GREEDY, 256, kv), prompt, 40);
        assertEquals(full, got, spec.name() + ", " + kv + " KV cache");
    }

    @Provide
    Arbitrary<Speculation> speculations() {
        Arbitrary<Speculation> fixed = net.jqwik.api.Combinators.combine(Arbitraries.integers().between(1, 5), Arbitraries.integers().between(1, 7))
                .as(Speculation::fixed);
        Arbitrary<Speculation> auto = Arbitraries.integers().between(1, 8).map(d -> Speculation.auto().withMaxDraft(d));
        Arbitrary<Integer> tokens = Arbitraries.of(1, 5, 16, 25, 49, 50, 0);
        return net.jqwik.api.Combinators.combine(Arbitraries.oneOf(fixed, auto), tokens)
                .as((s, n) -> n == 0 ? s : s.withDraftTokens(n));
    }

    /** A repetition penalty under greedy settings: verification applies it, and the output is still the full model's. */
    @Test
    void greedyWithARepetitionPenaltyIsIdenticalToo() {
        SamplingConfig penalised = new SamplingConfig(0f, 0, 1f, 0f, 1.3f, 16, 0);
        int[] prompt = {1, 7, 9, 7, 7};
        for (Speculation s : List.of(Speculation.fixed(2, 4), Speculation.fixed(3, 2).withDraftTokens(20), Speculation.auto())) {
            List<Integer> full = run(new StandardDecoder(earlyExitFriendly, penalised, StepHooks.FULL, 128), prompt, 48);
            assertEquals(full, run(new SelfSpeculativeDecoder(earlyExitFriendly, s, penalised, 128), prompt, 48), s.name());
        }
    }

    /** The sink can stop generation at any token, and the decoder can be reused for a new prompt. */
    @Property(tries = 20)
    void stopsWhenTheSinkSaysSo(@ForAll @IntRange(min = 1, max = 30) int stopAfter) {
        try (SelfSpeculativeDecoder d = new SelfSpeculativeDecoder(earlyExitFriendly, Speculation.fixed(2, 5), SamplingConfig.GREEDY, 256)) {
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
     * distribution must match the full model's too (it is the first that speculation can touch), with
     * the whole head drafting and with a reduced one (q is zero outside its tokens). Frequencies over
     * many seeds are compared with a chi-square test at a fixed seed.
     */
    @Test
    void sampledTokensFollowTheFullModelsDistribution() {
        int[] prompt = {1, 7, 9};
        int n = 1500;
        for (Speculation spec : List.of(Speculation.fixed(2, 3), Speculation.fixed(2, 3).withDraftTokens(20))) {
            int[] got = new int[50], full = new int[50];
            for (int s = 0; s < n; s++) {
                SamplingConfig cfg = new SamplingConfig(1.5f, 0, 1f, 0f, 1f, 64, s);
                got[secondToken(new SelfSpeculativeDecoder(earlyExitFriendly, spec, cfg, 16), prompt)]++;
                full[secondToken(new StandardDecoder(earlyExitFriendly, new SamplingConfig(1.5f, 0, 1f, 0f, 1f, 64, s + 1_000_000),
                        StepHooks.FULL, 16), prompt)]++;
            }
            // Two-sample chi-square over tokens seen at least 10 times in total.
            double chi2 = 0;
            int dof = -1;
            for (int t = 0; t < 50; t++) {
                if (got[t] + full[t] >= 10) {
                    chi2 += Math.pow(got[t] - full[t], 2) / (got[t] + full[t]);
                    dof++;
                }
            }
            assertTrue(dof >= 3, "too few distinct tokens to test: " + dof);
            double critical = dof + 3.1 * Math.sqrt(2.0 * dof) + 3; // well beyond the 0.1% point for these dof
            assertTrue(chi2 < critical, spec.name() + ": chi-square " + chi2 + " with " + dof + " dof exceeds " + critical);
        }
    }

    /** Longer sampled runs with auto, a reduced head and a penalty exercise every path; sampling must still run to the end. */
    @Test
    void samplingRunsWithEverySetting() {
        SamplingConfig cfg = new SamplingConfig(0.8f, 20, 0.9f, 0.05f, 1.1f, 16, 5);
        for (Speculation s : List.of(Speculation.auto(), Speculation.fixed(2, 4).withDraftTokens(10), Speculation.fixed(4, 1))) {
            try (SelfSpeculativeDecoder d = new SelfSpeculativeDecoder(earlyExitFriendly, s, cfg, 128)) {
                assertEquals(60, d.generate(new int[]{1, 2, 3}, 60, t -> true).generatedTokens(), s.name());
            }
        }
    }

    /** Greedy verification reads each row's argmax in place: no vocabulary-sized array is made or copied. */
    @Test
    void greedyDecodingCopiesNoVocabularySizedRow() {
        for (Speculation s : List.of(Speculation.fixed(2, 4), Speculation.fixed(2, 4).withDraftTokens(20), Speculation.auto())) {
            try (SelfSpeculativeDecoder d = new SelfSpeculativeDecoder(earlyExitFriendly, s, SamplingConfig.GREEDY, 256)) {
                d.generate(new int[]{1, 2, 3}, 60, t -> true);
                assertTrue(!d.madeVocabularyBuffers(), s.name());
            }
        }
    }

    @Test
    void acceptsMostDraftsWhenTheEarlyExitAgrees() {
        try (SelfSpeculativeDecoder d = new SelfSpeculativeDecoder(earlyExitFriendly, Speculation.fixed(2, 4), SamplingConfig.GREEDY, 256)) {
            DecodeStats s = d.generate(new int[]{1, 2, 3}, 60, t -> true);
            assertEquals(60, s.generatedTokens());
            assertTrue(s.acceptanceRate() > 0.5, "acceptance " + s.acceptanceRate());
            assertTrue(s.verifyPasses() < 40, "verify passes " + s.verifyPasses());
        }
    }

    /**
     * The decoder keeps within the context it is given, like full decoding: a prompt plus a token
     * budget that fill it exactly generate to the end, with the full model's output.
     */
    @Test
    void theWholeContextIsUsableWithoutHeadroom() {
        int[] prompt = {1, 2, 3, 4, 5};
        int context = 48;
        List<Integer> full = run(new StandardDecoder(earlyExitFriendly, SamplingConfig.GREEDY, StepHooks.FULL, context), prompt, context - 5);
        for (Speculation s : List.of(Speculation.fixed(2, 7), Speculation.auto())) {
            assertEquals(full, run(new SelfSpeculativeDecoder(earlyExitFriendly, s, SamplingConfig.GREEDY, context), prompt, context - 5));
            try (SelfSpeculativeDecoder d = new SelfSpeculativeDecoder(earlyExitFriendly, s, SamplingConfig.GREEDY, context)) {
                assertThrows(dev.skipllama.transformer.llama.ContextOverflowException.class, () -> d.generate(prompt, context - 4, t -> true));
            }
        }
    }

    /** A chat turn re-sends the conversation: the KV rows of the part already seen are kept, and the text is a fresh decoder's. */
    @Test
    void aRepeatedPrefixKeepsItsKvRows() {
        for (Speculation s : List.of(Speculation.fixed(2, 4), Speculation.auto())) {
            try (SelfSpeculativeDecoder d = new SelfSpeculativeDecoder(earlyExitFriendly, s, SamplingConfig.GREEDY, 200)) {
                int[] first = {1, 9, 8, 7};
                List<Integer> out1 = new ArrayList<>();
                d.generate(first, 20, out1::add);
                int[] second = java.util.stream.IntStream.concat(java.util.stream.IntStream.concat(Arrays.stream(first),
                        out1.stream().mapToInt(Integer::intValue)), java.util.stream.IntStream.of(4, 4, 2)).toArray();
                List<Integer> out2 = new ArrayList<>();
                DecodeStats st = d.generate(second, 20, out2::add);
                assertEquals(second.length - (first.length + out1.size() - 1), st.promptTokens(), s.name() + ": only the new tokens are processed");
                assertEquals(run(new StandardDecoder(earlyExitFriendly, SamplingConfig.GREEDY, StepHooks.FULL, 200), second, 20), out2);
            }
        }
    }

    /** The draft head's rows are gathered once per model and shared; its logits are the full head's at those rows. */
    @Test
    void theDraftHeadIsTheFullHeadsRows() {
        int[] ids = {0, 3, 4, 17, 31, 49};
        for (Llama m : List.of(model, quantized)) {
            try (DraftHead a = new DraftHead(m, ids); DraftHead b = new DraftHead(m, ids.clone());
                 Workspace ws = m.workspace(1, 1)) {
                assertSame(a.rows().weight, b.rows().weight, "gathered once per model");
                float[] h = new float[C.dim()];
                Random r = new Random(3);
                for (int i = 0; i < h.length; i++) {
                    h[i] = (float) r.nextGaussian();
                }
                ws.hidden(1).copyFrom(h);
                float[] draft = a.logits(ws.hidden(1)).toFloatArray();
                float[] full = m.head(ws, 0, 1).toFloatArray();
                for (int j = 0; j < ids.length; j++) {
                    assertEquals(full[ids[j]], draft[j], 1e-5f * Math.max(1, Math.abs(full[ids[j]])), "row of token " + ids[j]);
                }
            }
        }
    }

    @Test
    void rejectsBadSettings() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SelfSpeculativeDecoder(model, Speculation.fixed(6, 4), SamplingConfig.GREEDY, 256));
        assertTrue(e.getMessage().contains("[1, 5]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Speculation.fixed(2, 0));
        assertThrows(IllegalArgumentException.class, () -> Speculation.fixed(0, 2));
        assertThrows(IllegalArgumentException.class, () -> Speculation.fixed(2, 2).withDraftTokens(0));
    }

    private static int secondToken(TokenDecoder d, int[] prompt) {
        List<Integer> got = run(d, prompt, 2);
        return got.get(1);
    }

    private static List<Integer> run(TokenDecoder d, int[] prompt, int n) {
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
    private static LlamaWeights damped(LlamaConfig c, long seed, DType dtype) {
        LlamaWeights f32 = TinyLlama.weights(c, DType.F32, seed);
        for (int l = 2; l < c.layers(); l++) {
            LlamaWeights.Layer layer = f32.layers().get(l);
            scale(layer.wo(), 0.05f);
            scale(layer.wDown(), 0.05f);
        }
        if (dtype == DType.F32) {
            return f32;
        }
        List<LlamaWeights.Layer> layers = new ArrayList<>();
        for (LlamaWeights.Layer l : f32.layers()) {
            layers.add(new LlamaWeights.Layer(l.attnNorm(), q(l.wq(), dtype), q(l.wk(), dtype), q(l.wv(), dtype), q(l.wo(), dtype),
                    l.ffnNorm(), q(l.wGate(), dtype), q(l.wUp(), dtype), q(l.wDown(), dtype)));
        }
        return new LlamaWeights(q(f32.tokenEmbedding(), dtype), layers, f32.finalNorm(), q(f32.output(), dtype));
    }

    private static Tensor q(Tensor t, DType dtype) {
        return dev.skipllama.tensor.Quantize.to(t, dtype);
    }

    private static void scale(Tensor t, float f) {
        for (long i = 0; i < t.numel(); i++) {
            t.setFloat(i, t.getFloat(i) * f);
        }
    }
}
