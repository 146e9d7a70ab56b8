package dev.skipllama.bench;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.tensor.cpu.CpuBackend;

/**
 * One matmul of random weights in a loop, read every half second: the quickest kernel-level reading
 * on a noisy host, where JMH's forks see different phases of the machine. Twelve readings; the last
 * ones are the warmed-up figure.
 *
 * <pre>
 *   java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp benchmarks.jar \
 *        dev.skipllama.bench.MatmulLoop DTYPE THREADS ROWS_OUT COLUMNS TOKEN_ROWS
 *   # e.g. Q4_0 2 2048 2048 64: a 64-row prompt batch over the 1B model's 2048² Q4_0 matrix
 * </pre>
 */
public final class MatmulLoop {
    private MatmulLoop() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: MatmulLoop DTYPE THREADS ROWS_OUT COLUMNS TOKEN_ROWS");
            System.exit(2);
        }
        DType t = DType.valueOf(args[0]);
        int threads = Integer.parseInt(args[1]), nOut = Integer.parseInt(args[2]), n = Integer.parseInt(args[3]);
        int rows = Integer.parseInt(args[4]);
        try (CpuBackend b = new CpuBackend(threads);
             Tensor w = Weights.forMatmul(b, Weights.random(t, nOut, n, 42));
             Tensor x = Weights.activations(rows, n, 7);
             Tensor out = Tensor.allocate(DType.F32, rows, nOut)) {
            for (int rep = 0; rep < 12; rep++) {
                long t0 = System.nanoTime();
                int it = 0;
                while (System.nanoTime() - t0 < 500_000_000L) {
                    b.matmul(w, x, out);
                    it++;
                }
                double s = (System.nanoTime() - t0) / 1e9;
                System.out.printf("%s %dx%d rows=%d threads=%d: %.1f GFLOP/s, %.0f us a call%n", t, nOut, n, rows, threads,
                        2.0 * rows * n * nOut * it / s / 1e9, s * 1e6 / it);
            }
        }
    }
}
