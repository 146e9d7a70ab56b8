package dev.skipllama.bench;

import dev.skipllama.tensor.Backend;
import dev.skipllama.tensor.RopeLayout;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.transformer.generate.DecodeStats;
import dev.skipllama.transformer.generate.StandardDecoder;
import dev.skipllama.transformer.generate.StepHooks;
import dev.skipllama.transformer.model.Model;
import dev.skipllama.transformer.sampling.SamplingConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Where a generation step's time goes: wraps the CPU backend and times every op (by op, shape and
 * dtype), then prints per-token milliseconds and, for matmuls, the weight bytes streamed per second.
 * The wall time not covered by backend ops is the decoder's own (sampling, copying logits, hooks).
 *
 * <pre>
 *   java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp benchmarks.jar \
 *        dev.skipllama.bench.OpProfile MODEL.gguf THREADS [PROMPT=64] [GEN=32] [RUNS=3] [WARMUP=3]
 * </pre>
 * WARMUP untimed runs come first, and at least two seconds of them.
 */
public final class OpProfile {
    private OpProfile() {
    }

    static final class Stat {
        long calls, nanos, bytes;
    }

    static final class Timing implements Backend {
        final Backend inner;
        final Map<String, Stat> stats = new TreeMap<>();
        boolean on;

        Timing(Backend inner) {
            this.inner = inner;
        }

        private long t0() {
            return System.nanoTime();
        }

        private void add(String key, long t0, long bytes) {
            if (!on) {
                return;
            }
            Stat s = stats.computeIfAbsent(key, k -> new Stat());
            s.calls++;
            s.nanos += System.nanoTime() - t0;
            s.bytes += bytes;
        }

        @Override
        public String name() {
            return inner.name();
        }

        /** The inner backend's copy (the CPU packs quantized weights): matmuls then run on what they run on in use. */
        @Override
        public Tensor upload(Tensor hostWeight) {
            return inner.upload(hostWeight);
        }

        /** The inner backend's matmul-only copy (the CPU packs F32 matrices here, which upload does not). */
        @Override
        public Tensor uploadForMatmul(Tensor hostWeight) {
            return inner.uploadForMatmul(hostWeight);
        }

        @Override
        public Tensor uploadForMatmul(Tensor hostWeight, java.util.function.Consumer<Tensor> rowsRead) {
            return inner.uploadForMatmul(hostWeight, rowsRead);
        }

        @Override
        public void toHost(Tensor src, Tensor hostDst) {
            inner.toHost(src, hostDst);
        }

        @Override
        public void matmul(Tensor w, Tensor x, Tensor out) {
            long t = t0();
            inner.matmul(w, x, out);
            add(key(w, x), t, w.dtype().byteSize(w.numel()));
        }

        /** Several weights over one input run as one op (q/k/v, gate/up); timed together under the first's shape. */
        @Override
        public void matmul(java.util.List<Tensor> ws, Tensor x, java.util.List<Tensor> outs) {
            long t = t0();
            inner.matmul(ws, x, outs);
            long bytes = 0;
            StringBuilder k = new StringBuilder("matmul×" + ws.size());
            for (Tensor w : ws) {
                bytes += w.dtype().byteSize(w.numel());
                k.append(' ').append(w.dtype()).append(' ').append(w.dim(0)).append('x').append(w.dim(1));
            }
            add(k + " rows=" + x.rowCount(), t, bytes);
        }

        private static String key(Tensor w, Tensor x) {
            return "matmul " + w.dtype() + " " + w.dim(0) + "x" + w.dim(1) + " rows=" + x.rowCount();
        }

        @Override
        public void rmsnorm(Tensor x, Tensor weight, float eps, Tensor out) {
            long t = t0();
            inner.rmsnorm(x, weight, eps, out);
            add("rmsnorm rows=" + x.rowCount(), t, 0);
        }

        @Override
        public void rope(Tensor x, int headDim, int[] positions, float[] invFreq, RopeLayout layout) {
            long t = t0();
            inner.rope(x, headDim, positions, invFreq, layout);
            add("rope rows=" + x.rowCount(), t, 0);
        }

        @Override
        public void softmax(Tensor x) {
            long t = t0();
            inner.softmax(x);
            add("softmax", t, 0);
        }

        @Override
        public void attention(Tensor q, Tensor kCache, Tensor vCache, int[] positions, int nHeads, int nKvHeads, Tensor out) {
            long t = t0();
            inner.attention(q, kCache, vCache, positions, nHeads, nKvHeads, out);
            add("attention rows=" + q.rowCount(), t, 0);
        }

        @Override
        public void convert(Tensor src, Tensor dst) {
            long t = t0();
            inner.convert(src, dst);
            add("convert rows=" + src.rowCount(), t, 0);
        }

        @Override
        public void swiglu(Tensor gate, Tensor up, Tensor out) {
            long t = t0();
            inner.swiglu(gate, up, out);
            add("swiglu rows=" + gate.rowCount(), t, 0);
        }

        @Override
        public void add(Tensor a, Tensor b, Tensor out) {
            long t = t0();
            inner.add(a, b, out);
            add("add rows=" + a.rowCount(), t, 0);
        }

        @Override
        public void embedding(Tensor table, int[] tokens, Tensor out) {
            long t = t0();
            inner.embedding(table, tokens, out);
            add("embedding", t, 0);
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    public static void main(String[] args) throws Exception {
        Path path = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]);
        int pp = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int tg = args.length > 3 ? Integer.parseInt(args[3]) : 32;
        int runs = args.length > 4 ? Integer.parseInt(args[4]) : 3;
        int warmup = args.length > 5 ? Integer.parseInt(args[5]) : 3;
        try (Timing timing = new Timing(new CpuBackend(threads)); Model model = Model.load(path, timing)) {
            int vocab = model.config().vocabSize();
            int[] prompt = new Random(1).ints(pp, 0, vocab).toArray();
            long decodeNanos = 0, tokens = 0;
            // Warm-up: the given number of runs and at least two seconds. A small model's prompt path runs
            // so briefly that three runs leave its ops interpreted (the embedded model's 4-row rope read
            // 30 µs per call after 3 runs, 3 µs after 200).
            long warmUntil = System.nanoTime() + 2_000_000_000L;
            for (int w = 0; w < warmup || System.nanoTime() < warmUntil; w++) {
                try (StandardDecoder d = new StandardDecoder(model.llama(), SamplingConfig.GREEDY, StepHooks.FULL, pp + tg + 1)) {
                    d.generate(prompt, tg + 1, t -> true);
                }
            }
            for (int r = 0; r < runs; r++) {
                timing.on = false;
                try (StandardDecoder d = new StandardDecoder(model.llama(), SamplingConfig.GREEDY, StepHooks.FULL, pp + tg + 1)) {
                    timing.on = true;
                    DecodeStats s = d.generate(prompt, tg + 1, t -> true);
                    decodeNanos += s.decodeNanos();
                    tokens += tg;
                }
            }
            double perTok = decodeNanos / 1e6 / tokens;
            System.out.printf("%s threads=%d: generation %.2f ms/token (%.2f tok/s)%n", path.getFileName(), threads, perTok, 1000 / perTok);
            double covered = 0;
            for (var e : timing.stats.entrySet()) {
                if (!e.getKey().contains("rows=1") && !e.getKey().equals("embedding") && !e.getKey().equals("softmax")) {
                    continue;
                }
                Stat s = e.getValue();
                double ms = s.nanos / 1e6 / tokens;
                covered += ms;
                System.out.printf("  %-44s %6.1f calls/tok %8.3f ms/tok %5.1f%%%s%n", e.getKey(), (double) s.calls / tokens, ms,
                        100 * ms / perTok, s.bytes > 0 ? String.format("  %.1f GB/s", s.bytes / (double) s.nanos) : "");
            }
            System.out.printf("  %-44s %8.3f ms/tok %5.1f%%%n", "(outside backend ops)", perTok - covered, 100 * (perTok - covered) / perTok);
            System.out.printf("prefill (%d-token chunks), per run:%n", pp);
            for (var e : timing.stats.entrySet()) {
                if (e.getKey().contains("rows=1") || e.getKey().equals("embedding") || e.getKey().equals("softmax")) {
                    continue;
                }
                Stat s = e.getValue();
                double ms = s.nanos / 1e6 / runs;
                System.out.printf("  %-44s %6.1f calls/run %8.3f ms/run%s%n", e.getKey(), (double) s.calls / runs, ms,
                        s.bytes > 0 ? String.format("  %.1f GB/s", s.bytes / (double) s.nanos) : "");
            }
        }
    }
}
