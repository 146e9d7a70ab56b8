package dev.skipllama.skip.dynamic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.skipllama.skip.CountingBackend;
import dev.skipllama.skip.Fixtures;
import dev.skipllama.skip.Stepper;
import dev.skipllama.skip.TinyModel;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.tensor.ref.ReferenceBackend;
import dev.skipllama.transformer.llama.Llama;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class DepthDecayTest {
    private static final ReferenceBackend BACKEND = new ReferenceBackend();
    private static final int L = TinyModel.LAYERS;
    private static final int[] TEXT = {7, 19, 2, 44, 31, 0, 12, 12};

    @AfterAll
    static void close() {
        BACKEND.close();
    }

    @Test
    void keepsFloorOfLTimesAlphaToTheIWithAMinimum() {
        DepthDecay d = new DepthDecay(L, 0.8, 2, 0);
        // 6·0.8^i = 6, 4.8, 3.84, 3.07, 2.46, 1.97 → 6, 4, 3, 3, 2, 2 (min)
        int[] want = {6, 4, 3, 3, 2, 2, 2};
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], d.layersAt(i), "token " + i);
        }
        assertEquals(32, new DepthDecay(32, 1.0, 1, 0).layersAt(500));
        assertThrows(IllegalArgumentException.class, () -> new DepthDecay(L, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new DepthDecay(L, 1.01, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new DepthDecay(L, 0.9, 2, 3));
    }

    /** Token i runs its first k - tail and last tail layers and writes no KV for the others. */
    @Test
    void runsTheKeptLayersAndFillsTheKvOfTheSkippedOnes() {
        for (int tail : new int[]{0, 1, 2}) {
            CountingBackend counting = new CountingBackend(BACKEND);
            Llama model = TinyModel.model(counting, 13);
            DepthDecay method = new DepthDecay(L, 0.8, 2, tail);
            List<Stepper.Step> steps = Stepper.run(model, counting, method, Fixtures.PROMPT, TEXT, null);
            for (Stepper.Step s : steps.subList(1, steps.size())) {
                int k = method.layersAt(s.step());
                for (int l = 0; l < L; l++) {
                    boolean kept = l < k - tail || l >= L - tail;
                    String at = "tail " + tail + " step " + s.step() + " layer " + l;
                    assertEquals(kept ? 1 : 0, s.attention()[l], at + " attention");
                    assertEquals(kept ? 1 : 0, s.ffn()[l], at + " FFN");
                    assertEquals(kept ? 1 : 0, s.kv()[l], at + " KV rows (none filled)");
                }
            }
        }
    }

    /**
     * The Javadoc's argument that D3 needs no KV fill, tested: poison (NaN) every row a skipped
     * (layer, position) left behind; no later token reads one, so the logits equal the clean run's.
     */
    @Test
    void noTokenEverReadsTheKvOfALayerSkippedEarlier() {
        for (int tail : new int[]{0, 2}) {
            CountingBackend counting = new CountingBackend(BACKEND);
            Llama model = TinyModel.model(counting, 13);
            float[] nan = new float[model.config().kvDim()];
            Arrays.fill(nan, Float.NaN);
            DepthDecay method = new DepthDecay(L, 0.8, 2, tail);
            List<Stepper.Step> clean = Stepper.run(model, counting, method, Fixtures.PROMPT, TEXT, null);
            List<Stepper.Step> poisoned = Stepper.run(model, counting, method, Fixtures.PROMPT, TEXT, (step, position, cache) -> {
                if (step > 0) {
                    for (int l = method.layersAt(step) - tail; l < L - tail; l++) {
                        Tensor k = cache.keys(l).row(position), v = cache.values(l).row(position);
                        k.copyFrom(nan);
                        v.copyFrom(nan);
                    }
                }
            });
            for (int t = 0; t < clean.size(); t++) {
                assertArrayEquals(clean.get(t).logits(), poisoned.get(t).logits(), 0f, "tail " + tail + " step " + t);
            }
        }
    }

    @Test
    void depthNeverRisesWithinASequence() {
        DepthDecay d = new DepthDecay(L, 0.5, 1, 0);
        d.hooks(5, 10);
        assertEquals(dev.skipllama.transformer.llama.LayerAction.SKIP, d.hooks(1, 11).action(2), "depth 1 sticks after step 5");
        d.reset();
        assertEquals(dev.skipllama.transformer.llama.LayerAction.RUN, d.hooks(1, 0).action(2));
    }
}
