package dev.skipllama.bench;

import dev.skipllama.tensor.cpu.WorkerPool;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
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
 * The yardstick for {@link MatmulBenchmark}: the FMA throughput this JVM reaches with the preferred
 * vector species, from 12 independent accumulator chains held in registers (enough to cover FMA
 * latency × issue width on current x86 cores), on each worker of the pool.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Benchmark)
public class FmaPeakBenchmark {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int STEPS = 1 << 16;

    @Param({"1", "2"})
    public int threads;

    private WorkerPool pool;
    private final float[] sink = new float[64];

    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        public long flops;
    }

    @Setup(Level.Trial)
    public void setup() {
        pool = new WorkerPool(threads);
    }

    @Benchmark
    public float fma(Flops f) {
        pool.run(threads, (c, worker) -> sink[worker * 16] = chains());
        f.flops += 2L * 12 * F.length() * STEPS * threads;
        return sink[0];
    }

    private static float chains() {
        FloatVector m = FloatVector.broadcast(F, 0.999999f), a = FloatVector.broadcast(F, 1e-7f);
        FloatVector c0 = FloatVector.broadcast(F, 1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
        FloatVector c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (int i = 0; i < STEPS; i++) {
            c0 = c0.fma(m, a);
            c1 = c1.fma(m, a);
            c2 = c2.fma(m, a);
            c3 = c3.fma(m, a);
            c4 = c4.fma(m, a);
            c5 = c5.fma(m, a);
            c6 = c6.fma(m, a);
            c7 = c7.fma(m, a);
            c8 = c8.fma(m, a);
            c9 = c9.fma(m, a);
            c10 = c10.fma(m, a);
            c11 = c11.fma(m, a);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .reduceLanes(VectorOperators.ADD);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }
}
