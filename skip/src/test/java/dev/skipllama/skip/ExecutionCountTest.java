package dev.skipllama.skip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.skip.calibration.Calibration;
import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.transformer.llama.Llama;
import dev.skipllama.transformer.llama.LlamaWeights;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * For every method: what its {@link SkipStats} claim ran is exactly what the backend multiplied —
 * per layer, per projection, per token row — and it did skip work.
 */
class ExecutionCountTest {
    private static final CpuBackend CPU = new CpuBackend(2);
    private static final int NEW_TOKENS = 12;

    @AfterAll
    static void close() {
        CPU.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"exit:3", "confidence:0.1", "confidence:0.15,every=2,min=2", "confidence:0.02,measure=margin",
            "shortgpt:2", "last25", "last:3", "unified:2", "attn-drop:3", "ffn-drop:3", "skipdecode:2-5,horizon=4",
            "d3:0.8,min=2", "d3:0.8,min=3,tail=1", "adaskip:0.9", "adaskip:0.9,only=ffn", "adaskip:0.85,only=attn,refresh=2",
            "router:0.5,tau=-1", "router:0.5,tau=0,only=ffn"})
    void statsMatchTheBackendsOwnCountsAndSomethingWasSkipped(String spec) {
        CountingBackend counting = new CountingBackend(CPU);
        Llama model = TinyModel.model(counting, 42);
        Calibration calibration = Fixtures.calibration(model);
        SkipMethod method = SkipMethods.parse(spec, model, () -> calibration);
        counting.clear(); // after parse: the router trains by running the calibration text
        GreedyGenerator.generate(model, method, Fixtures.PROMPT, NEW_TOKENS);
        GreedyGenerator.generate(model, method, new int[]{3, 4}, NEW_TOKENS);

        SkipStats.Counts p = method.stats().prompt(), g = method.stats().generated();
        assertEquals(Fixtures.PROMPT.length + 2, p.tokens(), spec + ": prompt rows");
        assertEquals(2 * (NEW_TOKENS - 1), g.tokens(), spec + ": generated rows");
        for (int l = 0; l < TinyModel.LAYERS; l++) {
            LlamaWeights.Layer w = model.weights().layers().get(l);
            long attention = p.attention(l) + g.attention(l), ffn = p.ffn(l) + g.ffn(l), fills = p.kvFills(l) + g.kvFills(l);
            String at = spec + " layer " + l + ": ";
            assertEquals(attention, counting.rows(w.wq()), at + "wq rows = attention sublayers run");
            assertEquals(attention, counting.rows(w.wo()), at + "wo rows = attention sublayers run");
            assertEquals(attention + fills, counting.rows(w.wk()), at + "wk rows = attention run + KV fills");
            assertEquals(attention + fills, counting.rows(w.wv()), at + "wv rows = attention run + KV fills");
            assertEquals(ffn, counting.rows(w.wGate()), at + "w_gate rows = FFN sublayers run");
            assertEquals(ffn, counting.rows(w.wUp()), at + "w_up rows = FFN sublayers run");
            assertEquals(ffn, counting.rows(w.wDown()), at + "w_down rows = FFN sublayers run");
        }
        long forwards = 2L * NEW_TOKENS;
        assertEquals(forwards + p.headProbes() + g.headProbes(), counting.rows(model.weights().output()),
                spec + ": LM head rows = one per forward + head probes");
        assertTrue(g.layersPerToken() < TinyModel.LAYERS, spec + " skipped nothing: " + method.stats());
    }
}
