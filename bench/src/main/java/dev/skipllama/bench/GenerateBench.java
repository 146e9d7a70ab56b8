package dev.skipllama.bench;

import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.transformer.generate.StandardDecoder;
import dev.skipllama.transformer.generate.StepHooks;
import dev.skipllama.transformer.generate.Throughput;
import dev.skipllama.transformer.model.Model;
import dev.skipllama.transformer.sampling.SamplingConfig;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * End-to-end speed: prompt processing (batched prefill) and generation tokens/s, as llama-bench
 * reports them (pp = prompt tokens in one go, tg = tokens generated one at a time), median of
 * several runs after a warm-up.
 *
 * <pre>
 *   java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp benchmarks.jar \
 *        dev.skipllama.bench.GenerateBench MODEL.gguf THREADS [PROMPT=64] [GEN=32] [RUNS=5] [WARMUP=5]
 * </pre>
 */
public final class GenerateBench {
    private GenerateBench() {
    }

    public static void main(String[] args) throws Exception {
        Path path = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]);
        int pp = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int tg = args.length > 3 ? Integer.parseInt(args[3]) : 32;
        int runs = args.length > 4 ? Integer.parseInt(args[4]) : 5;
        // Untimed runs first: C2 compiles the batched kernels only after they have run for a while.
        int warmup = args.length > 5 ? Integer.parseInt(args[5]) : 5;
        try (CpuBackend cpu = new CpuBackend(threads); Model model = Model.load(path, cpu)) {
            Throughput.Result r = Throughput.measure(
                    n -> new StandardDecoder(model.llama(), SamplingConfig.GREEDY, StepHooks.FULL, n),
                    model.config().vocabSize(), pp, tg, runs, warmup);
            double[] ppRate = r.prefill(), tgRate = r.decode();
            System.out.printf("%s threads=%d pp%d %.2f tok/s  tg%d %.2f tok/s  (median of %d; all pp %s tg %s)%n",
                    path.getFileName(), threads, pp, r.prefillMedian(), tg, r.decodeMedian(), runs, fmt(ppRate), fmt(tgRate));
            long kv = 2L * model.config().layers() * (pp + tg + 1) * model.config().kvDim() * 4;
            System.out.printf("  resident %s MiB (file %d MiB, KV cache %.1f MiB, Java heap used %d MiB)%n", rssMiB(),
                    java.nio.file.Files.size(path) >> 20, kv / 1048576.0,
                    (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20);
        }
    }

    /** VmRSS from /proc (Linux): weights are mapped, so they count once touched. */
    private static String rssMiB() {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return String.valueOf(Long.parseLong(line.replaceAll("[^0-9]", "")) >> 10);
                }
            }
        } catch (java.io.IOException | NumberFormatException ignored) {
            // not Linux: report unknown
        }
        return "?";
    }

    private static String fmt(double[] a) {
        StringBuilder b = new StringBuilder("[");
        for (double v : a) {
            b.append(b.length() > 1 ? " " : "").append(String.format("%.1f", v));
        }
        return b.append(']').toString();
    }
}
