package dev.skipllama.skip.dynamic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.skip.CountingBackend;
import dev.skipllama.skip.Fixtures;
import dev.skipllama.skip.GreedyGenerator;
import dev.skipllama.skip.Stepper;
import dev.skipllama.skip.TinyModel;
import dev.skipllama.skip.calibration.Calibration;
import dev.skipllama.tensor.ref.ReferenceBackend;
import dev.skipllama.transformer.llama.Llama;
import dev.skipllama.transformer.llama.LlamaConfig;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class AdaSkipTest {
    private static final ReferenceBackend BACKEND = new ReferenceBackend();
    private static final int L = TinyModel.LAYERS;
    private static final int[] TEXT = {7, 19, 2, 44, 31, 0, 12, 12, 5, 40, 22, 9};

    @AfterAll
    static void close() {
        BACKEND.close();
    }

    /**
     * An FFN with a zero down projection is an identity; with a threshold only an identity passes, it
     * is the one sublayer skipped, except on the refresh schedule (it runs after R skips in a row) —
     * and since skipping an identity changes nothing, the logits are the full model's bit for bit.
     */
    @Test
    void skipsExactlyTheIdentitySublayerOnItsRefreshSchedule() {
        LlamaConfig c = TinyModel.config(L);
        CountingBackend counting = new CountingBackend(BACKEND);
        Llama model = new Llama(c, TinyModel.zeroed(TinyModel.weights(c, 21), 3, false, true), counting);
        int refresh = 3;
        AdaSkip method = new AdaSkip(L, c.dim(), 0.9999, 0.3, refresh, SublayerScope.BOTH);
        List<Stepper.Step> steps = Stepper.run(model, counting, method, Fixtures.PROMPT, TEXT, null);
        for (Stepper.Step s : steps.subList(1, steps.size())) {
            boolean refreshToken = s.step() % (refresh + 1) == 0;
            for (int l = 0; l < L; l++) {
                assertEquals(1, s.attention()[l], "step " + s.step() + " layer " + l + " attention");
                assertEquals(l != 3 || refreshToken ? 1 : 0, s.ffn()[l], "step " + s.step() + " layer " + l + " FFN");
            }
        }
        List<Stepper.Step> full = Stepper.run(model, counting, new AdaSkip(L, c.dim(), 1, 0.3, refresh, SublayerScope.BOTH),
                Fixtures.PROMPT, TEXT, null);
        for (int t = 0; t < steps.size(); t++) {
            assertArrayEquals(full.get(t).logits(), steps.get(t).logits(), 0f, "step " + t);
        }
        assertEquals(1.0, method.estimate(3, false), 1e-12);
    }

    /** With τ = -1 everything measurable is skippable: still layer 0's attention always runs and nothing is skipped more than R tokens in a row. */
    @Test
    void layerZeroAttentionAlwaysRunsAndNoSublayerIsSkippedMoreThanRInARow() {
        CountingBackend counting = new CountingBackend(BACKEND);
        Llama model = TinyModel.model(counting, 22);
        int refresh = 2;
        AdaSkip method = new AdaSkip(L, model.config().dim(), -1, 0.5, refresh, SublayerScope.BOTH);
        List<Stepper.Step> steps = Stepper.run(model, counting, method, Fixtures.PROMPT, TEXT, null);
        int[] attnRun = new int[L], ffnRun = new int[L];
        for (Stepper.Step s : steps.subList(1, steps.size())) {
            assertTrue(s.ranAttention(0), "layer 0 attention at step " + s.step());
            for (int l = 0; l < L; l++) {
                attnRun[l] = s.ranAttention(l) ? 0 : attnRun[l] + 1;
                ffnRun[l] = s.ranFfn(l) ? 0 : ffnRun[l] + 1;
                assertTrue(attnRun[l] <= refresh && ffnRun[l] <= refresh, "step " + s.step() + " layer " + l);
                if (!s.ranAttention(l)) {
                    assertEquals(1, s.kv()[l], "skipped attention still fills its KV rows, layer " + l);
                }
            }
        }
        assertTrue(method.stats().generated().layersPerToken() < L / 2.0, method.stats().toString());
    }

    /** After the prompt the estimates are the prompt's mean cosines: the same numbers Calibration measures. */
    @Test
    void promptEstimatesEqualTheCalibrationStatistics() {
        Llama model = TinyModel.model(BACKEND, 23);
        AdaSkip method = new AdaSkip(L, model.config().dim(), 0.9, 0.3, 4, SublayerScope.BOTH);
        GreedyGenerator.generate(model, method, Fixtures.PROMPT, 1);
        Calibration c = Calibration.measure(model, List.of(Fixtures.PROMPT));
        assertTrue(Double.isNaN(method.estimate(0, true)), "layer 0 attention input is not observable");
        for (int l = 0; l < L; l++) {
            if (l > 0) {
                assertEquals(c.attentionCosine()[l], method.estimate(l, true), 1e-9, "attention " + l);
            }
            assertEquals(c.ffnCosine()[l], method.estimate(l, false), 1e-9, "FFN " + l);
        }
    }

    @Test
    void scopeLimitsWhatIsSkipped() {
        CountingBackend counting = new CountingBackend(BACKEND);
        Llama model = TinyModel.model(counting, 22);
        for (SublayerScope scope : new SublayerScope[]{SublayerScope.FFN, SublayerScope.ATTENTION}) {
            AdaSkip method = new AdaSkip(L, model.config().dim(), -1, 0.5, 3, scope);
            GreedyGenerator.generate(model, method, Fixtures.PROMPT, 10);
            var g = method.stats().generated();
            if (scope == SublayerScope.FFN) {
                assertEquals(9 * L, g.attentionTotal());
                assertTrue(g.ffnTotal() < 9 * L);
            } else {
                assertEquals(9 * L, g.ffnTotal());
                assertTrue(g.attentionTotal() < 9 * L);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new AdaSkip(L, 64, 0.9, 0, 4, SublayerScope.BOTH));
        assertThrows(IllegalArgumentException.class, () -> new AdaSkip(L, 64, 0.9, 0.3, 0, SublayerScope.BOTH));
        assertThrows(IllegalArgumentException.class, () -> new AdaSkip(L, 64, Double.NaN, 0.3, 4, SublayerScope.BOTH));
    }
}
