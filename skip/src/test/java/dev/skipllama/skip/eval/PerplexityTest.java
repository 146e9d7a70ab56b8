package dev.skipllama.skip.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.skip.FullModel;
import dev.skipllama.skip.GreedyGenerator;
import dev.skipllama.skip.SkipMethod;
import dev.skipllama.skip.SkipMethods;
import dev.skipllama.skip.SkipStats;
import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.transformer.ProgressListener;
import dev.skipllama.transformer.llama.ForwardHooks;
import dev.skipllama.transformer.llama.Llama;
import dev.skipllama.transformer.model.Model;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PerplexityTest {
    static CpuBackend cpu;
    static Model model;
    static int[] text;

    @BeforeAll
    static void load() throws Exception {
        cpu = new CpuBackend(2);
        Path dir = Path.of("../models/tiny-layerskip");
        model = Model.load(dir, cpu);
        String heldout = String.join("\n", Files.readAllLines(dir.resolve("eval/heldout.txt")).subList(20, 26));
        text = model.tokenizer().encode(heldout, true);
    }

    @AfterAll
    static void close() {
        model.close();
        cpu.close();
    }

    /** The batched path equals the definition: −log softmax of each teacher-forced step's logits. */
    @Test
    void batchedFullModelEqualsTheDefinitionOverTeacherForcedLogits() {
        Llama llama = model.llama();
        int window = 40;
        double nll = 0;
        long n = 0;
        for (int from = 0; from + 1 < text.length; from += window) {
            int[] w = Arrays.copyOfRange(text, from, Math.min(text.length, from + window));
            float[][] logits = GreedyGenerator.teacherForced(llama, new FullModel(12), new int[]{w[0]},
                    Arrays.copyOfRange(w, 1, w.length - 1)).logits();
            for (int t = 1; t < w.length; t++) {
                float[] l = logits[t - 1];
                double max = Double.NEGATIVE_INFINITY, z = 0;
                for (float v : l) {
                    max = Math.max(max, v);
                }
                for (float v : l) {
                    z += Math.exp(v - max);
                }
                nll += max + Math.log(z) - l[w[t]];
                n++;
            }
        }
        AtomicLong last = new AtomicLong();
        Perplexity.Result r = Perplexity.of(llama, null, text, window, (done, total) -> last.set(done * 1000 + total));
        assertEquals(n, r.scored());
        assertEquals(Math.exp(nll / n), r.perplexity(), 1e-9 * r.perplexity());
        assertEquals(n * 1000 + n, last.get(), "progress ends at total");
        assertTrue(r.perplexity() > 5 && r.perplexity() < 400, "embedded model perplexity on held-out text " + r.perplexity());
    }

    /** A method that runs every layer but decides per token takes the step-by-step path: same numbers. */
    @Test
    void stepwisePathEqualsBatchedForTheFullModel() {
        FullModel full = new FullModel(12);
        SkipMethod stepwise = new SkipMethod() {
            public String name() { return "stepwise-full"; }
            public ForwardHooks prefill(int position, int tokens) { return full.prefill(position, tokens); }
            public ForwardHooks hooks(int step, int position) { return full.hooks(step, position); }
            public void reset() { }
            public SkipStats stats() { return full.stats(); }
            public SkipMethod forSession() { return this; }
        };
        double batched = Perplexity.of(model.llama(), null, text, 48, ProgressListener.NONE).perplexity();
        double steps = Perplexity.of(model.llama(), stepwise, text, 48, ProgressListener.NONE).perplexity();
        assertEquals(batched, steps, 1e-12 * batched);
        double exit = Perplexity.of(model.llama(), SkipMethods.parse("exit:3", model.llama(), null), text, 48, ProgressListener.NONE).perplexity();
        assertTrue(exit > batched, "exiting at layer 3 of 12 must cost perplexity: " + exit + " vs " + batched);
    }

    /**
     * Over an F16 KV cache: the batched and step-by-step paths still agree exactly (the cache's rounding
     * and attention are per row), and the perplexity moves only by F16 rounding (embedded model on
     * held-out text, 3,984 tokens: 95.8653 against 95.8658).
     */
    @Test
    void anF16CacheMovesPerplexityOnlyByRounding() {
        double f32 = Perplexity.of(model.llama(), null, text, 48, ProgressListener.NONE).perplexity();
        double f16 = Perplexity.of(model.llama(), null, text, 48, ProgressListener.NONE, DType.F16).perplexity();
        double steps = Perplexity.of(model.llama(), SkipMethods.parse("exit:12", model.llama(), null), text, 48, ProgressListener.NONE,
                DType.F16).perplexity();
        assertTrue(f16 != f32 && Math.abs(f16 - f32) < 1e-3 * f32, "F16 cache " + f16 + " against F32 " + f32);
        assertEquals(f16, steps, 1e-12 * f16, "step by step over the F16 cache");
    }

    @Test
    void badArguments() {
        assertThrows(IllegalArgumentException.class, () -> Perplexity.of(model.llama(), null, text, 1, ProgressListener.NONE));
        assertThrows(IllegalArgumentException.class, () -> Perplexity.of(model.llama(), null, text, 100_000, ProgressListener.NONE));
        assertThrows(IllegalArgumentException.class, () -> Perplexity.of(model.llama(), null, new int[]{1}, 64, ProgressListener.NONE));
    }
}
