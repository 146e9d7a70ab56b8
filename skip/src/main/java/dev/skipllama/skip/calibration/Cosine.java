package dev.skipllama.skip.calibration;

/** Cosine similarity of hidden-state rows, in double, clamped to [-1, 1]. */
public final class Cosine {
    private Cosine() {
    }

    /**
     * {@code cos(a, b)} over the first {@code n} elements. Two zero vectors are identical (1); a zero
     * vector against a non-zero one is unrelated (0).
     */
    public static double of(float[] a, float[] b, int offsetA, int offsetB, int n) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < n; i++) {
            double x = a[offsetA + i], y = b[offsetB + i];
            dot += x * y;
            na += x * x;
            nb += y * y;
        }
        if (na == 0 && nb == 0) {
            return 1;
        }
        if (na == 0 || nb == 0) {
            return 0;
        }
        return Math.max(-1, Math.min(1, dot / Math.sqrt(na * nb)));
    }

    public static double of(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("cosine of vectors of lengths " + a.length + " and " + b.length);
        }
        return of(a, b, 0, 0, a.length);
    }
}
