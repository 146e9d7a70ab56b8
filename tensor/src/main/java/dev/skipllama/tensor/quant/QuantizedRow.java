package dev.skipllama.tensor.quant;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Halfs;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One activation row quantized to 8 bits for an integer dot product with quantized weights, the way
 * llama.cpp's x86 build quantizes it ({@code quantize_row_q8_0}, {@code _q8_1}, {@code _q8_K}).
 *
 * <ul>
 *   <li>{@link Blocks#B32} (for Q8_0, Q4_0, Q4_1, Q5_0 weights): per 32 values, {@code d = max|x| / 127}
 *       rounded to F16, {@code q = rint(x · 127 / max|x|)} (ties to even, as {@code _mm256_round_ps}),
 *       kept within ±127 where {@code 127 / max|x|} overflows.</li>
 *   <li>{@link Blocks#B256} (for Q4_K, Q5_K, Q6_K): per 256 values, with {@code m} the value of largest
 *       magnitude, {@code iscale = −127 / m}, {@code q = rint(iscale · x)} within ±127, {@code d = 1 / iscale}
 *       (a float, not rounded to F16) — ggml's {@code quantize_row_q8_K_ref}.</li>
 * </ul>
 * Either way every {@code q} lies in [−127, 127], which the CPU kernels' 16-bit sums rely on.
 * {@link #sum(int)} is Σq per 32 values (ggml's {@code bsums} pairs for B256), and for B32
 * {@link #s(int)} is Q8_1's {@code s = f16(d · Σq)}, used by Q4_1.
 *
 * <p>A {@code QuantizedRow} is scratch: {@link #quantize} overwrites it. Not thread-safe.
 */
public final class QuantizedRow {
    /** The two block layouts of ggml's activation types. */
    public enum Blocks {
        B32(32), B256(256);

        private final int size;

        Blocks(int size) {
            this.size = size;
        }

        public int size() {
            return size;
        }
    }

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private final Blocks blocks;
    private final int n;
    private final byte[] q;
    private final float[] d;
    private final float[] s;
    private final int[] sum;

    public QuantizedRow(Blocks blocks, int n) {
        if (n <= 0 || n % blocks.size != 0) {
            throw new IllegalArgumentException(blocks + " activations need a positive multiple of " + blocks.size + " values, got " + n);
        }
        this.blocks = blocks;
        this.n = n;
        this.q = new byte[n];
        this.d = new float[n / blocks.size];
        this.s = new float[n / 32];
        this.sum = new int[n / 32];
    }

    /** The activation blocks a matmul with {@code weights} quantizes its input to. */
    public static Blocks blocksFor(DType weights) {
        return switch (weights) {
            case Q8_0, Q4_0, Q4_1, Q5_0 -> Blocks.B32;
            case Q4_K, Q5_K, Q6_K -> Blocks.B256;
            case F32, F16, BF16 -> throw new IllegalArgumentException(weights + " weights take float activations, not quantized ones");
        };
    }

    public Blocks blocks() {
        return blocks;
    }

    public int length() {
        return n;
    }

    /** Quantized value {@code i}, in [−127, 127]. */
    public int q(int i) {
        return q[i];
    }

    /** The scale of block {@code b} (of {@link Blocks#size()} values). */
    public float d(int b) {
        return d[b];
    }

    /** Σq over values {@code [32g, 32g + 32)}. */
    public int sum(int g) {
        return sum[g];
    }

    /** Q8_1's {@code s} of 32-block {@code g}: {@code d · Σq} rounded to F16 (B32 only). */
    public float s(int g) {
        return s[g];
    }

    /** Quantizes the {@link #length()} floats at byte offset {@code at} of {@code x}. */
    public QuantizedRow quantize(MemorySegment x, long at) {
        float[] v = new float[blocks.size];
        for (int b = 0; b < n / blocks.size; b++) {
            MemorySegment.copy(x, F32, at + 4L * b * blocks.size, v, 0, blocks.size);
            if (blocks == Blocks.B32) {
                d[b] = block32(v, q, 32 * b);
            } else {
                d[b] = block256(v, q, 256 * b);
            }
        }
        for (int g = 0; g < n / 32; g++) {
            int t = 0;
            for (int i = 0; i < 32; i++) {
                t += q[32 * g + i];
            }
            sum[g] = t;
            s[g] = blocks == Blocks.B32 ? Halfs.f16ToFloat(Halfs.floatToF16(d[g] * t)) : 0f;
        }
        return this;
    }

    /** ggml x86 {@code quantize_row_q8_0} for one block; returns d as stored (F16-rounded). */
    static float block32(float[] v, byte[] q, int off) {
        float max = 0;
        for (int i = 0; i < 32; i++) {
            max = Math.max(max, Math.abs(v[i]));
        }
        float id = max != 0 ? 127f / max : 0f;
        for (int i = 0; i < 32; i++) {
            // Clamped: for a block of float subnormals 127 / max overflows to infinity (d is then 0).
            q[off + i] = (byte) Math.max(-127, Math.min(127, (int) Math.rint(v[i] * id)));
        }
        return Halfs.f16ToFloat(Halfs.floatToF16(max / 127f));
    }

    /** ggml {@code quantize_row_q8_K_ref} for one block; returns d. */
    static float block256(float[] v, byte[] q, int off) {
        float amax = 0, max = 0;
        boolean nan = false;
        for (int i = 0; i < 256; i++) {
            float a = Math.abs(v[i]);
            if (a > amax) {
                amax = a;
                max = v[i];
            }
            nan |= a != a;
        }
        if (nan) { // ggml would drop it; we keep the block non-finite so that the result is NaN, not silently finite
            java.util.Arrays.fill(q, off, off + 256, (byte) 0);
            return Float.NaN;
        }
        if (amax == 0) {
            java.util.Arrays.fill(q, off, off + 256, (byte) 0);
            return 0f;
        }
        float iscale = -127f / max;
        for (int i = 0; i < 256; i++) {
            // Clamped both ways: for a block of float subnormals −127 / m overflows to infinity.
            q[off + i] = (byte) Math.max(-127, Math.min(127, (int) Math.rint(iscale * v[i])));
        }
        return 1f / iscale;
    }
}
