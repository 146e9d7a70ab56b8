package dev.skipllama.bench;

import dev.skipllama.tensor.cpu.WorkerPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The yardstick for {@link MatvecBenchmark}: the fastest way this JVM can read a buffer much larger
 * than the caches (a vector sum over 512 MiB off-heap), split over the same worker pool.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
@State(Scope.Benchmark)
public class MemoryBandwidthBenchmark {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final long BYTES = 512L << 20;

    @Param({"1", "2"})
    public int threads;

    private Arena arena;
    private MemorySegment buf;
    private WorkerPool pool;
    private float[] partial;

    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Bytes {
        public long readBytes;
    }

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        buf = arena.allocate(BYTES, 64);
        for (long i = 0; i < BYTES; i += 4096) {
            buf.set(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, 1f); // touch every page
        }
        pool = new WorkerPool(threads);
        partial = new float[threads * 16];
    }

    @Benchmark
    public float read(Bytes b) {
        int chunks = 64;
        long per = BYTES / chunks;
        pool.run(chunks, (c, worker) -> partial[worker * 16] += sum(buf, c * per, per));
        b.readBytes += BYTES;
        return partial[0];
    }

    private static float sum(MemorySegment s, long from, long len) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        long step = F.vectorByteSize();
        for (long i = from, end = from + len; i < end; i += 4 * step) {
            a0 = a0.add(FloatVector.fromMemorySegment(F, s, i, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(FloatVector.fromMemorySegment(F, s, i + step, ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(FloatVector.fromMemorySegment(F, s, i + 2 * step, ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(FloatVector.fromMemorySegment(F, s, i + 3 * step, ByteOrder.LITTLE_ENDIAN));
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }
}
