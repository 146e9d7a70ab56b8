package dev.skipllama.skip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skipllama.skip.calibration.Calibration;
import dev.skipllama.skip.plan.PlanFile;
import dev.skipllama.skip.plan.StaticPlan;
import dev.skipllama.tensor.ref.ReferenceBackend;
import dev.skipllama.transformer.llama.Llama;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each method with its skipping switched off (unreachable threshold, empty plan, α = 1, ...) is the full model, bit for bit. */
class DisabledEqualsFullTest {
    private static final ReferenceBackend BACKEND = new ReferenceBackend(); // scalar, so bit-for-bit repeatable (the Vector API backend's lane reductions may reorder once JIT-compiled)
    private static final Llama MODEL = TinyModel.model(BACKEND, 7);
    private static final Calibration CALIBRATION = Fixtures.calibration(MODEL);
    private static final GreedyGenerator.Result FULL = run("full");

    @AfterAll
    static void close() {
        BACKEND.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"exit:6", "confidence:1", "confidence:1,measure=margin", "shortgpt:0", "last:0", "unified:1",
            "attn-drop:0", "ffn-drop:0", "skipdecode:6-6", "d3:1", "d3:1,min=2,tail=2", "adaskip:1", "adaskip:1,only=ffn", "router:1", "router:1,tau=-1"})
    void disabledMethodGivesTheFullModelsLogitsExactly(String spec) {
        GreedyGenerator.Result got = run(spec);
        assertArrayEquals(FULL.tokens(), got.tokens(), spec);
        for (int t = 0; t < FULL.logits().length; t++) {
            assertArrayEquals(FULL.logits()[t], got.logits()[t], 0f, spec + " step " + t);
        }
    }

    @Test
    void anAllRunPlanFileIsTheFullModel(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("full.json");
        PlanFile.write(StaticPlan.full(TinyModel.LAYERS), file);
        GreedyGenerator.Result got = run("plan:" + file);
        for (int t = 0; t < FULL.logits().length; t++) {
            assertArrayEquals(FULL.logits()[t], got.logits()[t], 0f, "step " + t);
        }
        assertEquals(true, Files.readString(file).contains("\"action\": \"run\""));
    }

    private static GreedyGenerator.Result run(String spec) {
        SkipMethod m = SkipMethods.parse(spec, MODEL, () -> CALIBRATION);
        GreedyGenerator.Result r = GreedyGenerator.generate(MODEL, m, Fixtures.PROMPT, 10);
        assertEquals(TinyModel.LAYERS, m.stats().generated().layersPerToken(), 0.0, spec + " skipped work while disabled");
        return r;
    }
}
