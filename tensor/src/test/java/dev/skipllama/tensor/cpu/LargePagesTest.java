package dev.skipllama.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Halfs;
import dev.skipllama.tensor.Tensor;
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

    /**
     * An F16 matrix of at least a run's bytes comes back from {@code upload} and {@code uploadForMatmul}
     * as a copy in large pages: the same bytes and matmul results, its rows reported in runs that cover
     * the matrix once and in order (so a caller drops the file's pages as it goes), freed on close; a
     * smaller one comes back as it is.
     */
    @Test
    void halfMatricesAreCopiedToLargePagesRunByRun() {
        int rows = 4100, cols = 2048; // 16.4 MB: two runs, the second short
        try (CpuBackend cpu = new CpuBackend(2); Tensor w = Tensor.allocate(DType.F16, rows, cols);
             Tensor x = Tensor.allocate(DType.F32, 1, cols); Tensor a = Tensor.allocate(DType.F32, 1, rows);
             Tensor b = Tensor.allocate(DType.F32, 1, rows); Tensor small = Tensor.allocate(DType.F16, 64, cols)) {
            java.util.Random rnd = new java.util.Random(5);
            for (long i = 0; i < (long) rows * cols; i++) {
                w.segment().setAtIndex(ValueLayout.JAVA_SHORT, i, Halfs.floatToF16((float) rnd.nextGaussian()));
            }
            for (int i = 0; i < cols; i++) {
                x.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextGaussian());
            }
            java.util.List<int[]> runs = new java.util.ArrayList<>();
            Tensor copy = cpu.uploadForMatmul(w, r -> runs.add(new int[]{(int) ((r.segment().address() - w.segment().address()) / w.rowBytes()), r.dim(0)}));
            try (Tensor up = cpu.upload(w)) {
                assertEquals(LargePages.available(), copy != w, "copied where large pages exist");
                assertEquals(LargePages.available(), up != w);
                assertEquals(-1L, w.segment().mismatch(copy.segment()), "the same bytes");
                assertEquals(-1L, w.segment().mismatch(up.segment()), "the same bytes");
                cpu.matmul(w, x, a);
                cpu.matmul(copy, x, b);
                assertEquals(-1L, a.segment().mismatch(b.segment()), "the same results");
                if (LargePages.available()) {
                    int next = 0;
                    for (int[] run : runs) {
                        assertEquals(next, run[0], "runs in order, each once");
                        next += run[1];
                    }
                    assertEquals(rows, next, "runs that cover the matrix");
                    assertTrue(runs.size() > 1, "more than one run");
                }
            } finally {
                if (copy != w) {
                    copy.close();
                    assertThrows(IllegalStateException.class, () -> copy.segment().get(ValueLayout.JAVA_BYTE, 0), "freed on close");
                }
            }
            assertSame(small, cpu.upload(small), "below a run: as it is");
        }
    }
}
