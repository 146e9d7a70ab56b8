package dev.skipllama.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Memory from {@link LargePages} behaves as an arena's: zeroed, writable, freed with the arena. */
class LargePagesTest {

    @Test
    void largeAllocationsAreZeroedAlignedAndFreedWithTheArena() {
        long bytes = (5L << 20) + 12345; // two whole 2 MiB pages and a tail
        Arena arena = Arena.ofShared();
        MemorySegment s = LargePages.allocate(arena, bytes);
        assertEquals(bytes, s.byteSize());
        if (LargePages.available()) {
            assertEquals(0, s.address() % (2L << 20), "a large-page region starts on a 2 MiB boundary");
        }
        assertEquals(0, s.address() % 64);
        for (long at = 0; at < bytes; at += 4093) {
            assertEquals(0, s.get(ValueLayout.JAVA_BYTE, at), "zeroed at " + at);
        }
        s.set(ValueLayout.JAVA_BYTE, bytes - 1, (byte) 7);
        assertEquals(7, s.get(ValueLayout.JAVA_BYTE, bytes - 1));
        arena.close();
        assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_BYTE, 0), "freed with its arena");
    }

    @Test
    void smallAllocationsComeFromTheArena() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = LargePages.allocate(arena, 1000);
            assertEquals(1000, s.byteSize());
            assertEquals(0, s.address() % 64);
        }
    }

    /** An F16 matrix copied for matmul (into large pages where they exist) reads back as the same bytes and closes. */
    @Test
    void uploadedHalfMatricesHoldTheSameBytes() {
        Random rnd = new Random(3);
        int rows = 640, cols = 2048; // 2.5 MiB of F16
        try (CpuBackend cpu = new CpuBackend(2); Tensor host = Tensor.allocate(DType.F16, rows, cols)) {
            for (long i = 0; i < (long) rows * cols; i++) {
                host.segment().set(ValueLayout.JAVA_SHORT_UNALIGNED, 2 * i, Float.floatToFloat16((float) rnd.nextGaussian()));
            }
            Tensor copy = cpu.uploadForMatmul(host);
            assertEquals(-1, copy.segment().mismatch(host.segment()));
            assertTrue(copy != host || !LargePages.available(), "copied where large pages exist");
            if (copy != host) {
                copy.close();
                assertThrows(IllegalStateException.class, () -> copy.segment().get(ValueLayout.JAVA_BYTE, 0));
            }
        }
    }
}
