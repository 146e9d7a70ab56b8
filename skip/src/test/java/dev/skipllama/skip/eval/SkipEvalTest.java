package dev.skipllama.skip.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.transformer.model.Model;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The harness end to end on the embedded model, small enough for CI (the real run is in bench/README). */
class SkipEvalTest {

    @Test
    void producesACompleteTableOnTheEmbeddedModel() throws Exception {
        Path dir = Path.of("../models/tiny-layerskip");
        try (CpuBackend cpu = new CpuBackend(2); Model model = Model.load(dir, cpu)) {
            List<String> lines = Files.readAllLines(dir.resolve("eval/heldout.txt"));
            List<SkipEval.Row> rows = SkipEval.run(model, lines, 2, 6, 64, false, 2, s -> { });
            int layers = model.config().layers();
            assertEquals(1 + SkipEval.specs(layers).size()
                    + SkipEval.SPECULATION_EXITS.apply(layers).length * SkipEval.SPECULATION_DRAFTS.length + 1, rows.size());
            assertEquals(SkipEval.rows(layers), rows.size());
            SkipEval.Row full = rows.getFirst();
            assertEquals("full", full.method());
            assertTrue(full.perplexity() > 1 && full.perplexity() < model.config().vocabSize(), "full perplexity " + full.perplexity());
            for (SkipEval.Row r : rows) {
                // Speculation counts every layer evaluation, rejected drafts included, so it may exceed L.
                boolean speculative = r.method().startsWith("self-spec");
                assertTrue(r.layersPerToken() > 0 && (speculative || r.layersPerToken() <= layers + 1e-9), r.toString());
                assertTrue(r.tokensPerSecond() > 0, r.toString());
                assertTrue(r.speedUpMin() <= r.speedUp() && r.speedUp() <= r.speedUpMax(), "median within its spread: " + r);
                assertTrue(r.agreement() >= 0 && r.agreement() <= 1, r.toString());
                if (speculative) {
                    assertEquals(1.0, r.agreement(), r.toString()); // run() fails outright if the output differs
                    assertTrue(r.acceptance() >= 0 && r.acceptance() <= 1, r.toString());
                }
                if (r.method().equals("exit:" + layers / 2)) {
                    assertEquals(layers / 2.0, r.layersPerToken(), 1e-9, r.toString());
                }
            }
            String md = Report.markdown("t", rows, false);
            assertTrue(md.contains("| full |") && md.contains("self-spec E=") && md.contains("self-spec auto"), md);
            assertTrue(Report.svg("t", rows).startsWith("<svg"));
        }
    }
}
