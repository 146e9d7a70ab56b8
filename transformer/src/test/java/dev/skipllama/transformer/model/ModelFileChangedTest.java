package dev.skipllama.transformer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.cpu.CpuBackend;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, case 3: a model file truncated while it is mapped used to surface as the JVM's
 * "InternalError: a fault occurred in an unsafe memory access operation" with a trace. Now the
 * session says which file changed and how.
 */
class ModelFileChangedTest {

    @Test
    void truncatingTheModelFileBetweenGenerationsIsNamed(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("model.gguf");
        Files.write(f, EmbeddedModel.gguf(DType.F16));
        try (CpuBackend cpu = new CpuBackend(2); Model m = Model.load(f, cpu); Session s = m.newSession(SessionOptions.defaults(64))) {
            assertEquals(4, s.generate("Once upon a time", 4).tokens().length);
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                ch.truncate(200_000); // as `truncate -s 200000 F.gguf` does
            }
            ModelFileChangedException e = assertThrows(ModelFileChangedException.class, () -> s.generate("Once upon a time", 4));
            assertEquals(f, e.file());
            assertTrue(e.getMessage().startsWith(f + " was truncated from " + EmbeddedModel.gguf(DType.F16).length
                    + " to 200000 bytes while the model was in use"), e.getMessage());
            assertTrue(e.getCause() instanceof InternalError, "the fault is kept as the cause, for SKIPLLAMA_DEBUG");
        }
    }
}
