package dev.skipllama.skip.planners;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.skip.Fixtures;
import dev.skipllama.skip.TinyModel;
import dev.skipllama.skip.calibration.Calibration;
import dev.skipllama.skip.plan.StaticPlan;
import dev.skipllama.tensor.ref.ReferenceBackend;
import dev.skipllama.transformer.llama.LayerAction;
import dev.skipllama.transformer.llama.Llama;
import dev.skipllama.transformer.llama.LlamaConfig;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class PlannersTest {
    private static final ReferenceBackend BACKEND = new ReferenceBackend();
    private static final int L = TinyModel.LAYERS;

    @AfterAll
    static void close() {
        BACKEND.close();
    }

    private static Calibration calibrationWithZeroed(int layer, boolean attention, boolean ffn) {
        LlamaConfig c = TinyModel.config(L);
        return Fixtures.calibration(new Llama(c, TinyModel.zeroed(TinyModel.weights(c, 41), layer, attention, ffn), BACKEND));
    }

    @Test
    void shortGptRemovesTheIdentityLayerFirst() {
        for (int zero : new int[]{1, 4}) {
            Calibration cal = calibrationWithZeroed(zero, true, true);
            StaticPlan plan = ShortGpt.plan(cal, 1);
            assertEquals(List.of(zero), plan.layersWith(LayerAction.SKIP));
            assertEquals(L - 1, plan.layersWith(LayerAction.RUN).size());
            assertEquals(0.0, plan.scores().get(zero), 1e-12);
            StaticPlan three = ShortGpt.plan(cal, 3);
            assertEquals(3, three.layersWith(LayerAction.SKIP).size());
            assertTrue(three.layersWith(LayerAction.SKIP).contains(zero));
            double maxSkipped = three.layersWith(LayerAction.SKIP).stream().mapToDouble(l -> three.scores().get(l)).max().orElseThrow();
            double minKept = three.layersWith(LayerAction.RUN).stream().mapToDouble(l -> three.scores().get(l)).min().orElseThrow();
            assertTrue(maxSkipped <= minKept, "removed layers have the lowest BI");
        }
        assertThrows(IllegalArgumentException.class, () -> ShortGpt.plan(calibrationWithZeroed(1, true, true), L));
    }

    @Test
    void attentionDropPicksTheAttentionWhoseOutputEqualsItsInput() {
        Calibration cal = calibrationWithZeroed(3, true, false);
        StaticPlan plan = AttentionDrop.plan(cal, 1);
        assertEquals(List.of(3), plan.layersWith(LayerAction.SKIP_ATTENTION));
        assertEquals(L - 1, plan.layersWith(LayerAction.RUN).size());
        assertEquals(2, AttentionDrop.plan(cal, 2).layersWith(LayerAction.SKIP_ATTENTION).size());
    }

    @Test
    void ffnDropPicksTheFfnWhoseOutputEqualsItsInput() {
        Calibration cal = calibrationWithZeroed(5, false, true);
        StaticPlan plan = FfnDrop.plan(cal, 1);
        assertEquals(List.of(5), plan.layersWith(LayerAction.SKIP_FFN));
        assertEquals(L - 1, plan.layersWith(LayerAction.RUN).size());
    }

    @Test
    void rankingBreaksTiesTowardsTheDeeperLayer() {
        assertEquals(List.of(1, 3), Ranking.lowest(new double[]{0.5, 0.1, 0.3, 0.1}, 2, "layers"));
        assertEquals(List.of(3), Ranking.lowest(new double[]{0.5, 0.1, 0.3, 0.1}, 1, "layers"));
        assertEquals(List.of(0, 2), Ranking.highest(new double[]{0.9, 0.1, 0.9, 0.2}, 2, "layers"));
        assertThrows(IllegalArgumentException.class, () -> Ranking.lowest(new double[]{0.1, Double.NaN}, 1, "layers"));
        assertThrows(IllegalArgumentException.class, () -> Ranking.lowest(new double[]{0.1}, 2, "layers"));
    }

    @Test
    void last25DropsExactlyTheLastQuarter() {
        assertEquals(List.of(6, 7), LastLayersPruning.plan(8, 0.25).layersWith(LayerAction.SKIP));
        assertEquals(List.of(9, 10, 11), LastLayersPruning.plan(12, 0.25).layersWith(LayerAction.SKIP));
        assertEquals(List.of(24, 25, 26, 27, 28, 29, 30, 31), LastLayersPruning.plan(32, 0.25).layersWith(LayerAction.SKIP));
        assertEquals(List.of(17, 18, 19, 20, 21), LastLayersPruning.plan(22, 0.25).layersWith(LayerAction.SKIP), "⌊22/4⌋ = 5");
        assertEquals(List.of(), LastLayersPruning.plan(3, 0.25).layersWith(LayerAction.SKIP));
        assertEquals(List.of(4, 5), LastLayersPruning.dropLast(6, 2).layersWith(LayerAction.SKIP));
        assertEquals("last25", LastLayersPruning.plan(8, 0.25).method());
        assertThrows(IllegalArgumentException.class, () -> LastLayersPruning.dropLast(6, 6));
    }

    @Property(tries = 300)
    void unifiedKeepsFirstAndLastEvenlySpacedWithinTheBudget(@ForAll @IntRange(min = 1, max = 80) int layers,
                                                             @ForAll @DoubleRange(min = 1, max = 10) double speedup) {
        StaticPlan plan = UnifiedLayerSkipping.plan(layers, speedup);
        List<Integer> kept = plan.layersWith(LayerAction.RUN);
        int budget = (int) Math.max(Math.min(2, layers), Math.min(layers, Math.round(layers / speedup)));
        assertEquals(budget, kept.size(), "layers kept");
        assertEquals(budget, UnifiedLayerSkipping.budget(layers, speedup));
        assertEquals(0, kept.get(0));
        assertEquals(layers - 1, kept.get(kept.size() - 1));
        assertEquals(layers - budget, plan.layersWith(LayerAction.SKIP).size());
        List<Integer> gaps = new ArrayList<>();
        for (int i = 1; i < kept.size(); i++) {
            gaps.add(kept.get(i) - kept.get(i - 1));
        }
        if (!gaps.isEmpty()) {
            int min = gaps.stream().mapToInt(Integer::intValue).min().orElseThrow();
            int max = gaps.stream().mapToInt(Integer::intValue).max().orElseThrow();
            assertTrue(max - min <= 1, "balanced spacing: gaps " + gaps);
        }
    }

    @Test
    void unifiedExamples() {
        assertEquals(List.of(0, 2, 5, 7), UnifiedLayerSkipping.plan(8, 2).layersWith(LayerAction.RUN));
        assertEquals(List.of(0, 1, 2, 3, 4, 5), UnifiedLayerSkipping.plan(6, 1).layersWith(LayerAction.RUN));
        assertEquals(List.of(0, 5), UnifiedLayerSkipping.plan(6, 6).layersWith(LayerAction.RUN));
        assertThrows(IllegalArgumentException.class, () -> UnifiedLayerSkipping.plan(6, 0.5));
        assertThrows(IllegalArgumentException.class, () -> UnifiedLayerSkipping.plan(6, Double.NaN));
    }
}
