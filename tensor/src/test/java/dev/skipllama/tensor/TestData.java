package dev.skipllama.tensor;

import java.util.Random;

/** Random test inputs, including the awkward values kernels get wrong. */
public final class TestData {
    private TestData() {
    }

    /** What kind of numbers fill a tensor. */
    public enum Values {
        /** Gaussian, unit scale. */
        NORMAL,
        /** Half of them exactly zero, the rest Gaussian. */
        SPARSE,
        /** Around 1e-39..1e-41: float subnormals. */
        SUBNORMAL,
        /** Large but finite products: ±1e15 for activations (weights stay representable in their dtype). */
        LARGE,
        /** Mixed magnitudes from 1e-6 to 1e4 with random signs. */
        WIDE
    }

    public static float[] floats(Random rnd, int n, Values kind) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = switch (kind) {
                case NORMAL -> (float) rnd.nextGaussian();
                case SPARSE -> rnd.nextBoolean() ? 0f : (float) rnd.nextGaussian();
                case SUBNORMAL -> (float) (rnd.nextGaussian() * 1e-40);
                case LARGE -> (float) (rnd.nextGaussian() * 1e15);
                case WIDE -> (float) (Math.pow(10, -6 + 10 * rnd.nextDouble()) * (rnd.nextBoolean() ? 1 : -1));
            };
        }
        return a;
    }

    /**
     * Values that fit {@code dtype}'s range: F16 (and the F16 block scales of Q8_0/Q4_0) saturate at
     * 65504, so LARGE weights are scaled to ±1e4 for those types.
     */
    public static float[] weights(Random rnd, int n, Values kind, DType dtype) {
        float[] a = floats(rnd, n, kind);
        if ((dtype == DType.F16 || dtype.isQuantized()) && kind == Values.LARGE) {
            for (int i = 0; i < n; i++) {
                a[i] = a[i] * 1e-15f * 1e4f;
            }
        }
        return a;
    }

    /** An owning tensor of {@code dtype} made from random F32 values. */
    public static Tensor tensor(Random rnd, DType dtype, Values kind, int... shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        try (Tensor f = Tensor.of(weights(rnd, (int) n, kind, dtype), shape)) {
            return dtype == DType.F32 ? Tensor.of(f.toFloatArray(), shape) : Quantize.to(f, dtype);
        }
    }
}
