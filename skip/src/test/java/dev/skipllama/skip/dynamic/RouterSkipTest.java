package dev.skipllama.skip.dynamic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.skip.SkipMethod;
import dev.skipllama.skip.SkipMethods;
import dev.skipllama.skip.calibration.Calibration;
import dev.skipllama.skip.eval.Perplexity;
import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.transformer.ProgressListener;
import dev.skipllama.transformer.model.Model;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RouterSkipTest {

    /** The router is logistic regression: on a linearly separable problem it learns the separating direction. */
    @Test
    void linearRouterLearnsASeparableRule() {
        int dim = 24;
        Random rnd = new Random(3);
        LinearRouter r = new LinearRouter(dim);
        float[] x = new float[dim];
        for (int step = 0; step < 20_000; step++) {
            for (int i = 0; i < dim; i++) {
                x[i] = (float) rnd.nextGaussian() * (1 + i); // features of different scales: the RMS scaling copes
            }
            r.train(x, 0, x[3] - 0.5f * x[7] > 0, 0.05, 1e-5);
        }
        int right = 0;
        for (int t = 0; t < 2000; t++) {
            for (int i = 0; i < dim; i++) {
                x[i] = (float) rnd.nextGaussian() * (1 + i);
            }
            right += (r.probability(x, 0) > 0.5) == (x[3] - 0.5f * x[7] > 0) ? 1 : 0;
        }
        assertTrue(right > 1900, "accuracy " + right / 20.0 + "%");
        assertEquals(20_000, r.seen());
    }

    /**
     * On the embedded model, trained on the last held-out lines and scored on others: it skips a good
     * share of the work and does better than exiting at the depth it averages (rounded down): choosing
     * per token which sublayers to run beats one depth for all.
     */
    @Test
    void onTheEmbeddedModelItBeatsAFixedExitOfTheSameMeanDepth() throws Exception {
        Path dir = Path.of("../models/tiny-layerskip");
        try (CpuBackend cpu = new CpuBackend(2); Model model = Model.load(dir, cpu)) {
            List<String> lines = Files.readAllLines(dir.resolve("eval/heldout.txt")).stream().filter(l -> !l.isBlank()).toList();
            List<int[]> calibration = lines.subList(lines.size() - 24, lines.size()).stream()
                    .map(l -> model.tokenizer().encode(l, true)).toList();
            int[] text = model.tokenizer().encode(String.join("\n", lines.subList(20, 30)), true);
            Calibration c = Calibration.measure(model.llama(), calibration);
            SkipMethod router = SkipMethods.parse("router:0.5,tau=0.995", model.llama(), () -> c);
            double pRouter = Perplexity.of(model.llama(), router, text, 200, ProgressListener.NONE).perplexity();
            double depth = router.stats().generated().layersPerToken();
            int same = (int) Math.floor(depth);
            SkipMethod exit = SkipMethods.parse("exit:" + same, model.llama(), null);
            double pExit = Perplexity.of(model.llama(), exit, text, 200, ProgressListener.NONE).perplexity();
            double pFull = Perplexity.of(model.llama(), null, text, 200, ProgressListener.NONE).perplexity();
            assertTrue(depth < 10, "the router skips work: " + depth + " layers per token");
            assertTrue(pRouter < pExit, "router at " + depth + " layers/token: " + pRouter + "; exit at " + same + ": " + pExit
                    + "; full: " + pFull);
        }
    }

    @Test
    void needsCalibrationText() {
        try (CpuBackend cpu = new CpuBackend(1)) {
            var llama = dev.skipllama.skip.TinyModel.model(cpu, 1);
            Calibration withoutText = new Calibration(1, new double[6], new double[6], new double[6]);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SkipMethods.parse("router:0.5", llama, () -> withoutText));
            assertTrue(e.getMessage().contains("calibration text"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> SkipMethods.parse("router:1.5", llama, () -> withoutText));
        }
    }
}
