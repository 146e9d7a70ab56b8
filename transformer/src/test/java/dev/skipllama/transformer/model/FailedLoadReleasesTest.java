package dev.skipllama.transformer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.transformer.gguf.GgufLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, case 4: every failure path of {@link Model#load} releases what it opened. Counted where
 * the kernel counts them: the process's memory mappings of the file ({@code /proc/self/maps}), which
 * a leaked mapping keeps until the JVM exits (shared arenas are not freed by the garbage collector).
 */
class FailedLoadReleasesTest {
    static final CpuBackend CPU = new CpuBackend(1);

    @AfterAll
    static void close() {
        CPU.close();
    }

    /** The case of the issue: tokenizer_config.json that is not UTF-8 used to leak one mapping of the weights per attempt. */
    @Test
    void aCheckpointWithBadTokenizerConfigLeavesNoMapping(@TempDir Path dir) throws IOException {
        Path ckpt = EmbeddedModel.checkpointCopy(dir.resolve("ckpt"));
        Files.write(ckpt.resolve("tokenizer_config.json"), new byte[]{'{', '"', 'a', '"', ':', '"', (byte) 0xff, '"', '}'});
        for (int i = 0; i < 20; i++) {
            IOException e = assertThrows(IOException.class, () -> Model.load(ckpt, CPU));
            assertTrue(e.getMessage().contains("tokenizer_config.json: not valid UTF-8 at byte offset 6"), e.getMessage());
        }
        assertEquals(0, mappings(ckpt.resolve("model.safetensors")));
    }

    /** Failures after the weights are mapped (unused tensors, a tokenizer of the wrong size) release them too. */
    @Test
    void failuresAfterMappingReleaseTheWeights(@TempDir Path dir) throws IOException {
        Path ckpt = EmbeddedModel.checkpointCopy(dir.resolve("ckpt"));
        String config = Files.readString(ckpt.resolve("config.json"));
        Files.writeString(ckpt.resolve("config.json"), config.replace("\"num_hidden_layers\": 12", "\"num_hidden_layers\": 11"));
        for (int i = 0; i < 10; i++) {
            assertThrows(IOException.class, () -> Model.load(ckpt, CPU));
        }
        Files.writeString(ckpt.resolve("config.json"), config.replace("\"vocab_size\": 4096", "\"vocab_size\": 4095"));
        for (int i = 0; i < 10; i++) {
            assertThrows(IOException.class, () -> Model.load(ckpt, CPU));
        }
        assertEquals(0, mappings(ckpt.resolve("model.safetensors")));

        Path gguf = dir.resolve("bad.gguf");
        byte[] b = EmbeddedModel.gguf(DType.Q8_0);
        GgufLayout.putU32(b, GgufLayout.of(b).values().get("llama.attention.head_count"), 0);
        Files.write(gguf, b);
        for (int i = 0; i < 10; i++) {
            assertThrows(IOException.class, () -> Model.load(gguf, CPU));
        }
        assertEquals(0, mappings(gguf));
        try (Model ok = Model.load(EmbeddedModel.checkpointCopy(dir.resolve("good")), CPU)) {
            assertEquals(12, ok.config().layers());
            assertEquals(1, mappings(dir.resolve("good/model.safetensors")), "the count sees a mapping that is there");
        }
        assertEquals(0, mappings(dir.resolve("good/model.safetensors")));
    }

    /** How many mappings of {@code file} the process holds. */
    static long mappings(Path file) throws IOException {
        Path maps = Path.of("/proc/self/maps");
        Assumptions.assumeTrue(Files.isReadable(maps), "needs Linux's /proc/self/maps");
        String name = file.toRealPath().toString();
        try (var lines = Files.lines(maps)) {
            return lines.filter(l -> l.endsWith(" " + name)).count();
        }
    }
}
