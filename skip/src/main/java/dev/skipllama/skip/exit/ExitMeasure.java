package dev.skipllama.skip.exit;

/**
 * How confident the shared head is in an intermediate layer's prediction (CALM, Schuster et al.
 * 2022, §3.5 "softmax response"; the top-1/top-2 margin is their variant that is less sensitive to a
 * flat tail).
 */
public enum ExitMeasure {
    /** The largest softmax probability. */
    TOP_PROBABILITY,
    /** The largest softmax probability minus the second largest. */
    MARGIN;

    /** The measure of a probability vector. */
    public double of(float[] probabilities) {
        float p1 = Float.NEGATIVE_INFINITY, p2 = Float.NEGATIVE_INFINITY;
        for (float p : probabilities) {
            if (p > p1) {
                p2 = p1;
                p1 = p;
            } else if (p > p2) {
                p2 = p;
            }
        }
        if (this == TOP_PROBABILITY || probabilities.length < 2) {
            return p1;
        }
        return (double) p1 - p2;
    }
}
