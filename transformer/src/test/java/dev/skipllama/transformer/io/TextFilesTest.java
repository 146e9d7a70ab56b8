package dev.skipllama.transformer.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 14, cases 7 and 8: text inputs are read bounded, and bad UTF-8 is named by file, byte offset and line. */
class TextFilesTest {

    @Test
    void badUtf8NamesTheFileTheOffsetAndTheBytes(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("plan.json");
        Files.write(f, new byte[]{'a', '\n', 'b', 'c', (byte) 0xc3, '(', '\n'});
        InvalidTextException e = assertThrows(InvalidTextException.class, () -> TextFiles.read(f, 100, "a plan file"));
        assertEquals(f + ": not valid UTF-8 at byte offset 4 (line 2): found the bytes c3 28 0a, expected UTF-8 text", e.getMessage());
        assertEquals(4, e.byteOffset());
        Files.write(f, new byte[]{'o', 'k', (byte) 0xe2, (byte) 0x82}); // a character cut off at the end
        assertTrue(assertThrows(InvalidTextException.class, () -> TextFiles.read(f, 100, "x")).getMessage()
                .contains("at byte offset 2 (line 1): found the bytes e2 82"));
    }

    @Test
    void readsAreBoundedByWhatTheCallerCanUse(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("t.txt");
        Files.writeString(f, "12345\r\n6789");
        assertEquals(List.of("12345", "6789"), TextFiles.readLines(f, 11, "x"));
        InvalidTextException e = assertThrows(InvalidTextException.class, () -> TextFiles.read(f, 10, "calibration text"));
        assertEquals(f + ": more than 10 bytes, the most calibration text can use", e.getMessage());
        assertTrue(assertThrows(IOException.class, () -> TextFiles.read(dir, 10, "a plan file")).getMessage()
                .endsWith("is a directory, expected a plan file"));
    }

    /** Text of which only the start is used is read only that far, and never cut inside a character. */
    @Test
    void aPrefixStopsBeforeACharacterTheLimitWouldSplit(@TempDir Path dir) throws IOException {
        Path f = Files.writeString(dir.resolve("t.txt"), "ab€cd"); // € is three bytes: e2 82 ac
        assertEquals("ab", TextFiles.readPrefix(f, 3));
        assertEquals("ab", TextFiles.readPrefix(f, 4));
        assertEquals("ab€", TextFiles.readPrefix(f, 5));
        assertEquals("ab€cd", TextFiles.readPrefix(f, 100));
        Files.write(f, new byte[]{'a', (byte) 0xff, 'b'});
        assertTrue(assertThrows(InvalidTextException.class, () -> TextFiles.readPrefix(f, 100)).getMessage().contains("byte offset 1"));
    }

    /** /dev/zero used to be read for seconds into gigabytes of heap; now it stops at the bound. */
    @Test
    void anEndlessInputStopsAtTheBound() {
        Path zero = Path.of("/dev/zero");
        Assumptions.assumeTrue(Files.exists(zero));
        long t0 = System.nanoTime();
        assertThrows(InvalidTextException.class, () -> TextFiles.read(zero, 4 << 20, "a plan file"));
        assertTrue(System.nanoTime() - t0 < 2_000_000_000L);
    }

    @Test
    void modelFilesMustBeRegular(@TempDir Path dir) throws Exception {
        assertTrue(assertThrows(IOException.class, () -> RegularFiles.require(dir, "a GGUF file")).getMessage()
                .endsWith(": a directory; a GGUF file must be a regular file"));
        Path fifo = dir.resolve("fifo");
        Assumptions.assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0, "needs mkfifo");
        assertEquals(fifo + ": not a regular file (a FIFO, socket or device); model.safetensors must be a regular file",
                assertThrows(IOException.class, () -> RegularFiles.require(fifo, "model.safetensors")).getMessage());
    }
}
