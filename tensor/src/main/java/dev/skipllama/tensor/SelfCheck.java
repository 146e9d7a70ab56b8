package dev.skipllama.tensor;

import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.tensor.ref.ReferenceBackend;
import java.util.Random;

/**
 * A quick demonstration that the runtime works on this machine: runs every op of the Vector API
 * backend against the scalar reference on random inputs, prints the largest difference, then times
 * a matrix-vector product per dtype. Not a benchmark (see {@code bench/} for those).
 */
public final class SelfCheck {
    private SelfCheck() {
    }

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        Random rnd = new Random(2024);
        try (CpuBackend cpu = new CpuBackend(threads)) {
            ReferenceBackend ref = new ReferenceBackend();
            System.out.println("skipllama tensor runtime self-check");
            System.out.println("backend: " + cpu.name() + "; reference: " + ref.name());
            System.out.println();
            System.out.printf("%-34s %14s%n", "op (random inputs)", "max |cpu-ref|");
            for (DType dt : DType.values()) {
                int k = Math.max(160, dt.blockSize()); // K-quant rows are whole 256-value super-blocks
                try (Tensor w = random(rnd, 96, k, dt); Tensor x = random(rnd, 5, k, DType.F32);
                     Tensor a = Tensor.allocate(DType.F32, 5, 96); Tensor b = Tensor.allocate(DType.F32, 5, 96)) {
                    cpu.matmul(w, x, a);
                    ref.matmul(w, x, b);
                    report("matmul " + dt + " [5x" + k + "]·[96x" + k + "]ᵀ", a, b);
                }
            }
            try (Tensor x = random(rnd, 3, 200, DType.F32); Tensor g = random(rnd, 200, 1, DType.F32).reshape(200);
                 Tensor a = Tensor.allocate(DType.F32, 3, 200); Tensor b = Tensor.allocate(DType.F32, 3, 200)) {
                cpu.rmsnorm(x, g, 1e-5f, a);
                ref.rmsnorm(x, g, 1e-5f, b);
                report("rmsnorm [3x200]", a, b);
                cpu.swiglu(x, a, a);
                ref.swiglu(x, b, b);
                report("swiglu [3x200]", a, b);
                cpu.softmax(a);
                ref.softmax(b);
                report("softmax [3x200]", a, b);
            }
            try (Tensor q = random(rnd, 4, 6 * 48, DType.F32); Tensor k = random(rnd, 20, 2 * 48, DType.F32);
                 Tensor v = random(rnd, 20, 2 * 48, DType.F32);
                 Tensor a = Tensor.allocate(DType.F32, 4, 6 * 48); Tensor b = Tensor.allocate(DType.F32, 4, 6 * 48)) {
                int[] pos = {12, 13, 14, 15};
                float[] inv = new float[24];
                for (int i = 0; i < inv.length; i++) {
                    inv[i] = (float) Math.pow(10000, -2.0 * i / 48);
                }
                Tensor q2 = Tensor.of(q.toFloatArray(), 4, 6 * 48);
                cpu.rope(q, 48, pos, inv, RopeLayout.HALF_SPLIT);
                ref.rope(q2, 48, pos, inv, RopeLayout.HALF_SPLIT);
                report("rope half-split [4x6x48]", q, q2);
                cpu.attention(q, k, v, pos, 6, 2, a);
                ref.attention(q, k, v, pos, 6, 2, b);
                report("attention GQA 6q/2kv heads, 16 ctx", a, b);
                q2.close();
            }
            System.out.println();
            System.out.printf("%-34s %10s %10s%n", "matvec 2048x2048 (warm)", "ms", "GB/s");
            for (DType dt : new DType[]{DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0, DType.Q4_K, DType.Q6_K}) {
                try (Tensor w = random(rnd, 2048, 2048, dt); Tensor x = random(rnd, 1, 2048, DType.F32);
                     Tensor o = Tensor.allocate(DType.F32, 1, 2048)) {
                    for (int i = 0; i < 200; i++) {
                        cpu.matmul(w, x, o);
                    }
                    int reps = 200;
                    long t0 = System.nanoTime();
                    for (int i = 0; i < reps; i++) {
                        cpu.matmul(w, x, o);
                    }
                    double sec = (System.nanoTime() - t0) / 1e9 / reps;
                    System.out.printf("%-34s %10.3f %10.1f%n", dt, sec * 1e3, w.byteSize() / sec / 1e9);
                }
            }
            System.out.println();
            System.out.println("self-check passed: every op agrees with the reference (see the tests for the stated bounds).");
        }
    }

    private static Tensor random(Random rnd, int rows, int cols, DType dt) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        try (Tensor f = Tensor.of(v, rows, cols)) {
            return dt == DType.F32 ? Tensor.of(v, rows, cols) : Quantize.to(f, dt);
        }
    }

    private static void report(String what, Tensor a, Tensor b) {
        float max = 0, scale = 0;
        for (long i = 0; i < a.numel(); i++) {
            max = Math.max(max, Math.abs(a.getFloat(i) - b.getFloat(i)));
            scale = Math.max(scale, Math.abs(b.getFloat(i)));
        }
        System.out.printf("%-34s %14.3e%n", what, max);
        if (!(max <= 1e-4f * Math.max(1f, scale))) {
            throw new AssertionError(what + ": CPU and reference differ by " + max);
        }
    }
}
