package dev.skipllama.skip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skipllama.skip.calibration.Calibration;
import dev.skipllama.skip.speculative.SelfSpeculativeDecoder;
import dev.skipllama.skip.speculative.Speculation;
import dev.skipllama.tensor.SimulatedDevice;
import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.transformer.model.Model;
import dev.skipllama.transformer.sampling.SamplingConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * skip/ methods work unchanged on a device backend: the methods that read hidden states or
 * probabilities (confidence exit, AdaSkip, calibration) and the one that moves exit states between
 * workspaces (self-speculation) give on the simulated device exactly what they give on the CPU.
 */
class DeviceSkipMethodsTest {
    static final Path DIR = Path.of(System.getProperty("skipllama.models", "../models"), "tiny-layerskip");
    static CpuBackend cpu;
    static SimulatedDevice sim;
    static Model onCpu, onSim;

    @BeforeAll
    static void load() throws IOException {
        cpu = new CpuBackend(2);
        sim = new SimulatedDevice(2);
        onCpu = Model.load(DIR, cpu);
        onSim = Model.load(DIR, sim);
    }

    @AfterAll
    static void close() {
        onSim.close();
        onCpu.close();
        sim.close();
        cpu.close();
    }

    @Test
    void methodsGiveTheSameTokensAndLogits() {
        int[] prompt = onCpu.tokenizer().encode("Once upon a time", true);
        for (String spec : new String[]{"full", "exit:6", "confidence:0.5,every=2", "adaskip:0.95,refresh=8", "skipdecode:6-12", "d3:0.98"}) {
            GreedyGenerator.Result want = GreedyGenerator.generate(onCpu.llama(), SkipMethods.parse(spec, onCpu.llama(), null), prompt, 16);
            GreedyGenerator.Result got = GreedyGenerator.generate(onSim.llama(), SkipMethods.parse(spec, onSim.llama(), null), prompt, 16);
            assertArrayEquals(want.tokens(), got.tokens(), spec);
            for (int t = 0; t < want.logits().length; t++) {
                assertArrayEquals(want.logits()[t], got.logits()[t], spec + " logits of token " + t);
            }
        }
    }

    @Test
    void calibrationReadsTheSameHiddenStates() {
        List<int[]> text = List.of(onCpu.tokenizer().encode("The jury said it did find that the election was conducted.", true));
        Calibration want = Calibration.measure(onCpu.llama(), text, 5), got = Calibration.measure(onSim.llama(), text, 5);
        assertArrayEquals(want.layerCosine(), got.layerCosine());
        assertArrayEquals(want.attentionCosine(), got.attentionCosine());
        assertArrayEquals(want.ffnCosine(), got.ffnCosine());
    }

    @Test
    void selfSpeculationEqualsFullGreedyDecoding() {
        int[] prompt = onCpu.tokenizer().encode("Once upon a time", true);
        int[] full = GreedyGenerator.generate(onCpu.llama(), SkipMethods.parse("full", onCpu.llama(), null), prompt, 24).tokens();
        // the whole head, a reduced one gathered and uploaded to the device, and auto
        for (Speculation s : List.of(Speculation.fixed(6, 4), Speculation.fixed(6, 4).withDraftTokens(1024), Speculation.auto())) {
            List<Integer> got = new ArrayList<>();
            try (SelfSpeculativeDecoder d = new SelfSpeculativeDecoder(onSim.llama(), s, SamplingConfig.GREEDY, 64)) {
                d.generate(prompt, 24, got::add);
            }
            assertEquals(full.length, got.size());
            assertArrayEquals(full, got.stream().mapToInt(Integer::intValue).toArray(), s.name());
        }
    }
}
