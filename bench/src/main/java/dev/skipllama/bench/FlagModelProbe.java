package dev.skipllama.bench;

import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.transformer.generate.StandardDecoder;
import dev.skipllama.transformer.generate.StepHooks;
import dev.skipllama.transformer.generate.Throughput;
import dev.skipllama.transformer.model.Model;
import dev.skipllama.transformer.sampling.SamplingConfig;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * {@link FlagProbe} on a whole model: prompt processing and generation ({@link Throughput}, as
 * {@code GenerateBench}) with a static boolean of a library class off, then on, in each of ROUNDS
 * rounds inside one process; medians of each and of the paired ratios on/off.
 *
 * <pre>
 *   java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp benchmarks.jar \
 *        dev.skipllama.bench.FlagModelProbe FILE.gguf THREADS PROMPT GEN ROUNDS CLASS FIELD
 * </pre>
 */
public final class FlagModelProbe {
    private FlagModelProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 7) {
            System.err.println("usage: FlagModelProbe FILE.gguf THREADS PROMPT GEN ROUNDS CLASS FIELD");
            System.exit(2);
        }
        Path path = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]), pp = Integer.parseInt(args[2]), tg = Integer.parseInt(args[3]);
        int rounds = Integer.parseInt(args[4]);
        Field flag = Class.forName(args[5]).getDeclaredField(args[6]);
        flag.setAccessible(true);
        try (CpuBackend cpu = new CpuBackend(threads); Model model = Model.load(path, cpu)) {
            List<List<Double>> prefill = List.of(new ArrayList<>(), new ArrayList<>());
            List<List<Double>> decode = List.of(new ArrayList<>(), new ArrayList<>());
            for (int v = 0; v < 2; v++) { // warm-up, each way
                flag.setBoolean(null, v == 1);
                run(model, pp, tg, 3);
            }
            for (int r = 0; r < rounds; r++) {
                for (int v = 0; v < 2; v++) {
                    flag.setBoolean(null, v == 1);
                    Throughput.Result res = run(model, pp, tg, 0);
                    prefill.get(v).add(res.prefillMedian());
                    decode.get(v).add(res.decodeMedian());
                }
            }
            for (int v = 0; v < 2; v++) {
                System.out.printf("%s=%b  pp%d median %.1f  tg%d median %.2f%n", args[6], v == 1, pp, median(prefill.get(v)), tg,
                        median(decode.get(v)));
            }
            List<Double> pr = new ArrayList<>(), tr = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                pr.add(prefill.get(1).get(r) / prefill.get(0).get(r));
                tr.add(decode.get(1).get(r) / decode.get(0).get(r));
            }
            Collections.sort(pr);
            Collections.sort(tr);
            System.out.printf("on/off: pp median %.3f (%.3f-%.3f), tg median %.3f (%.3f-%.3f)%n", median(pr), pr.get(0),
                    pr.get(rounds - 1), median(tr), tr.get(0), tr.get(rounds - 1));
        }
    }

    private static Throughput.Result run(Model model, int pp, int tg, int warmup) {
        return Throughput.measure(n -> new StandardDecoder(model.llama(), SamplingConfig.GREEDY, StepHooks.FULL, n),
                model.config().vocabSize(), pp, tg, 1, warmup);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
