package dev.skipllama.transformer.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Dequantize;
import dev.skipllama.tensor.Quantize;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.transformer.gguf.GgufFile;
import dev.skipllama.transformer.gguf.GgufTensorInfo;
import dev.skipllama.transformer.model.Model;
import dev.skipllama.transformer.model.Session;
import dev.skipllama.transformer.model.SessionOptions;
import dev.skipllama.transformer.tokenizer.GgufTokenizerMetadata;
import dev.skipllama.transformer.tokenizer.SentencePieceModelFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded model converted to F32 GGUF, then quantized: metadata kept, weights re-encoded exactly once. */
class GgufQuantizeTest {
    static final Path EMBEDDED = Path.of("../models/tiny-layerskip");

    @TempDir
    Path dir;

    @Test
    void quantizesEveryMatrixAndKeepsEverythingElse() throws IOException {
        Path f32 = dir.resolve("tiny-F32.gguf"), q8 = dir.resolve("tiny-Q8_0.gguf");
        HfToGguf.convert(EMBEDDED, f32, DType.F32,
                GgufTokenizerMetadata.sentencePiece(SentencePieceModelFile.load(EMBEDDED.resolve("tokenizer.model"))));
        AtomicLong done = new AtomicLong(), total = new AtomicLong();
        int n = GgufQuantize.quantize(f32, q8, DType.Q8_0, (d, t) -> {
            assertTrue(d >= done.get() && d <= t, "progress moves forward");
            done.set(d);
            total.set(t);
        });
        assertEquals(total.get(), done.get());
        try (GgufFile a = GgufFile.open(f32); GgufFile b = GgufFile.open(q8)) {
            assertEquals(2 + 12 * 7, n, "token_embd, output and 7 matrices per layer");
            for (String key : a.metadata().keySet()) {
                assertEquals(a.type(key), b.type(key), key);
                if (!key.equals("general.file_type")) {
                    assertEquals(a.get(key), b.get(key), key);
                }
            }
            assertEquals(HfToGguf.llamaFileType(DType.Q8_0), b.getInt("general.file_type"));
            for (GgufTensorInfo t : a.tensors()) {
                Tensor src = a.tensor(t.name()), dst = b.tensor(t.name());
                assertArrayEquals(src.shape(), dst.shape(), t.name());
                if (t.shape().length == 2) {
                    assertEquals(DType.Q8_0, dst.dtype(), t.name());
                    try (Tensor want = Quantize.to(src, DType.Q8_0)) {
                        assertArrayEquals(Dequantize.toFloats(want), Dequantize.toFloats(dst), t.name());
                    }
                } else {
                    assertEquals(DType.F32, dst.dtype(), t.name());
                    assertArrayEquals(Dequantize.toFloats(src), Dequantize.toFloats(dst), t.name());
                }
            }
        }
        try (CpuBackend cpu = new CpuBackend(2); Model m = Model.load(q8, cpu); Session s = m.newSession(SessionOptions.defaults(64))) {
            assertTrue(s.generate("Once upon a time", 8).tokens().length > 0);
        }
    }

    @Test
    void refusesToOverwriteItsInputAndUnwritableTypes() throws IOException {
        Path f32 = dir.resolve("tiny-F32.gguf");
        HfToGguf.convert(EMBEDDED, f32, DType.F32, java.util.Map.of());
        IOException e = assertThrows(IOException.class, () -> GgufQuantize.quantize(f32, f32, DType.Q8_0, (d, t) -> { }));
        assertTrue(e.getMessage().contains("the output " + f32 + " is the input " + f32), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GgufQuantize.quantize(f32, dir.resolve("x.gguf"), DType.Q6_K, (d, t) -> { }));
    }
}
