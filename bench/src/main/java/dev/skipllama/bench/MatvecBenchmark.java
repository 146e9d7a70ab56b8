package dev.skipllama.bench;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.tensor.cpu.CpuBackend;
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
 * Token generation is one matrix-vector product per weight matrix, so its speed limit is how fast
 * the weights stream from memory. This reports the weight bytes read per second ({@code weightBytes}
 * counter, in bytes/s) for each dtype at LLM shapes, to be read against {@link MemoryBandwidthBenchmark}
 * from the same run. The weight is uploaded as the model loader does ({@code uploadForMatmul}: the CPU
 * packs it into its 16-row tiles), so the figure is the kernel a forward pass runs. {@code 11008x4096}
 * is larger than any cache (F16 90 MB, Q4_0 25 MB): DRAM speed; {@code 8192x2048} is a 1B model's
 * FFN matrix.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
@State(Scope.Benchmark)
public class MatvecBenchmark {

    /**
     * {@code nOut x nIn}: Llama-2-7B attention and FFN up, Llama-3.2-1B FFN up and FFN down (the long
     * rows where the half-precision matvec takes four weight rows per pass).
     */
    @Param({"4096x4096", "11008x4096", "8192x2048", "2048x8192"})
    public String shape;

    @Param({"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q4_K", "Q5_K", "Q6_K"})
    public DType dtype;

    @Param({"1", "2"})
    public int threads;

    private CpuBackend backend;
    private Tensor w;
    private long weightBytes;
    private Tensor x;
    private Tensor out;

    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Bytes {
        public long weightBytes;
    }

    @Setup(Level.Trial)
    public void setup() {
        String[] s = shape.split("x");
        int nOut = Integer.parseInt(s[0]), nIn = Integer.parseInt(s[1]);
        backend = new CpuBackend(threads);
        Tensor host = Weights.random(dtype, nOut, nIn, 42);
        weightBytes = host.byteSize(); // the file's bytes, not the packed copy's (its scales are widened to F32)
        w = Weights.forMatmul(backend, host);
        x = Weights.activations(1, nIn, 7);
        out = Tensor.allocate(DType.F32, 1, nOut);
    }

    @Benchmark
    public Tensor matvec(Bytes bytes) {
        backend.matmul(w, x, out);
        bytes.weightBytes += weightBytes;
        return out;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        backend.close();
        w.close();
        x.close();
        out.close();
    }
}
