package dev.skipllama.bench;

import dev.skipllama.skip.speculative.CostModel;
import dev.skipllama.skip.speculative.SelfSpeculativeDecoder;
import dev.skipllama.skip.speculative.Speculation;
import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.transformer.generate.DecodeStats;
import dev.skipllama.transformer.generate.TokenDecoder;
import dev.skipllama.transformer.io.OutputFile;
import dev.skipllama.transformer.model.Model;
import dev.skipllama.transformer.model.SessionOptions;
import dev.skipllama.transformer.sampling.SamplingConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Self-speculation against full decoding, wall clock, on models of controlled acceptance (the
 * {@link SyntheticGguf} files: random weights, a speed model only), with the analytic
 * {@link CostModel} beside each measurement.
 *
 * <p>Per model: the unit costs are profiled first ({@link CostModel#measure}: a layer on one row, the
 * heads, ρ(r)); then, in interleaved rounds, every setting generates {@code --gen} greedy tokens after
 * a random {@code --prompt}-token prompt (llama-bench's tg: tokens/s after the first), each from a
 * fresh decoder, in a rotating order so that every setting sees the same machine. Reported per
 * setting: the median tokens/s and speed-up over full decoding <em>of the same round</em> with their
 * spread (min–max over rounds), acceptance and tokens per round, the analytic speed-up
 * T̂·(L + H)/C(E, d) for the measured tokens per round T̂, and the measured cost of a round in layer
 * units against the model's C(E, d). Every setting's tokens are checked against full decoding.
 *
 * <pre>
 *   java ... dev.skipllama.bench.SpeculationBench [--threads 2] [--prompt 64] [--gen 64] [--rounds 5] [--warmup 2]
 *        [--settings full,4:3,4:4,auto] [--out DIR] MODEL.gguf...
 * </pre>
 * Writes {@code DIR/speculation.md} (the table) and {@code DIR/speculation.svg} (speed-up against
 * acceptance, measured points with their spread and the analytic curves).
 */
public final class SpeculationBench {
    private SpeculationBench() {
    }

    /** One setting's result on one model. */
    record Row(String model, String dtype, String setting, double acceptance, double tokensPerRound, double meanExit,
               double meanDrafts, double tgMedian, double tgMin, double tgMax, double speedUp, double speedUpMin,
               double speedUpMax, double analytic, double roundCost, double roundCostModel, double fullSteps,
               CostModel costs, boolean identical) {
    }

    public static void main(String[] args) throws IOException {
        int threads = 2, pp = 64, tg = 64, rounds = 5, warmup = 2;
        String settings = "full,4:3,4:4,auto";
        Path out = Path.of("bench/speculation");
        List<Path> models = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--prompt" -> pp = Integer.parseInt(args[++i]);
                case "--gen" -> tg = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--settings" -> settings = args[++i];
                case "--out" -> out = Path.of(args[++i]);
                default -> models.add(Path.of(args[i]));
            }
        }
        if (models.isEmpty()) {
            System.err.println("usage: SpeculationBench [--threads K] [--prompt N] [--gen N] [--rounds R] [--warmup W] "
                    + "[--settings full,4:3,auto] [--out DIR] MODEL.gguf...");
            System.exit(2);
        }
        List<Row> rows = new ArrayList<>();
        for (Path m : models) {
            rows.addAll(measure(m, threads, pp, tg, rounds, warmup, settings.split(",")));
            write(out, rows, threads, pp, tg, rounds);
        }
        System.out.println(markdown(rows, threads, pp, tg, rounds));
    }

    static List<Row> measure(Path path, int threads, int pp, int tg, int rounds, int warmup, String[] settings) throws IOException {
        List<Row> rows = new ArrayList<>();
        try (CpuBackend cpu = new CpuBackend(threads); Model model = Model.load(path, cpu)) {
            String name = path.getFileName().toString().replace(".gguf", "");
            String dtype = model.llama().weights().layers().getFirst().wq().dtype().toString();
            int[] prompt = new Random(1).ints(pp, 0, model.config().vocabSize()).toArray();
            int n = settings.length;
            double[][] rate = new double[n][rounds];
            DecodeStats[][] stats = new DecodeStats[n][rounds];
            SelfSpeculativeDecoder.Run[][] runs = new SelfSpeculativeDecoder.Run[n][rounds];
            int[][] tokens = new int[n][];
            for (int r = -warmup; r < rounds; r++) {
                for (int k = 0; k < n; k++) {
                    int s = Math.floorMod(k + r, n); // rotate the order round by round
                    List<Integer> got = new ArrayList<>();
                    try (TokenDecoder d = decoder(model, settings[s], pp + tg + 1)) {
                        DecodeStats st = d.generate(prompt, tg + 1, t -> got.add(t));
                        if (r >= 0) {
                            rate[s][r] = st.decodeTokensPerSecond();
                            stats[s][r] = st;
                            runs[s][r] = d instanceof SelfSpeculativeDecoder sd ? sd.lastRun() : null;
                        }
                    }
                    tokens[s] = got.stream().mapToInt(Integer::intValue).toArray();
                }
                System.err.printf(Locale.ROOT, "%s round %d: %s%n", name, r, fmt(column(rate, Math.max(0, r))));
            }
            int full = Arrays.asList(settings).indexOf("full");
            int maxRows = 1;
            for (String s : settings) {
                maxRows = Math.max(maxRows, s.contains(":") ? Integer.parseInt(s.split(":")[1]) + 1 : Speculation.AUTO_MAX_DRAFT + 1);
            }
            CostModel.Measured measured = CostModel.measure(model.llama(), Speculation.fixed(1, 1), maxRows, pp + tg / 2, 9);
            CostModel cm = measured.model();
            System.err.printf(Locale.ROOT, "%s: one layer on one row %.3f ms; %s%n", name, measured.layerSeconds() * 1e3, cm);
            for (int s = 0; s < n; s++) {
                double[] ratio = new double[rounds];
                long drafted = 0, accepted = 0, rs = 0, fullSteps = 0, roundNanos = 0;
                double exits = 0, drafts = 0;
                for (int r = 0; r < rounds; r++) {
                    ratio[r] = full < 0 ? Double.NaN : rate[s][r] / rate[full][r];
                    drafted += stats[s][r].draftedTokens();
                    accepted += stats[s][r].acceptedTokens();
                    if (runs[s][r] != null) {
                        rs += runs[s][r].rounds();
                        fullSteps += runs[s][r].fullSteps();
                        roundNanos += runs[s][r].roundNanos();
                        exits += runs[s][r].exitLayerSum();
                        drafts += runs[s][r].draftSum();
                    }
                }
                double tpr = rs == 0 ? Double.NaN : (double) (accepted + rs) / rs;
                double meanExit = rs == 0 ? Double.NaN : exits / rs, meanDrafts = rs == 0 ? Double.NaN : drafts / rs;
                double analytic = Double.NaN, roundCost = Double.NaN, roundModel = Double.NaN;
                CostModel sm = cm;
                String[] parts = settings[s].split(":");
                if (parts.length > 2) { // another draft head: the full head's cost, or its share of it
                    int vocab = model.config().vocabSize();
                    double hn = parts[2].equals("all") ? cm.head() : cm.head() * Math.min(vocab, Integer.parseInt(parts[2])) / vocab;
                    sm = new CostModel(cm.layers(), cm.head(), hn, cm.verifyRatio());
                }
                if (rs > 0) {
                    int e = (int) Math.round(meanExit), d = (int) Math.round(meanDrafts);
                    roundModel = sm.roundCost(e, d);
                    roundCost = roundNanos / 1e9 / rs / measured.layerSeconds();
                    double fullShare = (double) fullSteps / (fullSteps + rs * tpr); // auto: tokens decoded fully
                    analytic = sm.fullCost() / ((1 - fullShare) * roundModel / tpr + fullShare * sm.fullCost());
                }
                boolean same = full < 0 || Arrays.equals(tokens[s], tokens[full]);
                rows.add(new Row(name, dtype, label(settings[s]), drafted == 0 ? Double.NaN : (double) accepted / drafted, tpr,
                        meanExit, meanDrafts, median(rate[s]), min(rate[s]), max(rate[s]), median(ratio), min(ratio), max(ratio),
                        analytic, roundCost, roundModel, rounds == 0 ? 0 : (double) fullSteps / rounds, sm, same));
                if (!same) {
                    System.err.println("WARNING: " + settings[s] + " differs from full decoding on " + name);
                }
            }
        }
        return rows;
    }

    /** "full", "auto", "E=4 d=3", "E=4 d=3 whole head", "E=4 d=3 N=16384". */
    static String label(String setting) {
        if (!setting.contains(":")) {
            return setting;
        }
        String[] ed = setting.split(":");
        return "E=" + ed[0] + " d=" + ed[1] + (ed.length < 3 ? "" : ed[2].equals("all") ? " whole head" : " N=" + ed[2]);
    }

    private static TokenDecoder decoder(Model model, String setting, int context) {
        if (setting.equals("full")) {
            return SessionOptions.STANDARD.create(model, SamplingConfig.GREEDY, context, DType.F32);
        }
        Speculation s;
        if (setting.startsWith("auto")) {
            s = Speculation.auto();
        } else {
            String[] ed = setting.split(":");
            s = Speculation.fixed(Integer.parseInt(ed[0]), Integer.parseInt(ed[1]));
            if (ed.length > 2) {
                s = ed[2].equals("all") ? s.withFullDraftHead() : s.withDraftTokens(Integer.parseInt(ed[2]));
            }
        }
        return s.newDecoder(model, SamplingConfig.GREEDY, context, DType.F32);
    }

    static String markdown(List<Row> rows, int threads, int pp, int tg, int rounds) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "### Self-speculation on SYNTHETIC models (random weights; a speed model, no language)%n%n"
                + "%d threads, prompt %d tokens, %d greedy tokens, medians of %d interleaved rounds (min–max); speed-up against full "
                + "decoding in the same round; *analytic*: T̂·(L+H)/C(E,d) from the profiled unit costs and the measured tokens per "
                + "round T̂; *round cost*: measured / analytic C(E,d), in layer units (one layer on one row = 1).%n%n", threads, pp, tg, rounds));
        b.append("| model | setting | acceptance | tokens/round | tg tok/s | speed-up | analytic | round cost (measured / model) | identical |\n");
        b.append("|---|---|---:|---:|---:|---:|---:|---:|:---:|\n");
        for (Row r : rows) {
            b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %.1f (%.1f–%.1f) | %s | %s | %s | %s |%n", r.model(), r.setting(),
                    Double.isNaN(r.acceptance()) ? "" : String.format(Locale.ROOT, "%.1f%%", 100 * r.acceptance()),
                    Double.isNaN(r.tokensPerRound()) ? "" : String.format(Locale.ROOT, "%.2f", r.tokensPerRound())
                            + (r.setting().equals("auto") ? String.format(Locale.ROOT, " (E≈%.1f d≈%.1f, %.0f full steps)", r.meanExit(), r.meanDrafts(), r.fullSteps()) : ""),
                    r.tgMedian(), r.tgMin(), r.tgMax(),
                    String.format(Locale.ROOT, "%.2f× (%.2f–%.2f)", r.speedUp(), r.speedUpMin(), r.speedUpMax()),
                    Double.isNaN(r.analytic()) ? "" : String.format(Locale.ROOT, "%.2f×", r.analytic()),
                    Double.isNaN(r.roundCost()) ? "" : String.format(Locale.ROOT, "%.1f / %.1f (%+.0f%%)", r.roundCost(), r.roundCostModel(),
                            100 * (r.roundCost() / r.roundCostModel() - 1)),
                    r.identical() ? "yes" : "**no**"));
        }
        b.append("\nUnit costs (layer units): ");
        String last = "";
        for (Row r : rows) {
            if (!r.model().equals(last)) {
                b.append(last.isEmpty() ? "" : "; ").append(r.model()).append(": ").append(r.costs());
                last = r.model();
            }
        }
        return b.append('\n').toString();
    }

    /** Speed-up against acceptance: measured points (median, min–max bar) per dtype and the analytic curves of E=4 settings. */
    static String svg(List<Row> rows) {
        int w = 760, h = 480, left = 70, right = 220, top = 40, bottom = 50, pw = w - left - right, ph = h - top - bottom;
        double maxY = 2.5;
        for (Row r : rows) {
            maxY = Math.max(maxY, Math.ceil(r.speedUpMax() * 2) / 2);
        }
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' font-family='sans-serif' font-size='11'>%n", w, h));
        s.append(String.format(Locale.ROOT, "<rect width='%d' height='%d' fill='white'/>%n", w, h));
        s.append(String.format(Locale.ROOT, "<text x='%d' y='20' font-size='13'>Self-speculation on SYNTHETIC 1B-shape models (random weights): speed-up against acceptance</text>%n", left));
        s.append(String.format(Locale.ROOT, "<rect x='%d' y='%d' width='%d' height='%d' fill='none' stroke='#444'/>%n", left, top, pw, ph));
        for (int a = 0; a <= 100; a += 10) {
            double x = left + a / 100.0 * pw;
            s.append(String.format(Locale.ROOT, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='#eee'/><text x='%.1f' y='%d' text-anchor='middle'>%d%%</text>%n",
                    x, top, x, top + ph, x, top + ph + 15, a));
        }
        for (double y = 0; y <= maxY + 1e-9; y += 0.5) {
            double py = top + ph - y / maxY * ph;
            s.append(String.format(Locale.ROOT, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='%s'/><text x='%d' y='%.1f' text-anchor='end'>%.1f×</text>%n",
                    left, py, left + pw, py, y == 1 ? "#888" : "#eee", left - 5, py + 4, y));
        }
        s.append(String.format(Locale.ROOT, "<text x='%d' y='%d' text-anchor='middle'>acceptance of drafted tokens</text>%n", left + pw / 2, h - 12));
        s.append(String.format(Locale.ROOT, "<text x='15' y='%d' transform='rotate(-90 15 %d)' text-anchor='middle'>speed-up over full decoding (tg, same round)</text>%n",
                top + ph / 2, top + ph / 2));
        String[] colors = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};
        List<String> series = new ArrayList<>();
        for (Row r : rows) {
            if (!r.setting().equals("full") && !series.contains(r.dtype() + " " + r.setting())) {
                series.add(r.dtype() + " " + r.setting());
            }
        }
        int legend = 0;
        for (int i = 0; i < series.size(); i++) {
            String key = series.get(i), color = colors[i % colors.length];
            List<Row> pts = rows.stream().filter(r -> key.equals(r.dtype() + " " + r.setting()) && !Double.isNaN(r.acceptance()))
                    .sorted(java.util.Comparator.comparingDouble(Row::acceptance)).toList();
            if (pts.isEmpty()) {
                continue;
            }
            String[] ed = key.contains("E=") && !key.contains(" N=") && !key.contains("whole") ? key.substring(key.indexOf("E=") + 2).split(" d=") : null;
            if (ed != null) { // the analytic curve of this fixed setting with the unit costs of its first model
                int e = Integer.parseInt(ed[0]), d = Integer.parseInt(ed[1].trim());
                CostModel cm = pts.getFirst().costs();
                StringBuilder path = new StringBuilder();
                for (int a = 0; a <= 100; a++) {
                    double y = cm.speedUp(a / 100.0, e, d);
                    path.append(a == 0 ? "M" : "L").append(String.format(Locale.ROOT, "%.1f %.1f", left + a / 100.0 * pw, top + ph - Math.min(y, maxY) / maxY * ph));
                }
                s.append(String.format(Locale.ROOT, "<path d='%s' fill='none' stroke='%s' stroke-dasharray='5 3'/>%n", path, color));
            }
            for (Row r : pts) {
                double x = left + r.acceptance() * pw, y = top + ph - r.speedUp() / maxY * ph;
                double y0 = top + ph - r.speedUpMin() / maxY * ph, y1 = top + ph - r.speedUpMax() / maxY * ph;
                s.append(String.format(Locale.ROOT, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='%s'/><circle cx='%.1f' cy='%.1f' r='4' fill='%s'/>%n",
                        x, y0, x, y1, color, x, y, color));
            }
            s.append(String.format(Locale.ROOT, "<circle cx='%d' cy='%d' r='4' fill='%s'/><text x='%d' y='%d'>%s%s</text>%n",
                    w - right + 12, top + 10 + 16 * legend, color, w - right + 22, top + 14 + 16 * legend, key, ed != null ? " (dashed: model)" : ""));
            legend++;
        }
        return s.append("</svg>\n").toString();
    }

    private static void write(Path dir, List<Row> rows, int threads, int pp, int tg, int rounds) throws IOException {
        Files.createDirectories(dir);
        OutputFile.writeString(dir.resolve("speculation.md"), markdown(rows, threads, pp, tg, rounds), List.of());
        OutputFile.writeString(dir.resolve("speculation.svg"), svg(rows), List.of());
    }

    private static double[] column(double[][] a, int r) {
        double[] c = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i][r];
        }
        return c;
    }

    static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length == 0 ? Double.NaN : s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double min(double[] a) {
        return Arrays.stream(a).min().orElse(Double.NaN);
    }

    private static double max(double[] a) {
        return Arrays.stream(a).max().orElse(Double.NaN);
    }

    private static String fmt(double[] a) {
        StringBuilder b = new StringBuilder();
        for (double v : a) {
            b.append(String.format(Locale.ROOT, "%.1f ", v));
        }
        return b.toString().strip();
    }
}
