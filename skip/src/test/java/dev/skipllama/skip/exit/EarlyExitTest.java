package dev.skipllama.skip.exit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.skipllama.skip.CountingBackend;
import dev.skipllama.skip.Fixtures;
import dev.skipllama.skip.GreedyGenerator;
import dev.skipllama.skip.SkipMethod;
import dev.skipllama.skip.SkipMethods;
import dev.skipllama.skip.TinyModel;
import dev.skipllama.tensor.ref.ReferenceBackend;
import dev.skipllama.transformer.llama.Llama;
import dev.skipllama.transformer.llama.LlamaWeights;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class EarlyExitTest {
    private static final ReferenceBackend BACKEND = new ReferenceBackend(); // scalar, so bit-for-bit repeatable (the Vector API backend's lane reductions may reorder once JIT-compiled)
    private static final int L = TinyModel.LAYERS;

    @AfterAll
    static void close() {
        BACKEND.close();
    }

    /** exit:E never touches a layer >= E (no KV fill either), for the prompt and every token. */
    @Test
    void fixedExitRunsExactlyTheFirstELayers() {
        for (int e = 1; e < L; e++) {
            CountingBackend counting = new CountingBackend(BACKEND);
            Llama model = TinyModel.model(counting, 3);
            SkipMethod m = new FixedExit(L, e);
            GreedyGenerator.generate(model, m, Fixtures.PROMPT, 8);
            long rows = Fixtures.PROMPT.length + 7;
            for (int l = 0; l < L; l++) {
                LlamaWeights.Layer w = model.weights().layers().get(l);
                long want = l < e ? rows : 0;
                assertEquals(want, counting.rows(w.wq()), "exit:" + e + " layer " + l + " wq");
                assertEquals(want, counting.rows(w.wk()), "exit:" + e + " layer " + l + " wk");
                assertEquals(want, counting.rows(w.wDown()), "exit:" + e + " layer " + l + " w_down");
            }
            assertEquals(e, m.stats().generated().layersPerToken(), 0.0);
        }
    }

    /** Two mechanisms, one model truncated to E layers: exiting after layer E-1 equals skipping the last L-E layers. */
    @Test
    void fixedExitEqualsDroppingTheLastLayers() {
        Llama model = TinyModel.model(BACKEND, 5);
        for (int e = 1; e < L; e++) {
            GreedyGenerator.Result exit = GreedyGenerator.generate(model, SkipMethods.parse("exit:" + e, model, null), Fixtures.PROMPT, 8);
            GreedyGenerator.Result drop = GreedyGenerator.generate(model, SkipMethods.parse("last:" + (L - e), model, null), Fixtures.PROMPT, 8);
            for (int t = 0; t < 8; t++) {
                assertArrayEquals(drop.logits()[t], exit.logits()[t], 0f, "E=" + e + " step " + t);
            }
        }
    }

    /**
     * With threshold 0 every candidate is confident, so each generated token exits at the first exit
     * point; layers below it see the same prompt KV as exit:E, so the generated logits agree exactly.
     */
    @Test
    void confidenceExitsAtTheFirstCandidateWhenTheThresholdIsZero() {
        Llama model = TinyModel.model(BACKEND, 5);
        int e = 4;
        SkipMethod conf = SkipMethods.parse("confidence:0,every=2,min=3", model, null);
        assertArrayEquals(new int[]{4}, ((ConfidenceExit) conf).exitPoints());
        int[] text = {7, 19, 2, 44, 31, 0, 12};
        GreedyGenerator.Result c = GreedyGenerator.teacherForced(model, conf, Fixtures.PROMPT, text);
        GreedyGenerator.Result x = GreedyGenerator.teacherForced(model, new FixedExit(L, e), Fixtures.PROMPT, text);
        for (int t = 1; t < 8; t++) {
            assertArrayEquals(x.logits()[t], c.logits()[t], 0f, "step " + t);
        }
        assertFalse(Arrays.equals(x.logits()[0], c.logits()[0]), "the prompt pass of the confidence method is the full model");
        assertEquals(7, conf.stats().generated().headProbes());
        for (int l = 0; l < L; l++) {
            assertEquals(l < e ? 7 : 0, conf.stats().generated().attention(l), "layer " + l);
            assertEquals(l < e ? 0 : 7, conf.stats().generated().kvFills(l), "deeper layers get state-propagated KV, layer " + l);
        }
    }

    @Test
    void candidateLayersFollowEveryAndMin() {
        Llama model = TinyModel.model(BACKEND, 5);
        assertArrayEquals(new int[]{1, 2, 3, 4, 5}, ConfidenceExit.everyKth(model, ExitMeasure.TOP_PROBABILITY, 0.5, 1, 1).exitPoints());
        assertArrayEquals(new int[]{2, 4}, ConfidenceExit.everyKth(model, ExitMeasure.TOP_PROBABILITY, 0.5, 2, 1).exitPoints());
        assertArrayEquals(new int[]{3}, ConfidenceExit.everyKth(model, ExitMeasure.TOP_PROBABILITY, 0.5, 3, 2).exitPoints());
        assertArrayEquals(new int[]{}, ConfidenceExit.everyKth(model, ExitMeasure.TOP_PROBABILITY, 0.5, 6, 1).exitPoints());
        assertThrows(IllegalArgumentException.class, () -> new ConfidenceExit(model, ExitMeasure.MARGIN, 0.5, new int[]{6}, "x"));
        assertThrows(IllegalArgumentException.class, () -> new FixedExit(L, 0));
        assertThrows(IllegalArgumentException.class, () -> new FixedExit(L, L + 1));
    }

    @Test
    void measuresOfADistribution() {
        float[] p = {0.1f, 0.5f, 0.15f, 0.25f};
        assertEquals(0.5, ExitMeasure.TOP_PROBABILITY.of(p), 1e-7);
        assertEquals(0.25, ExitMeasure.MARGIN.of(p), 1e-7);
        assertEquals(0.0, ExitMeasure.MARGIN.of(new float[]{0.5f, 0.5f}), 0);
        assertEquals(1.0, ExitMeasure.MARGIN.of(new float[]{1f}), 0);
    }
}
