package dev.skipllama.skip.speculative;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The auto schedule against a simulated machine: timings from a known cost model (a 1B-like shape:
 * 16 layers, a head of 4.3 layers, a draft head of 1.1, verification at ρ(r) = 1 + 0.1·(r − 1)) and
 * drafts accepted independently with a known probability per exit layer.
 */
class AutoScheduleTest {
    private static final double LAYER_NS = 1_000_000;
    private static final CostModel TRUTH = CostModel.linear(16, 4.3, 1.1, 0.1, 12);

    private static double simulate(AutoSchedule s, double[] acceptance, int tokens, long seed, int[] counts) {
        return simulate(s, TRUTH, acceptance, tokens, seed, counts);
    }

    /** Simulated decoding: returns layer units spent per token, and fills counts {rounds, full steps, probes}. */
    private static double simulate(AutoSchedule s, CostModel truth, double[] acceptance, int tokens, long seed, int[] counts) {
        int layers = truth.layers();
        Random r = new Random(seed);
        Schedule.Timing t = new Schedule.Timing();
        double spent = 0;
        int made = 0;
        while (made < tokens) {
            Schedule.Plan p = s.next(Math.min(8, tokens - made));
            t.clear();
            if (p.isRound()) {
                int e = p.exit(), d = p.drafts();
                int k = 0;
                while (k < d && r.nextDouble() < acceptance[e]) {
                    k++;
                }
                t.draftLayers = (long) ((d + 1.0) * e * LAYER_NS);
                t.draftHead = (long) (d * truth.draftHead() * LAYER_NS);
                t.verifyLayers = (long) (truth.rho(d + 1) * (layers - e) * LAYER_NS);
                t.verifyHead = (long) (truth.rho(d + 1) * truth.head() * LAYER_NS);
                t.total = t.draftLayers + t.draftHead + t.verifyLayers + t.verifyHead;
                s.roundDone(e, d, k, t);
                made += k + 1;
                counts[0]++;
            } else {
                t.draftLayers = (long) (layers * LAYER_NS);
                t.verifyHead = (long) (truth.head() * LAYER_NS);
                double agreement = Double.NaN;
                if (p.probe() > 0) {
                    t.draftHead = (long) (truth.draftHead() * LAYER_NS);
                    agreement = r.nextDouble() < acceptance[p.probe()] ? 1 : 0;
                    counts[2]++;
                }
                t.total = t.draftLayers + t.verifyHead + t.draftHead;
                s.fullDone(p.probe(), agreement, t);
                made++;
                counts[1]++;
            }
            spent += t.total / LAYER_NS;
        }
        return spent / made;
    }

    @Test
    void speculatesAtTheCheapLayerWhereDraftsAreAccepted() {
        double[] acceptance = new double[16];
        for (int e = 1; e < 16; e++) {
            acceptance[e] = e >= 4 ? 0.85 + 0.01 * (e - 4) : 0.3;
        }
        for (long seed = 1; seed <= 10; seed++) {
            AutoSchedule s = new AutoSchedule(16, 8, 32064, 128256);
            int[] counts = new int[3];
            double perToken = simulate(s, acceptance, 2000, seed, counts);
            double best = bestFixed(acceptance);
            assertTrue(perToken < best * 1.10, "seed " + seed + ": auto spends " + perToken + " layer units per token; the best fixed setting "
                    + best + "; " + s);
            assertTrue(counts[0] > 10 * counts[1], "mostly rounds: " + java.util.Arrays.toString(counts));
            assertEquals(TRUTH.rho(5), s.costs().rho(5), 1e-6, "verification cost measured");
        }
    }

    /** Where only a deeper exit is accepted, auto finds it. */
    @Test
    void findsTheLayerThatPays() {
        double[] acceptance = new double[16];
        for (int e = 1; e < 16; e++) {
            acceptance[e] = e >= 8 ? 0.95 : 0.2;
        }
        for (long seed = 1; seed <= 3; seed++) {
            AutoSchedule s = new AutoSchedule(16, 8, 32064, 128256);
            double perToken = simulate(s, acceptance, 2000, seed, new int[3]);
            assertTrue(perToken < bestFixed(acceptance) * 1.10, "seed " + seed + ": " + perToken + " vs " + bestFixed(acceptance) + "; " + s);
        }
    }

    private static double bestFixed(double[] acceptance) {
        double best = Double.MAX_VALUE;
        for (int e : AutoSchedule.candidates(16)) {
            for (int d = 1; d <= 8; d++) {
                best = Math.min(best, TRUTH.roundCost(e, d) / CostModel.expectedTokens(acceptance[e], d));
            }
        }
        return best;
    }

    @Test
    void staysWithinAFewPercentOfFullDecodingWhenNoDraftIsAccepted() {
        for (int tokens : new int[]{32, 256, 4000}) {
            AutoSchedule s = new AutoSchedule(16, 8, 32064, 128256);
            int[] counts = new int[3];
            double perToken = simulate(s, new double[16], tokens, 2, counts);
            assertTrue(perToken < TRUTH.fullCost() * 1.03, tokens + " tokens: " + perToken + " layer units per token against "
                    + TRUTH.fullCost() + ", " + java.util.Arrays.toString(counts) + " " + s);
        }
    }

    /**
     * A small model bound by per-op overhead (the embedded one's shape: a verification pass over r rows
     * costing about 0.75·r single-row passes, a head of one layer) with exits accepted 30-80%: no
     * setting pays, and auto stays within a few percent of full decoding.
     */
    @Test
    void decodesFullyWhereNoSettingPays() {
        CostModel tiny = CostModel.linear(12, 1.0, 1.0, 0.75, 12);
        double[] acceptance = {0, 0.2, 0.25, 0.35, 0.4, 0.45, 0.5, 0.6, 0.65, 0.8, 0.85, 0.95};
        for (long seed = 1; seed <= 5; seed++) {
            AutoSchedule s = new AutoSchedule(12, 8, 4096, 4096);
            int[] counts = new int[3];
            double perToken = simulate(s, tiny, acceptance, 300, seed, counts);
            assertTrue(perToken < tiny.fullCost() * 1.05, "seed " + seed + ": " + perToken / tiny.fullCost() + " of full decoding, "
                    + java.util.Arrays.toString(counts) + " " + s);
        }
    }

    @Test
    void candidatesSpanTheDepth() {
        assertEquals("[4, 6, 8, 10, 12]", java.util.Arrays.toString(AutoSchedule.candidates(16)));
        assertEquals("[3, 5, 6, 8, 9]", java.util.Arrays.toString(AutoSchedule.candidates(12)));
        assertEquals("[1]", java.util.Arrays.toString(AutoSchedule.candidates(2)));
        assertEquals("[]", java.util.Arrays.toString(AutoSchedule.candidates(1)));
    }
}
