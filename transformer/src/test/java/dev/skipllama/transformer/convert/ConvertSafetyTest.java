package dev.skipllama.transformer.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.tensor.DType;
import dev.skipllama.transformer.model.EmbeddedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, case 2: {@code convert DIR DIR/model.safetensors} truncated the checkpoint it was reading
 * (and crashed on the mapping), {@code convert DIR DIR/config.json} overwrote the config. Outputs that
 * are inputs are refused before anything is written, however they are named.
 */
class ConvertSafetyTest {

    @Test
    void convertRefusesToWriteOverItsInputs(@TempDir Path dir) throws IOException {
        Path ckpt = EmbeddedModel.checkpointCopy(dir.resolve("ckpt"));
        byte[] weights = Files.readAllBytes(ckpt.resolve("model.safetensors"));
        byte[] config = Files.readAllBytes(ckpt.resolve("config.json"));
        Path link = Files.createSymbolicLink(dir.resolve("link.gguf"), ckpt.resolve("model.safetensors"));
        for (Path out : new Path[]{ckpt.resolve("model.safetensors"), ckpt.resolve("config.json"), ckpt.resolve("tokenizer.model"),
                link, ckpt}) {
            IOException e = assertThrows(IOException.class, () -> HfToGguf.convert(ckpt, out, DType.Q8_0, HfToGguf.tokenizerMetadata(ckpt)));
            assertTrue(e.getMessage().contains("the output " + out), e.getMessage());
        }
        assertArrayEquals(weights, Files.readAllBytes(ckpt.resolve("model.safetensors")));
        assertArrayEquals(config, Files.readAllBytes(ckpt.resolve("config.json")));
        Path ok = ckpt.resolve("model-q8_0.gguf"); // a new file beside the inputs is fine
        HfToGguf.convert(ckpt, ok, DType.Q8_0, HfToGguf.tokenizerMetadata(ckpt));
        assertTrue(Files.size(ok) > 1_000_000);
    }

    @Test
    void quantizeRefusesItsInputThroughAHardLink(@TempDir Path dir) throws IOException {
        Path in = Files.write(dir.resolve("in.gguf"), EmbeddedModel.gguf(DType.F16));
        Path hard = Files.createLink(dir.resolve("same.gguf"), in);
        IOException e = assertThrows(IOException.class, () -> GgufQuantize.quantize(in, hard, DType.Q8_0,
                dev.skipllama.transformer.ProgressListener.NONE));
        assertTrue(e.getMessage().startsWith("the output " + hard + " is the input " + in + " (through a link)"), e.getMessage());
        assertArrayEquals(EmbeddedModel.gguf(DType.F16), Files.readAllBytes(in));
    }

    /** A conversion that fails part-way leaves the previous output as it was and no temporary file. */
    @Test
    void aFailedConversionLeavesNothingHalfWritten(@TempDir Path dir) throws IOException {
        Path ckpt = EmbeddedModel.checkpointCopy(dir.resolve("ckpt"));
        Path out = Files.writeString(dir.resolve("out.gguf"), "previous");
        assertThrows(IllegalArgumentException.class, () -> HfToGguf.convert(ckpt, out, DType.Q8_0,
                Map.of("llama.block_count", dev.skipllama.transformer.gguf.GgufValue.uint32(1))));
        assertTrue(Files.readString(out).equals("previous"));
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")));
        }
    }
}
