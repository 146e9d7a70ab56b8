package dev.skipllama.skip.eval;

import dev.skipllama.skip.FullModel;
import dev.skipllama.skip.GreedyGenerator;
import dev.skipllama.skip.SkipMethod;
import dev.skipllama.skip.SkipMethods;
import dev.skipllama.skip.calibration.Calibration;
import dev.skipllama.skip.speculative.DraftVocabulary;
import dev.skipllama.skip.speculative.SelfSpeculativeDecoder;
import dev.skipllama.skip.speculative.Speculation;
import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.transformer.generate.DecodeStats;
import dev.skipllama.transformer.io.TextFiles;
import dev.skipllama.transformer.llama.Llama;
import dev.skipllama.transformer.model.Model;
import dev.skipllama.transformer.sampling.SamplingConfig;
import dev.skipllama.transformer.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * The headline table: every skipping method at a few settings on one model and held-out text,
 * measured in one run next to the full model.
 *
 * <ul>
 *   <li><b>layers/token</b>: mean decoder layers executed per generated token (sublayers count ½);
 *       for self-speculation every layer evaluation counts, rejected drafts included;</li>
 *   <li><b>tok/s, speed-up</b>: greedy generation from the prompts, wall clock, in interleaved rounds
 *       (every row once per round, in a rotating order): the median tok/s, and the median and spread
 *       (min–max) of the ratio to the full model timed in the same round;</li>
 *   <li><b>agreement</b>: teacher-forced, the fraction of positions of the full model's greedy
 *       continuation where the method's argmax is the same token;</li>
 *   <li><b>perplexity</b>: teacher-forced on held-out text;</li>
 *   <li>for self-speculation: acceptance rate and tokens per verification pass (its output is
 *       checked to be the full model's, so agreement is 1 and perplexity the full model's).</li>
 * </ul>
 *
 * <pre>
 *   SkipEval MODEL TEXT [--prompts N] [--tokens T] [--ppl-tokens P] [--rounds R] [--threads K] [--out DIR] [--speed-only]
 * </pre>
 * TEXT has one passage per line: the first lines give the prompts, the middle the perplexity text,
 * the last lines the calibration text for the planners (never the same lines).
 */
public final class SkipEval {
    private SkipEval() {
    }

    /** The table reads prompts, perplexity text and calibration text from one file of at most this many bytes. */
    public static final long MAX_TEXT_BYTES = 64L << 20;

    /**
     * One row of the table. Speed is the median of interleaved rounds: {@code speedUp} the median of the
     * per-round ratios to the full model timed in the same round, {@code speedUpMin}/{@code speedUpMax}
     * their spread.
     */
    public record Row(String method, double layersPerToken, double tokensPerSecond, double speedUp, double agreement,
                      double perplexity, double acceptance, double tokensPerVerify, double speedUpMin, double speedUpMax) {
        public Row(String method, double layersPerToken, double tokensPerSecond, double speedUp, double agreement,
                   double perplexity, double acceptance, double tokensPerVerify) {
            this(method, layersPerToken, tokensPerSecond, speedUp, agreement, perplexity, acceptance, tokensPerVerify, speedUp, speedUp);
        }
    }

    /** Interleaved timing rounds unless told otherwise. */
    public static final int ROUNDS = 5;

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: SkipEval MODEL TEXT [--prompts N] [--tokens T] [--ppl-tokens P] [--rounds R] [--threads K] [--out DIR] [--speed-only]");
            System.exit(2);
        }
        Path modelPath = Path.of(args[0]), textPath = Path.of(args[1]);
        int prompts = 8, tokens = 48, pplTokens = 1024, rounds = ROUNDS, threads = Runtime.getRuntime().availableProcessors();
        Path out = Path.of(".");
        boolean speedOnly = false;
        for (int i = 2; i < args.length; i++) {
            switch (args[i]) {
                case "--prompts" -> prompts = Integer.parseInt(args[++i]);
                case "--tokens" -> tokens = Integer.parseInt(args[++i]);
                case "--ppl-tokens" -> pplTokens = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--speed-only" -> speedOnly = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        try (CpuBackend cpu = new CpuBackend(threads); Model model = Model.load(modelPath, cpu)) {
            List<String> lines = TextFiles.readLines(textPath, MAX_TEXT_BYTES, "evaluation text").stream().filter(l -> !l.isBlank()).toList();
            List<Row> rows = run(model, lines, prompts, tokens, pplTokens, speedOnly, rounds, System.err::println);
            String title = "Skip methods on " + modelPath.getFileName() + " (" + model.config().layers() + " layers), "
                    + prompts + " prompts × " + tokens + " greedy tokens, " + threads + " threads, medians of " + rounds + " interleaved rounds";
            System.out.println(Report.markdown(title, rows, speedOnly));
            Report.write(out, title, rows, speedOnly, List.of(modelPath, textPath));
        }
    }

    /** Self-speculation settings: exit layers at ¼, ½ and ¾ of the depth, draft lengths 3 and 6, and auto. */
    static final java.util.function.IntFunction<int[]> SPECULATION_EXITS =
            layers -> new int[]{Math.max(1, layers / 4), Math.max(1, layers / 2), Math.max(1, 3 * layers / 4)};
    static final int[] SPECULATION_DRAFTS = {3, 6};

    /** Rows of the table for a model of {@code layers} layers: the full model, every spec, every speculation setting and auto. */
    public static int rows(int layers) {
        return 1 + specs(layers).size() + SPECULATION_EXITS.apply(layers).length * SPECULATION_DRAFTS.length + 1;
    }

    /** The default methods and settings, scaled to the model's depth. */
    static List<String> specs(int layers) {
        int q = Math.max(1, layers / 4), h = Math.max(1, layers / 2), tq = Math.max(1, 3 * layers / 4);
        return List.of("exit:" + h, "exit:" + tq, "confidence:0.5,every=2", "confidence:0.8,every=2",
                "shortgpt:" + q, "last25", "unified:1.33", "attn-drop:" + q, "ffn-drop:" + q,
                "skipdecode:" + h + "-" + layers, "d3:0.98,min=" + h, "adaskip:0.95,refresh=8", "router:0.5");
    }

    /** The same with {@link #ROUNDS} timing rounds. */
    public static List<Row> run(Model model, List<String> lines, int nPrompts, int tokens, int pplTokens, boolean speedOnly,
                                java.util.function.Consumer<String> log) {
        return run(model, lines, nPrompts, tokens, pplTokens, speedOnly, ROUNDS, log);
    }

    /**
     * The table's rows: the full model, then every method of {@link #specs} and the self-speculation
     * settings, on {@code lines} (prompts first, perplexity text in the middle, calibration text last).
     * Quality (agreement, perplexity) is measured once per method; speed in {@code rounds} interleaved
     * rounds, each timing every row once in a rotating order after one untimed warm-up round, so that
     * every row sees the machine in the same states.
     *
     * @param log told which method is being measured
     */
    public static List<Row> run(Model model, List<String> lines, int nPrompts, int tokens, int pplTokens, boolean speedOnly,
                                int rounds, java.util.function.Consumer<String> log) {
        Llama llama = model.llama();
        Tokenizer tok = model.tokenizer();
        int layers = llama.config().layers();
        if (lines.size() < nPrompts + 3) {
            throw new IllegalArgumentException("the text needs at least " + (nPrompts + 3) + " non-empty lines, found " + lines.size());
        }
        if (rounds < 1) {
            throw new IllegalArgumentException("at least one timing round, got " + rounds);
        }
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < nPrompts; i++) {
            int[] ids = tok.encode(lines.get(i), true);
            prompts.add(Arrays.copyOf(ids, Math.min(ids.length, 12)));
        }
        int calibFrom = Math.max(nPrompts + 1, lines.size() - 16);
        int[] ppl = pplText(tok, lines.subList(nPrompts, calibFrom), pplTokens);
        List<String> calibrationText = lines.subList(calibFrom, lines.size());
        Supplier<Calibration> calibration = () -> {
            return Calibration.measure(llama, Calibration.passages(tok, calibrationText, llama.config().contextLength()));
        };
        DraftVocabulary draftVocabulary = DraftVocabulary.fromText(tok, calibrationText);

        log.accept("full model baseline...");
        List<int[]> fullOut = new ArrayList<>();
        timeGreedy(llama, new FullModel(layers), prompts, tokens, fullOut);
        double fullPpl = speedOnly ? Double.NaN : perplexity(llama, new FullModel(layers), ppl);

        // What is timed: the full model, each method, each speculation setting; quality measured once, now.
        List<String> names = new ArrayList<>();
        List<java.util.function.DoubleSupplier> timers = new ArrayList<>();
        List<double[]> quality = new ArrayList<>(); // agreement, perplexity
        List<SkipMethod> methods = new ArrayList<>();
        List<long[]> work = new ArrayList<>();      // speculation: layer rows, generated, accepted, verify passes, drafted, round tokens
        FullModel fullModel = new FullModel(layers);
        names.add("full");
        timers.add(() -> timeGreedy(llama, fullModel, prompts, tokens, null));
        quality.add(new double[]{1.0, fullPpl});
        methods.add(fullModel);
        work.add(null);
        for (String spec : specs(layers)) {
            log.accept(spec + "...");
            SkipMethod m = SkipMethods.parse(spec, llama, calibration);
            names.add(spec);
            timers.add(() -> timeGreedy(llama, m, prompts, tokens, null));
            quality.add(new double[]{speedOnly ? Double.NaN : agreement(llama, m, prompts, fullOut), speedOnly ? Double.NaN : perplexity(llama, m, ppl)});
            methods.add(m);
            work.add(null);
        }
        List<Speculation> settings = new ArrayList<>();
        for (int e : SPECULATION_EXITS.apply(layers)) {
            for (int d : SPECULATION_DRAFTS) {
                settings.add(Speculation.fixed(e, d));
            }
        }
        settings.add(Speculation.auto());
        for (Speculation sp : settings) {
            Speculation s = sp.withDraftVocabulary(draftVocabulary);
            long[] w = new long[6];
            log.accept(s.name() + "...");
            names.add(s.isAuto() ? "self-spec auto" : "self-spec E=" + s.exitLayer() + " d=" + s.draftLength());
            timers.add(() -> timeSpeculative(llama, s, prompts, tokens, fullOut, w));
            quality.add(new double[]{1.0, fullPpl});
            methods.add(null);
            work.add(w);
        }

        int n = names.size();
        double[][] tps = new double[n][rounds];
        for (int r = -1; r < rounds; r++) {
            log.accept(r < 0 ? "timing: warm-up round..." : "timing: round " + (r + 1) + " of " + rounds + "...");
            if (r == 0) { // count only the timed rounds
                methods.stream().filter(java.util.Objects::nonNull).forEach(m -> m.stats().clear());
                work.stream().filter(java.util.Objects::nonNull).forEach(w -> Arrays.fill(w, 0));
            }
            for (int k = 0; k < n; k++) {
                int i = Math.floorMod(k + r, n); // rotate the order round by round
                double t = timers.get(i).getAsDouble();
                if (r >= 0) {
                    tps[i][r] = t;
                }
            }
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double[] ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                ratio[r] = tps[i][r] / tps[0][r];
            }
            double lpt, acceptance = Double.NaN, perVerify = Double.NaN;
            long[] w = work.get(i);
            if (w != null) {
                lpt = (double) w[0] / w[1];
                acceptance = (double) w[2] / Math.max(1, w[4]);
                perVerify = w[3] == 0 ? Double.NaN : (double) w[5] / w[3];
            } else {
                lpt = i == 0 ? layers : methods.get(i).stats().generated().layersPerToken();
            }
            double[] q = quality.get(i);
            rows.add(new Row(names.get(i), lpt, median(tps[i]), median(ratio), q[0], q[1], acceptance, perVerify,
                    Arrays.stream(ratio).min().orElse(Double.NaN), Arrays.stream(ratio).max().orElse(Double.NaN)));
        }
        return rows;
    }

    static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static int[] pplText(Tokenizer tok, List<String> lines, int n) {
        List<Integer> ids = new ArrayList<>();
        ids.add(tok.bos());
        for (String l : lines) {
            for (int t : tok.encode(l + "\n", false)) {
                ids.add(t);
            }
            if (ids.size() >= n) {
                break;
            }
        }
        return ids.subList(0, Math.min(n, ids.size())).stream().mapToInt(Integer::intValue).toArray();
    }

    private static double timeGreedy(Llama llama, SkipMethod m, List<int[]> prompts, int tokens, List<int[]> outputs) {
        GreedyGenerator.generate(llama, m, prompts.getFirst(), 4); // warm the JIT up
        long t0 = System.nanoTime();
        for (int[] p : prompts) {
            int[] out = GreedyGenerator.generate(llama, m, p, tokens).tokens();
            if (outputs != null) {
                outputs.add(out);
            }
        }
        return (double) prompts.size() * tokens / ((System.nanoTime() - t0) / 1e9);
    }

    /** Tokens/s of self-speculative greedy decoding; fails if its output differs from the full model's. */
    private static double timeSpeculative(Llama llama, Speculation s, List<int[]> prompts, int tokens, List<int[]> fullOut,
                                          long[] work) {
        long t0 = System.nanoTime();
        for (int i = 0; i < prompts.size(); i++) {
            int[] p = prompts.get(i);
            List<Integer> got = new ArrayList<>();
            try (SelfSpeculativeDecoder dec = new SelfSpeculativeDecoder(llama, s, SamplingConfig.GREEDY, p.length + tokens)) {
                DecodeStats st = dec.generate(p, tokens, got::add);
                work[0] += st.layerRows() - (long) p.length * llama.config().layers();
                work[1] += st.generatedTokens();
                work[2] += st.acceptedTokens();
                work[3] += st.verifyPasses();
                work[4] += st.draftedTokens();
                work[5] += dec.lastRun().acceptedSum() + dec.lastRun().rounds(); // tokens the rounds yielded (auto also decodes fully)
            }
            int[] want = fullOut.get(i);
            int[] have = got.stream().mapToInt(Integer::intValue).toArray();
            if (!Arrays.equals(want, have)) {
                throw new IllegalStateException(s.name() + " diverged from full greedy decoding on prompt " + i);
            }
        }
        return (double) prompts.size() * tokens / ((System.nanoTime() - t0) / 1e9);
    }

    private static double agreement(Llama llama, SkipMethod m, List<int[]> prompts, List<int[]> fullOut) {
        long same = 0, total = 0;
        for (int i = 0; i < prompts.size(); i++) {
            int[] want = fullOut.get(i);
            int[] got = GreedyGenerator.teacherForced(llama, m, prompts.get(i), Arrays.copyOf(want, want.length - 1)).tokens();
            for (int t = 0; t < want.length; t++) {
                same += got[t] == want[t] ? 1 : 0;
                total++;
            }
        }
        return (double) same / total;
    }

    /** Teacher-forced perplexity over windows of the model's context ({@link Perplexity}). */
    private static double perplexity(Llama llama, SkipMethod m, int[] text) {
        return Perplexity.of(llama, m, text, llama.config().contextLength(), dev.skipllama.transformer.ProgressListener.NONE).perplexity();
    }
}
