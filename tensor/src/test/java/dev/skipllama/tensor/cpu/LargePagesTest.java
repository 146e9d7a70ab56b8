package dev.skipllama.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
}
