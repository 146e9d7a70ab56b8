package dev.skipllama.skip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.skipllama.skip.calibration.Calibration;
import dev.skipllama.skip.speculative.SelfSpeculativeDecoder;
import dev.skipllama.skip.speculative.Speculation;
import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.tensor.cuda.CudaBackend;
import dev.skipllama.transformer.model.Model;
import dev.skipllama.transformer.sampling.SamplingConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * skip/ methods on the GPU (skipped, with the reason, where there is no CUDA). Self-speculation must
 * equal full greedy decoding on the same backend exactly: the CUDA kernels are batch-invariant for
 * the verification batches (at most 16 rows). The other methods run and report their agreement
 * with the CPU; their tokens may differ where the CPU's top two logits nearly tie.
 */
class CudaSkipMethodsTest {
    static final Path DIR = Path.of(System.getProperty("skipllama.models", "../models"), "tiny-layerskip");
    static CudaBackend cuda;
    static CpuBackend cpu;
    static Model onCuda, onCpu;

    @BeforeAll
    static void load() throws IOException {
        if (CudaBackend.isAvailable()) {
            cuda = new CudaBackend(0);
            cpu = new CpuBackend(2);
            onCuda = Model.load(DIR, cuda);
            onCpu = Model.load(DIR, cpu);
        }
    }

    @AfterAll
    static void close() {
        if (cuda != null) {
            onCuda.close();
            onCpu.close();
            cuda.close();
            cpu.close();
        }
    }

    @BeforeEach
    void needsCuda() {
        assumeTrue(CudaBackend.isAvailable(), () -> "CUDA is unavailable: " + CudaBackend.unavailableReason());
    }

    @Test
    void selfSpeculationEqualsFullGreedyDecodingOnTheGpu() {
        int[] prompt = onCuda.tokenizer().encode("Once upon a time", true);
        int[] full = GreedyGenerator.generate(onCuda.llama(), SkipMethods.parse("full", onCuda.llama(), null), prompt, 32).tokens();
        for (int[] ed : new int[][]{{3, 3}, {6, 4}, {9, 6}}) {
            List<Integer> got = new ArrayList<>();
            try (SelfSpeculativeDecoder d = new SelfSpeculativeDecoder(onCuda.llama(), Speculation.fixed(ed[0], ed[1]), SamplingConfig.GREEDY, 64)) {
                d.generate(prompt, 32, got::add);
            }
            assertArrayEquals(full, got.stream().mapToInt(Integer::intValue).toArray(), "E=" + ed[0] + " d=" + ed[1]);
        }
    }

    @Test
    void methodsRunAndAgreeWithTheCpu() {
        int[] prompt = onCpu.tokenizer().encode("Once upon a time", true);
        for (String spec : new String[]{"full", "exit:6", "confidence:0.5,every=2", "adaskip:0.95,refresh=8", "skipdecode:6-12", "d3:0.98"}) {
            int[] want = GreedyGenerator.generate(onCpu.llama(), SkipMethods.parse(spec, onCpu.llama(), null), prompt, 24).tokens();
            int[] got = GreedyGenerator.generate(onCuda.llama(), SkipMethods.parse(spec, onCuda.llama(), null), prompt, 24).tokens();
            assertEquals(want.length, got.length, spec);
            int same = 0;
            while (same < want.length && want[same] == got[same]) {
                same++;
            }
            System.out.printf("%-26s first %d of %d tokens equal to the CPU's%n", spec, same, want.length);
        }
    }

    @Test
    void calibrationMatchesTheCpu() {
        List<int[]> text = List.of(onCpu.tokenizer().encode("The jury said it did find that the election was conducted.", true));
        Calibration want = Calibration.measure(onCpu.llama(), text, 5), got = Calibration.measure(onCuda.llama(), text, 5);
        for (int l = 0; l < want.layers(); l++) {
            assertEquals(want.layerCosine()[l], got.layerCosine()[l], 1e-4, "layer " + l);
            assertEquals(want.ffnCosine()[l], got.ffnCosine()[l], 1e-4, "ffn " + l);
        }
    }
}
