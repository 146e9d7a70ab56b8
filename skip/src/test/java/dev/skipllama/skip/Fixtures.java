package dev.skipllama.skip;

import dev.skipllama.skip.calibration.Calibration;
import dev.skipllama.transformer.llama.Llama;
import java.util.List;

/** Shared inputs of the skip tests. */
public final class Fixtures {
    public static final int[] PROMPT = {1, 5, 9, 33, 2, 7};
    public static final List<int[]> CALIBRATION = List.of(
            new int[]{1, 5, 9, 33, 2, 7, 7, 12, 40, 3, 18, 22, 49, 0, 31},
            new int[]{1, 44, 13, 13, 8, 27, 6, 35, 19});

    private Fixtures() {
    }

    public static Calibration calibration(Llama model) {
        return Calibration.measure(model, CALIBRATION);
    }
}
