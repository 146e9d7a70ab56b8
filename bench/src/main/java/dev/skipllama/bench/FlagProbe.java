package dev.skipllama.bench;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.tensor.cpu.CpuBackend;
import java.lang.reflect.Field;
import java.util.Arrays;

/**
 * An A/B of two kernels inside one process: one matmul of random weights in a loop while a static
 * boolean of a library class is flipped every 0.4 s (eight readings each way after four warm-up ones),
 * reported as the median of the eight paired ratios. On a host whose speed drifts by ±30% between
 * processes, only runs this close together compare. The switch is a temporary field that a probe build
 * adds to the code under test (e.g. {@code public static boolean EXP} choosing the old or the new
 * kernel); the committed code has none.
 *
 * <pre>
 *   java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp benchmarks.jar \
 *        dev.skipllama.bench.FlagProbe CLASS FIELD DTYPE THREADS ROWS_OUT COLUMNS TOKEN_ROWS
 * </pre>
 */
public final class FlagProbe {
    private FlagProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 7) {
            System.err.println("usage: FlagProbe CLASS FIELD DTYPE THREADS ROWS_OUT COLUMNS TOKEN_ROWS");
            System.exit(2);
        }
        Field flag = Class.forName(args[0]).getDeclaredField(args[1]);
        flag.setAccessible(true);
        DType t = DType.valueOf(args[2]);
        int threads = Integer.parseInt(args[3]), nOut = Integer.parseInt(args[4]), n = Integer.parseInt(args[5]);
        int rows = Integer.parseInt(args[6]), pairs = 8;
        try (CpuBackend b = new CpuBackend(threads);
             Tensor w = Weights.forMatmul(b, Weights.random(t, nOut, n, 42));
             Tensor x = Weights.activations(rows, n, 7);
             Tensor out = Tensor.allocate(DType.F32, rows, nOut)) {
            double[][] gflops = new double[2][pairs];
            for (int rep = 0; rep < 2 * pairs + 4; rep++) {
                boolean on = rep % 2 == 1;
                flag.setBoolean(null, on);
                long t0 = System.nanoTime();
                int it = 0;
                while (System.nanoTime() - t0 < 400_000_000L) {
                    b.matmul(w, x, out);
                    it++;
                }
                if (rep >= 4) {
                    gflops[on ? 1 : 0][(rep - 4) / 2] = 2.0 * rows * n * nOut * it / ((System.nanoTime() - t0) / 1e9) / 1e9;
                }
            }
            StringBuilder sb = new StringBuilder();
            double[] ratio = new double[pairs];
            for (int i = 0; i < pairs; i++) {
                ratio[i] = gflops[1][i] / gflops[0][i];
                sb.append(String.format("%.0f/%.0f ", gflops[0][i], gflops[1][i]));
            }
            Arrays.sort(ratio);
            System.out.printf("%s %dx%d rows=%d threads=%d off/on GFLOP/s: %s| median on/off %.3f (%.2f-%.2f)%n", t, nOut, n, rows,
                    threads, sb, ratio[pairs / 2], ratio[0], ratio[pairs - 1]);
        }
    }
}
