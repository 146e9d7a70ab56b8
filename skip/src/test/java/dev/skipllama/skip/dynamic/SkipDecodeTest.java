package dev.skipllama.skip.dynamic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.skip.CountingBackend;
import dev.skipllama.skip.Fixtures;
import dev.skipllama.skip.Stepper;
import dev.skipllama.skip.TinyModel;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.tensor.ref.ReferenceBackend;
import dev.skipllama.transformer.llama.Llama;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class SkipDecodeTest {
    private static final ReferenceBackend BACKEND = new ReferenceBackend();
    private static final int L = TinyModel.LAYERS;
    private static final int[] TEXT = {7, 19, 2, 44, 31, 0, 12, 12, 5, 40};

    @AfterAll
    static void close() {
        BACKEND.close();
    }

    @Property(tries = 200)
    void scheduleDecaysLinearlyFromMaxToMinAndNeverRises(@ForAll @IntRange(min = 1, max = 40) int layers,
                                                         @ForAll @IntRange(min = 1, max = 40) int min,
                                                         @ForAll @IntRange(min = 0, max = 40) int extra,
                                                         @ForAll @IntRange(min = 1, max = 50) int horizon) {
        Assume.that(min <= layers);
        int max = Math.min(layers, min + extra);
        SkipDecode s = new SkipDecode(layers, min, max, horizon);
        assertEquals(max, s.layersAt(1));
        assertEquals(min, s.layersAt(1 + horizon));
        assertEquals(min, s.layersAt(1000 + horizon));
        for (int t = 1; t < horizon + 5; t++) {
            assertTrue(s.layersAt(t + 1) <= s.layersAt(t), "layers rose at step " + t);
            assertTrue(s.layersAt(t) >= min && s.layersAt(t) <= max);
        }
    }

    /** Generated token t runs exactly layers [L - layersAt(t), L), with no KV written for the lower ones. */
    @Test
    void eachTokenRunsOnlyTheUpperLayersOfItsSchedule() {
        CountingBackend counting = new CountingBackend(BACKEND);
        Llama model = TinyModel.model(counting, 11);
        SkipDecode method = new SkipDecode(L, 2, 5, 6);
        List<Stepper.Step> steps = Stepper.run(model, counting, method, Fixtures.PROMPT, TEXT, null);
        for (Stepper.Step s : steps) {
            int start = s.step() == 0 ? 0 : L - method.layersAt(s.step());
            long rows = s.step() == 0 ? Fixtures.PROMPT.length : 1;
            for (int l = 0; l < L; l++) {
                long want = l >= start ? rows : 0;
                assertEquals(want, s.attention()[l], "step " + s.step() + " layer " + l + " attention");
                assertEquals(want, s.kv()[l], "step " + s.step() + " layer " + l + " KV rows");
                assertEquals(want, s.ffn()[l], "step " + s.step() + " layer " + l + " FFN");
            }
        }
    }

    /**
     * The Javadoc's argument, tested: poison (NaN) the KV rows every skipped (layer, position) left
     * behind; if any later token attended to one, its logits would be NaN. They are exactly the
     * unpoisoned run's.
     */
    @Test
    void noTokenEverReadsTheKvOfALayerSkippedEarlier() {
        CountingBackend counting = new CountingBackend(BACKEND);
        Llama model = TinyModel.model(counting, 11);
        SkipDecode method = new SkipDecode(L, 1, 6, 8);
        List<Stepper.Step> clean = Stepper.run(model, counting, method, Fixtures.PROMPT, TEXT, null);
        float[] nan = new float[model.config().kvDim()];
        Arrays.fill(nan, Float.NaN);
        List<Stepper.Step> poisoned = Stepper.run(model, counting, method, Fixtures.PROMPT, TEXT, (step, position, cache) -> {
            if (step > 0) {
                for (int l = 0; l < L - method.layersAt(step); l++) {
                    Tensor k = cache.keys(l).row(position), v = cache.values(l).row(position);
                    k.copyFrom(nan);
                    v.copyFrom(nan);
                }
            }
        });
        for (int t = 0; t < clean.size(); t++) {
            assertArrayEquals(clean.get(t).logits(), poisoned.get(t).logits(), 0f, "step " + t);
        }
    }

    /** The poison has teeth: NaN in rows that are read (the prompt's, in the top layer every token runs) reaches the logits. */
    @Test
    void poisonInRowsThatAreReadShowsUp() {
        CountingBackend counting = new CountingBackend(BACKEND);
        Llama model = TinyModel.model(counting, 11);
        float[] nan = new float[model.config().kvDim()];
        Arrays.fill(nan, Float.NaN);
        List<Stepper.Step> steps = Stepper.run(model, counting, new SkipDecode(L, 1, 6, 8), Fixtures.PROMPT, TEXT,
                (step, position, cache) -> {
                    if (step == 0) {
                        cache.values(L - 1).row(0).copyFrom(nan);
                    }
                });
        assertTrue(Float.isNaN(steps.get(1).logits()[0]));
    }

    @Test
    void startLayerNeverMovesBackEvenIfStepsComeOutOfOrder() {
        SkipDecode method = new SkipDecode(L, 2, 6, 4);
        method.reset();
        method.hooks(9, 20);
        assertEquals(dev.skipllama.transformer.llama.LayerAction.SKIP, method.hooks(1, 21).action(3));
        method.reset();
        assertEquals(dev.skipllama.transformer.llama.LayerAction.RUN, method.hooks(1, 0).action(0));
        assertThrows(IllegalArgumentException.class, () -> new SkipDecode(L, 4, 3, 4));
        assertThrows(IllegalArgumentException.class, () -> new SkipDecode(L, 0, 3, 4));
        assertThrows(IllegalArgumentException.class, () -> new SkipDecode(L, 2, 7, 4));
        assertThrows(IllegalArgumentException.class, () -> new SkipDecode(L, 2, 3, 0));
    }
}
