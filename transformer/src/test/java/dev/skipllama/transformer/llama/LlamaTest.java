package dev.skipllama.transformer.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.tensor.Backend;
import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.RopeLayout;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.tensor.ref.ReferenceBackend;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class LlamaTest {
    private static final CpuBackend CPU = new CpuBackend(2);
    private static final int[] TOKENS = {1, 17, 42, 3, 3, 29, 8, 49, 0, 12};

    @AfterAll
    static void close() {
        CPU.close();
    }

    /** The decoder against an independent naive implementation of the same equations. */
    @ParameterizedTest
    @EnumSource(RopeLayout.class)
    void matchesANaiveImplementationOfTheEquations(RopeLayout layout) {
        LlamaConfig c = TinyLlama.config(layout);
        LlamaWeights w = TinyLlama.weights(c, DType.F32, 7);
        double[][] want = new NaiveLlama(c, w).logits(TOKENS);
        float[][] got = prefillAll(new Llama(c, w, CPU), TOKENS);
        for (int t = 0; t < TOKENS.length; t++) {
            assertClose(want[t], got[t], 2e-4, "position " + t + " " + layout);
        }
    }

    /** One batched prefill equals feeding the same tokens one at a time through the KV cache. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "Q8_0"})
    void batchedPrefillEqualsTokenByTokenDecoding(DType dtype) {
        LlamaConfig c = TinyLlama.config(RopeLayout.INTERLEAVED);
        Llama model = new Llama(c, TinyLlama.weights(c, dtype == DType.Q8_0 ? DType.F32 : dtype, 3), CPU);
        float[][] batch = prefillAll(model, TOKENS);
        try (KvCache cache = new KvCache(c, 20); Workspace ws = model.workspace(1, 1)) {
            for (int t = 0; t < TOKENS.length; t++) {
                Tensor logits = model.forward(new int[]{TOKENS[t]}, cache, ws, ForwardHooks.FULL, 1);
                assertClose(toDouble(batch[t]), logits.toFloatArray(), 1e-4, "position " + t);
            }
            assertEquals(TOKENS.length, cache.length());
        }
    }

    @Test
    void cpuAndReferenceBackendsAgree() {
        LlamaConfig c = TinyLlama.config(RopeLayout.HALF_SPLIT);
        LlamaWeights w = TinyLlama.weights(c, DType.F32, 11);
        float[][] cpu = prefillAll(new Llama(c, w, CPU), TOKENS);
        try (Backend ref = new ReferenceBackend()) {
            float[][] r = prefillAll(new Llama(c, w, ref), TOKENS);
            for (int t = 0; t < TOKENS.length; t++) {
                assertClose(toDouble(r[t]), cpu[t], 1e-4, "position " + t);
            }
        }
    }

    /** Exiting after layer l gives the head of exactly the hidden state a full pass had after layer l. */
    @Test
    void earlyExitAppliesTheSharedHeadToThatLayersState() {
        LlamaConfig c = TinyLlama.config(RopeLayout.HALF_SPLIT);
        Llama model = new Llama(c, TinyLlama.weights(c, DType.F32, 5), CPU);
        List<float[]> states = new ArrayList<>();
        try (KvCache cache = new KvCache(c, 20); Workspace ws = model.workspace(TOKENS.length, 1)) {
            model.forward(TOKENS, cache, ws, new ForwardHooks() {
                @Override
                public void afterLayer(int layer, Tensor hidden) {
                    states.add(hidden.row(TOKENS.length - 1).toFloatArray());
                }
            }, 1);
        }
        for (int exit = 0; exit < c.layers(); exit++) {
            int e = exit;
            List<Integer> ran = new ArrayList<>();
            try (KvCache cache = new KvCache(c, 20); Workspace ws = model.workspace(TOKENS.length, 1)) {
                Tensor logits = model.forward(TOKENS, cache, ws, new ForwardHooks() {
                    @Override
                    public void afterLayer(int layer, Tensor hidden) {
                        ran.add(layer);
                    }

                    @Override
                    public boolean exitAfter(int layer, Tensor hidden) {
                        return layer == e;
                    }
                }, 1);
                float[] got = logits.toFloatArray();
                try (Workspace ws2 = model.workspace(1, 1)) {
                    ws2.hidden(1).copyFrom(states.get(e));
                    assertClose(toDouble(model.head(ws2, 0, 1).toFloatArray()), got, 1e-5, "exit after layer " + e);
                }
            }
            assertEquals(e + 1, ran.size(), "layers run before exiting after " + e);
        }
    }

    @Test
    void skippingEveryLayerLeavesTheEmbedding() {
        LlamaConfig c = TinyLlama.config(RopeLayout.HALF_SPLIT);
        Llama model = new Llama(c, TinyLlama.weights(c, DType.F32, 9), CPU);
        try (KvCache cache = new KvCache(c, 20); Workspace ws = model.workspace(3, 1)) {
            model.forward(new int[]{4, 5, 6}, cache, ws, new ForwardHooks() {
                @Override
                public LayerAction action(int layer) {
                    return LayerAction.SKIP;
                }
            }, 1);
            float[] h = ws.hidden(3).row(2).toFloatArray();
            float[] emb = model.weights().tokenEmbedding().row(6).toFloatArray();
            assertClose(toDouble(emb), h, 0, "hidden state after skipping everything");
        }
    }

    @Test
    void badInputIsRejectedClearly() {
        LlamaConfig c = TinyLlama.config(RopeLayout.HALF_SPLIT);
        Llama model = new Llama(c, TinyLlama.weights(c, DType.F32, 1), CPU);
        try (KvCache cache = new KvCache(c, 4); Workspace ws = model.workspace(8, 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.forward(new int[]{1, 50}, cache, ws, ForwardHooks.FULL, 1));
            assertTrue(e.getMessage().contains("token id 50 at index 1") && e.getMessage().contains("[0, 50)"), e.getMessage());
            ContextOverflowException o = assertThrows(ContextOverflowException.class,
                    () -> model.forward(new int[]{1, 2, 3, 4, 5}, cache, ws, ForwardHooks.FULL, 1));
            assertTrue(o.getMessage().contains("context of 4 positions"), o.getMessage());
        }
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class, () -> new KvCache(c, 41));
        assertTrue(big.getMessage().contains("[1, 40]"), big.getMessage());
        LlamaWeights w = TinyLlama.weights(c, DType.F32, 1);
        LlamaConfig wrong = new LlamaConfig(64, 97, 3, 4, 2, 16, 50, 40, 1e-5f, 10000f, null, RopeLayout.HALF_SPLIT);
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> new Llama(wrong, w, CPU));
        assertTrue(shape.getMessage().contains("layer 0 w_gate: expected shape [97, 64], found [96, 64]"), shape.getMessage());
    }

    /**
     * Loading tells the caller of every byte of every matrix the backend copied, once (so a mapped
     * file can drop those pages), and never of the token embedding, which the host reads as loaded,
     * even when the LM head shares it and is told of in runs of rows.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void copiedWeightsAreReportedOnceAndTheEmbeddingNever(boolean tied) {
        LlamaConfig c = TinyLlama.config(RopeLayout.HALF_SPLIT);
        LlamaWeights loaded = TinyLlama.weights(c, DType.F32, 13);
        LlamaWeights w = tied ? new LlamaWeights(loaded.tokenEmbedding(), loaded.layers(), loaded.finalNorm(), loaded.tokenEmbedding()) : loaded;
        List<long[]> told = new ArrayList<>();
        new Llama(c, w, CPU, dev.skipllama.transformer.ProgressListener.NONE,
                t -> told.add(new long[]{t.segment().address(), t.byteSize()})).close();
        long e0 = w.tokenEmbedding().segment().address(), e1 = e0 + w.tokenEmbedding().byteSize();
        for (long[] r : told) {
            assertTrue(r[0] + r[1] <= e0 || r[0] >= e1, "the token embedding's bytes were reported (tied=" + tied + ")");
        }
        List<Tensor> matrices = new ArrayList<>();
        for (LlamaWeights.Layer l : w.layers()) {
            matrices.addAll(List.of(l.wq(), l.wk(), l.wv(), l.wo(), l.wGate(), l.wUp(), l.wDown()));
        }
        if (!tied) {
            matrices.add(w.output());
        }
        for (Tensor m : matrices) {
            long m0 = m.segment().address(), covered = 0;
            for (long[] r : told) {
                covered += Math.max(0, Math.min(m0 + m.byteSize(), r[0] + r[1]) - Math.max(m0, r[0]));
            }
            assertEquals(m.byteSize(), covered, m + ": every byte reported exactly once (tied=" + tied + ")");
        }
    }

    static float[][] prefillAll(Llama model, int[] tokens) {
        try (KvCache cache = new KvCache(model.config(), 20); Workspace ws = model.workspace(tokens.length, tokens.length)) {
            Tensor logits = model.forward(tokens, cache, ws, ForwardHooks.FULL, tokens.length);
            float[][] out = new float[tokens.length][];
            for (int t = 0; t < tokens.length; t++) {
                out[t] = logits.row(t).toFloatArray();
            }
            return out;
        }
    }

    static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /** |got - want| <= rel · max|want| for every element. */
    static void assertClose(double[] want, float[] got, double rel, String what) {
        assertEquals(want.length, got.length, what + ": length");
        double scale = 0;
        for (double v : want) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < want.length; i++) {
            double err = Math.abs(got[i] - want[i]);
            int idx = i;
            assertTrue(err <= rel * scale, () -> what + " element " + idx + ": got " + got[idx] + ", want " + want[idx]);
        }
    }
}
