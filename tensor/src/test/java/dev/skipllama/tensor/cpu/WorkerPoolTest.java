package dev.skipllama.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {

    @Property(tries = 50)
    void everyChunkRunsExactlyOnce(@ForAll @IntRange(min = 1, max = 4) int threads, @ForAll @IntRange(min = 0, max = 500) int chunks) {
        try (WorkerPool pool = new WorkerPool(threads)) {
            for (int round = 0; round < 3; round++) {
                AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(1, chunks));
                pool.run(chunks, (c, worker) -> hits.incrementAndGet(c));
                for (int c = 0; c < chunks; c++) {
                    assertEquals(1, hits.get(c), "chunk " + c);
                }
            }
        }
    }

    @Test
    void aTaskFailureReachesTheCaller() {
        try (WorkerPool pool = new WorkerPool(2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> pool.run(10, (c, w) -> {
                        if (c == 7) {
                            throw new IllegalStateException("chunk 7 failed");
                        }
                    }));
            assertEquals("chunk 7 failed", e.getMessage());
            AtomicIntegerArray hits = new AtomicIntegerArray(10);
            pool.run(10, (c, w) -> hits.incrementAndGet(c)); // still usable
            assertEquals(1, hits.get(9));
        }
    }

    @Test
    void concurrentCallersAreSerialisedAndAllComplete() throws Exception {
        try (WorkerPool pool = new WorkerPool(2)) {
            int callers = 4;
            AtomicIntegerArray sums = new AtomicIntegerArray(callers);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CountDownLatch done = new CountDownLatch(callers);
            for (int t = 0; t < callers; t++) {
                int id = t;
                Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < 200; i++) {
                            pool.run(16, (c, w) -> sums.incrementAndGet(id));
                        }
                    } catch (Throwable e) {
                        failure.set(e);
                    } finally {
                        done.countDown();
                    }
                });
            }
            done.await();
            assertEquals(null, failure.get());
            for (int t = 0; t < callers; t++) {
                assertEquals(200 * 16, sums.get(t));
            }
        }
    }
}
