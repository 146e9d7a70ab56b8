package dev.skipllama.transformer.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The logits check finds the first NaN or infinity wherever it is: in the unrolled body, the vector tail or the scalar tail. */
class NonFiniteProperties {

    @Property(tries = 300)
    void findsTheFirstNonFiniteValue(@ForAll @IntRange(min = 1, max = 300) int n, @ForAll @IntRange(min = 0, max = 299) int at,
                                     @ForAll @IntRange(min = 0, max = 2) int kind, @ForAll boolean second) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (i % 7 - 3) * 1e30f; // large but finite: x - x is still 0
        }
        assertEquals(-1, NonFinite.first(a, n));
        if (at < n) {
            a[at] = kind == 0 ? Float.NaN : kind == 1 ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
            if (second && at + 1 < n) {
                a[n - 1] = Float.NaN;
            }
            assertEquals(at, NonFinite.first(a, n));
            assertEquals(-1, NonFinite.first(a, at), "only the first n values are looked at");
        }
    }
}
