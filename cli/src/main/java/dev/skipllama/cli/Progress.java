package dev.skipllama.cli;

import dev.skipllama.transformer.ProgressListener;
import java.io.PrintStream;
import java.util.Locale;

/**
 * A progress bar on standard error for long work (converting, calibrating, evaluating). Drawn in
 * place only on a terminal; elsewhere (pipes, CI logs) one line is printed when the work ends, so
 * logs are not flooded with carriage returns.
 */
final class Progress implements ProgressListener, AutoCloseable {
    private static final int WIDTH = 30;
    /** ANSI "erase to the end of the line". */
    static final String CLEAR_TO_END = "\u001b[K";
    private final String label;
    private final String unit;
    private final PrintStream err;
    private final boolean live;
    private final long start = System.nanoTime();
    private long lastDraw;
    private long done;
    private long total;

    Progress(String label, String unit) {
        this(label, unit, System.err, System.console() != null && System.console().isTerminal());
    }

    Progress(String label, String unit, PrintStream err, boolean live) {
        this.label = label;
        this.unit = unit;
        this.err = err;
        this.live = live;
    }

    @Override
    public void progress(long done, long total) {
        this.done = done;
        this.total = total;
        long now = System.nanoTime();
        if (live && (now - lastDraw > 100_000_000L || done >= total)) {
            lastDraw = now;
            err.print("\r" + line(now) + CLEAR_TO_END); // a shorter line must not leave the end of a longer one
            err.flush();
        }
    }

    String line(long now) {
        double f = total <= 0 ? 0 : Math.min(1, (double) done / total);
        int filled = (int) Math.round(f * WIDTH);
        double secs = (now - start) / 1e9;
        String eta = f > 0 && f < 1 ? String.format(Locale.ROOT, ", %.0f s left", secs / f - secs) : "";
        return String.format(Locale.ROOT, "%s [%s%s] %3.0f%% %s/%s %s (%.1f s%s)", label, "#".repeat(filled),
                " ".repeat(WIDTH - filled), 100 * f, human(done), human(total), unit, secs, eta);
    }

    private static String human(long n) {
        if (n >= 10L << 30) {
            return (n >> 30) + "G";
        }
        if (n >= 10L << 20) {
            return (n >> 20) + "M";
        }
        if (n >= 10L << 10) {
            return (n >> 10) + "k";
        }
        return Long.toString(n);
    }

    @Override
    public void close() {
        if (live) {
            err.print("\r" + line(System.nanoTime()) + CLEAR_TO_END); // the final state, without a stale "s left"
            err.println();
        } else if (total > 0) {
            err.println(line(System.nanoTime()));
        }
    }
}
