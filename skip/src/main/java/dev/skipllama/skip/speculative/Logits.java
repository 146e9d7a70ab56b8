package dev.skipllama.skip.speculative;

import dev.skipllama.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Reading logits rows on the host without copying them. */
final class Logits {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private Logits() {
    }

    /**
     * The index of the largest value of a host F32 row (the lowest index on ties, as
     * {@code Sampler.argmax}), or -1 when a value is NaN or infinite.
     */
    static int argmax(Tensor row) {
        MemorySegment s = row.segment();
        int n = (int) row.numel();
        int best = 0;
        float max = s.getAtIndex(F32, 0);
        boolean finite = Math.abs(max) <= Float.MAX_VALUE;
        for (int i = 1; i < n; i++) {
            float v = s.getAtIndex(F32, i);
            finite &= Math.abs(v) <= Float.MAX_VALUE;
            if (v > max) {
                max = v;
                best = i;
            }
        }
        return finite ? best : -1;
    }
}
