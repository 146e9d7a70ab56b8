package dev.skipllama.skip.eval;

import dev.skipllama.transformer.io.OutputFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/** The evaluation as a Markdown table and an SVG scatter plot (speed-up against perplexity). */
public final class Report {
    private Report() {
    }

    /**
     * Writes {@code skip-eval.md} (and {@code skip-eval.svg} unless {@code speedOnly}) into {@code dir},
     * each atomically and never over one of {@code inputs}; returns the files written.
     */
    public static List<Path> write(Path dir, String title, List<SkipEval.Row> rows, boolean speedOnly, Collection<Path> inputs)
            throws IOException {
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        Path md = dir.resolve("skip-eval.md");
        OutputFile.writeString(md, markdown(title, rows, speedOnly), inputs);
        written.add(md);
        if (!speedOnly) {
            Path svg = dir.resolve("skip-eval.svg");
            OutputFile.writeString(svg, svg(title, rows), inputs);
            written.add(svg);
        }
        return written;
    }

    public static String markdown(String title, List<SkipEval.Row> rows, boolean speedOnly) {
        StringBuilder b = new StringBuilder("### ").append(title).append("\n\n");
        b.append("*tok/s*: median over interleaved rounds; *speed-up*: median (min–max) of the ratio to the full model timed in the same round.\n\n");
        if (speedOnly) {
            b.append("| method | layers/token | tok/s | speed-up |\n|---|---:|---:|---:|\n");
        } else {
            b.append("| method | layers/token | tok/s | speed-up | agreement | perplexity | acceptance | tokens/verify |\n")
                    .append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        }
        for (SkipEval.Row r : rows) {
            b.append("| ").append(r.method()).append(" | ").append(f(r.layersPerToken(), 2)).append(" | ")
                    .append(f(r.tokensPerSecond(), 1)).append(" | ").append(f(r.speedUp(), 2)).append("×");
            if (r.speedUpMax() > r.speedUpMin()) {
                b.append(" (").append(f(r.speedUpMin(), 2)).append("–").append(f(r.speedUpMax(), 2)).append(")");
            }
            if (!speedOnly) {
                b.append(" | ").append(f(100 * r.agreement(), 1)).append("% | ").append(f(r.perplexity(), 2))
                        .append(" | ").append(Double.isNaN(r.acceptance()) ? "" : f(100 * r.acceptance(), 1) + "%")
                        .append(" | ").append(Double.isNaN(r.tokensPerVerify()) ? "" : f(r.tokensPerVerify(), 2));
            }
            b.append(" |\n");
        }
        return b.toString();
    }

    public static String svg(String title, List<SkipEval.Row> rows) {
        int w = 760, h = 480, left = 70, right = 230, top = 40, bottom = 50;
        double maxX = 0.5, maxY = 0, minY = Double.MAX_VALUE;
        for (SkipEval.Row r : rows) {
            maxX = Math.max(maxX, r.speedUp());
            if (!Double.isNaN(r.perplexity())) {
                maxY = Math.max(maxY, r.perplexity());
                minY = Math.min(minY, r.perplexity());
            }
        }
        maxX = Math.ceil(maxX * 4) / 4 + 0.25;
        double logMin = Math.log(minY) - 0.05, logMax = Math.log(maxY) + 0.05;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' font-family='sans-serif' font-size='11'>%n", w, h));
        s.append(String.format(Locale.ROOT, "<rect width='%d' height='%d' fill='white'/>%n", w, h));
        s.append(String.format(Locale.ROOT, "<text x='%d' y='20' font-size='13'>%s</text>%n", left, esc(title)));
        int pw = w - left - right, ph = h - top - bottom;
        s.append(String.format(Locale.ROOT, "<rect x='%d' y='%d' width='%d' height='%d' fill='none' stroke='#444'/>%n", left, top, pw, ph));
        for (double x = 0.5; x <= maxX + 1e-9; x += 0.25) {
            double px = left + (x - 0) / maxX * pw;
            s.append(String.format(Locale.ROOT, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='#ddd'/><text x='%.1f' y='%d' text-anchor='middle'>%.2f×</text>%n",
                    px, top, px, top + ph, px, top + ph + 15, x));
        }
        s.append(String.format(Locale.ROOT, "<text x='%d' y='%d' text-anchor='middle'>speed-up over the full model (same run)</text>%n", left + pw / 2, h - 12));
        s.append(String.format(Locale.ROOT, "<text x='15' y='%d' transform='rotate(-90 15 %d)' text-anchor='middle'>held-out perplexity (log scale)</text>%n", top + ph / 2, top + ph / 2));
        int i = 0;
        for (SkipEval.Row r : rows) {
            if (Double.isNaN(r.perplexity())) {
                continue;
            }
            double px = left + r.speedUp() / maxX * pw;
            double py = top + (logMax - Math.log(r.perplexity())) / (logMax - logMin) * ph;
            String color = r.method().startsWith("self-spec") ? "#d62728" : r.method().equals("full") ? "#000" : "#1f77b4";
            s.append(String.format(Locale.ROOT, "<circle cx='%.1f' cy='%.1f' r='4' fill='%s'/><text x='%.1f' y='%.1f'>%d</text>%n",
                    px, py, color, px + 6, py - 4, i));
            s.append(String.format(Locale.ROOT, "<text x='%d' y='%d' fill='%s'>%d %s (%.2f)</text>%n",
                    w - right + 10, top + 12 + 14 * i, color, i, esc(r.method()), r.perplexity()));
            i++;
        }
        return s.append("</svg>\n").toString();
    }

    private static String f(double v, int digits) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%." + digits + "f", v);
    }

    private static String esc(String t) {
        return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
