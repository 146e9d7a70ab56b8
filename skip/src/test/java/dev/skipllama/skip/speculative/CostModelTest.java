package dev.skipllama.skip.speculative;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CostModelTest {

    @Test
    void roundCostsAsTheFormulaSays() {
        CostModel m = CostModel.linear(16, 4.3, 1.1, 0.1, 8);
        assertEquals(20.3, m.fullCost(), 1e-12);
        // (d+1)·E + d·H_N + ρ(d+1)·(L − E + H) at E = 4, d = 3: 16 + 3.3 + 1.3·16.3
        assertEquals(16 + 3.3 + 1.3 * 16.3, m.roundCost(4, 3), 1e-9);
        assertEquals(4, CostModel.expectedTokens(1, 3), 1e-12);
        assertEquals(1, CostModel.expectedTokens(0, 3), 1e-12);
        assertEquals((1 - Math.pow(0.85, 4)) / 0.15, CostModel.expectedTokens(0.85, 3), 1e-12);
        assertEquals(1.9, m.rho(10), 1e-12, "extrapolates the last slope");
    }

    @Test
    void theBestDraftGrowsWithAcceptance() {
        CostModel m = CostModel.linear(16, 4.3, 1.1, 0.1, 12);
        int low = m.bestDrafts(0.5, 4, 12), high = m.bestDrafts(0.95, 4, 12);
        assertTrue(low < high, low + " vs " + high);
        assertTrue(m.speedUp(0.85, 4, m.bestDrafts(0.85, 4, 12)) > 1.5, "the 1B shape at 85% with ρ slope 0.1 promises > 1.5×");
        assertTrue(m.speedUp(0, 4, 1) < 1);
    }
}
