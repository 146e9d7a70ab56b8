package dev.skipllama.bench;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.tensor.cpu.CpuBackend;
import java.util.concurrent.TimeUnit;
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
 * One row's attention at a depth of {@code positions}, on the Llama-3.2-1B shape (32 query heads, 8 KV
 * heads of 64 values). Each call takes the next of {@code layers} KV caches, as a token's layers do:
 * with 16 layers at 1,024 positions the caches (64 MB) come from DRAM, with one from cache. {@code cache}
 * is the KV cache's element type: F32, or F16 (llama.cpp's arithmetic, {@code --kv-type f16}); {@code rows}
 * query rows at the last positions (1: a generated token; 64: a prompt chunk). Reports microseconds per call.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
@State(Scope.Benchmark)
public class AttentionBenchmark {
    private static final int HEADS = 32, KV_HEADS = 8, HEAD_DIM = 64;

    @Param({"128", "1024"})
    public int positions;

    @Param({"1", "16"})
    public int layers;

    @Param({"2"})
    public int threads;

    @Param({"F32", "F16"})
    public String cache;

    @Param({"1"})
    public int rows;

    private CpuBackend backend;
    private Tensor[] k, v;
    private Tensor q, out;
    private int[] position;
    private int next;

    @Setup(Level.Trial)
    public void setup() {
        backend = new CpuBackend(threads);
        k = new Tensor[layers];
        v = new Tensor[layers];
        DType type = DType.valueOf(cache);
        for (int l = 0; l < layers; l++) {
            k[l] = stored(Weights.activations(positions, KV_HEADS * HEAD_DIM, 100 + l), type);
            v[l] = stored(Weights.activations(positions, KV_HEADS * HEAD_DIM, 200 + l), type);
        }
        q = Weights.activations(rows, HEADS * HEAD_DIM, 7);
        out = Tensor.allocate(DType.F32, rows, HEADS * HEAD_DIM);
        position = new int[rows];
        for (int r = 0; r < rows; r++) {
            position[r] = positions - rows + r;
        }
    }

    /** The rows as the cache holds them: themselves in F32, rounded by the backend's convert in F16. */
    private Tensor stored(Tensor rows32, DType type) {
        if (type == DType.F32) {
            return rows32;
        }
        Tensor t = Tensor.allocate(type, rows32.dim(0), rows32.dim(1));
        backend.convert(rows32, t);
        rows32.close();
        return t;
    }

    @Benchmark
    public Tensor attention() {
        int l = next;
        next = l + 1 == layers ? 0 : l + 1;
        backend.attention(q, k[l], v[l], position, HEADS, KV_HEADS, out);
        return out;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        backend.close();
        for (int l = 0; l < layers; l++) {
            k[l].close();
            v[l].close();
        }
        q.close();
        out.close();
    }
}
