package dev.skipllama.transformer.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 14, case 2: outputs never destroy inputs and never appear half-written. */
class OutputFileTest {

    @Test
    void anOutputThatIsAnInputIsRefusedHoweverItIsNamed(@TempDir Path dir) throws IOException {
        Path in = Files.writeString(dir.resolve("model.safetensors"), "weights");
        Path link = Files.createSymbolicLink(dir.resolve("link"), in);
        Path hard = Files.createLink(dir.resolve("hard"), in);
        for (Path out : List.of(in, link, hard, dir.resolve("sub/../model.safetensors"))) {
            if (out.toString().contains("sub")) {
                Files.createDirectories(dir.resolve("sub"));
            }
            IOException e = assertThrows(IOException.class, () -> OutputFile.writeString(out, "x", List.of(in)));
            assertTrue(e.getMessage().startsWith("the output " + out + " is the input " + in), e.getMessage());
        }
        assertTrue(assertThrows(IOException.class, () -> OutputFile.writeString(dir, "x", List.of(in))).getMessage()
                .endsWith("is a directory; give the name of the file to write"));
        assertEquals("weights", Files.readString(in));
        assertEquals(Set.of("model.safetensors", "link", "hard", "sub"), names(dir), "no temporary file left behind");
    }

    @Test
    void aFailedWriteLeavesTheOldTargetAndNoTemporaryFile(@TempDir Path dir) throws IOException {
        Path target = Files.writeString(dir.resolve("plan.json"), "old");
        assertThrows(IllegalStateException.class, () -> {
            try (OutputFile out = OutputFile.create(target, List.of())) {
                Files.writeString(out.temp(), "half");
                throw new IllegalStateException("disk full, say");
            }
        });
        assertEquals("old", Files.readString(target));
        assertEquals(Set.of("plan.json"), names(dir));
        OutputFile.writeString(target, "new", List.of());
        assertEquals("new", Files.readString(target));
        assertEquals(Set.of("plan.json"), names(dir));
    }

    /** The result has the usual permissions (createTempFile would make it 0600). */
    @Test
    void theResultIsReadableByOthersAsUsual(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("model.gguf");
        OutputFile.writeString(target, "x", List.of());
        Path plain = Files.createFile(dir.resolve("plain")); // what the umask gives a new file
        Set<PosixFilePermission> p = Files.getPosixFilePermissions(target);
        assertEquals(Files.getPosixFilePermissions(plain), p);
        assertTrue(p.contains(PosixFilePermission.OWNER_READ) && p.contains(PosixFilePermission.OWNER_WRITE));
    }

    private static Set<String> names(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet());
        }
    }
}
