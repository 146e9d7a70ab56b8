package dev.skipllama.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** How a matmul's row groups are cut into the chunks its workers claim ({@link CpuBackend}). */
class ChunkingProperties {

    /** Factoring covers every item once, in order, in chunks of 1..maxChunk that never grow, and gives each worker a first chunk of a quarter of the items or maxChunk. */
    @Property(tries = 300)
    void factoringCoversEveryItemInShrinkingChunks(@ForAll @IntRange(min = 1, max = 20_000) int n, @ForAll @IntRange(min = 1, max = 16) int workers,
                                                   @ForAll @IntRange(min = 1, max = 128) int maxChunk) {
        int[] starts = CpuBackend.factoring(n, workers, maxChunk);
        assertEquals(0, starts[0]);
        assertEquals(n, starts[starts.length - 1]);
        int previous = Integer.MAX_VALUE;
        for (int c = 0; c + 1 < starts.length; c++) {
            int size = starts[c + 1] - starts[c];
            assertTrue(size >= 1 && size <= maxChunk, "chunk " + c + " of " + size);
            assertTrue(size <= previous, "chunk " + c + " grew from " + previous + " to " + size);
            previous = size;
        }
        int first = starts[1] - starts[0];
        assertEquals(Math.min(n, Math.max(1, Math.min(maxChunk, (n + 2 * workers - 1) / (2 * workers)))), first);
    }

    @Property(tries = 100)
    void equalChunksCoverEveryItem(@ForAll @IntRange(min = 1, max = 20_000) int n, @ForAll @IntRange(min = 1, max = 200) int chunk) {
        int[] starts = CpuBackend.equalChunks(n, chunk);
        assertEquals(0, starts[0]);
        assertEquals(n, starts[starts.length - 1]);
        for (int c = 0; c + 1 < starts.length; c++) {
            int size = starts[c + 1] - starts[c];
            assertTrue(size == chunk || (c + 2 == starts.length && size >= 1 && size <= chunk), "chunk " + c + " of " + size);
        }
    }
}
