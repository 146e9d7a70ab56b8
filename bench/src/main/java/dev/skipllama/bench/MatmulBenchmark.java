package dev.skipllama.bench;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.tensor.cpu.CpuBackend;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
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
 * Batched matmul (prompt prefill, speculative verification): 64 token rows against a 4096x4096
 * weight. Compute-bound, so it reports FLOP/s ({@code flops} counter) to compare with the FMA peak.
 * {@code rows} 1 to 4 are the small batches of speculative verification: their cost against one row's
 * is what makes verification cheap or not. The weight is uploaded as the model loader does
 * ({@code uploadForMatmul}).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
@State(Scope.Benchmark)
public class MatmulBenchmark {

    @Param({"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q4_K", "Q5_K", "Q6_K"})
    public DType dtype;

    @Param({"1", "4", "64"})
    public int rows;

    @Param({"2"})
    public int threads;

    /** The square weight's side: 4096 by default; the embedded model's 192 shows per-call overhead. */
    @Param({"4096"})
    public int n;

    /** The weight's rows (outputs) where not n: e.g. n=2048 with 65536 rows streams 2048-value rows from DRAM. */
    @Param({"0"})
    public int nOut;

    /**
     * Where the weight's first row sits: this many bytes past a 4 KiB boundary, or -1 for wherever
     * Tensor.allocate puts it. It matters for F32/F16/BF16 weights, which the backend reads in place as
     * it reads a GGUF's mapping (whose tensor offsets decide it); packed types are copied at upload.
     * The F16 one-token kernel of before 2026-12-07 evening streamed 2048-value rows starting within
     * 64 bytes of a 256-byte boundary at two thirds the speed (bench/README).
     */
    @Param({"-1"})
    public int offset;

    private Arena placed;
    /** The weight's rows: nOut, or n where nOut is 0. */
    private int m;
    private CpuBackend backend;
    private Tensor w;
    private Tensor x;
    private Tensor out;

    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        public long flops;
    }

    @Setup(Level.Trial)
    public void setup() {
        backend = new CpuBackend(threads);
        m = nOut > 0 ? nOut : n;
        Tensor host = Weights.random(dtype, m, n, 42);
        if (offset >= 0) { // the same bytes, moved to the given offset
            placed = Arena.ofShared();
            MemorySegment at = placed.allocate(host.byteSize() + offset, 4096).asSlice(offset, host.byteSize());
            MemorySegment.copy(host.segment(), 0, at, 0, host.byteSize());
            host.close();
            host = Tensor.wrap(at, dtype, m, n);
        }
        w = Weights.forMatmul(backend, host);
        x = Weights.activations(rows, n, 7);
        out = Tensor.allocate(DType.F32, rows, m);
    }

    @Benchmark
    public Tensor matmul(Flops f) {
        backend.matmul(w, x, out);
        f.flops += 2L * rows * n * m;
        return out;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        backend.close();
        w.close();
        if (placed != null) {
            placed.close();
        }
        x.close();
        out.close();
    }
}
