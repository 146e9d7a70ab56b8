package dev.skipllama.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * F32 → any {@link DType}, with ggml's reference rounding rules (so our Q8_0/Q4_0 bytes equal
 * llama.cpp's {@code quantize_row_q8_0_ref}/{@code quantize_row_q4_0_ref} for the same input).
 */
public final class Quantize {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private Quantize() {
    }

    /** A new owning tensor of {@code target} dtype holding {@code src}'s values (src is F32). */
    public static Tensor to(Tensor src, DType target) {
        if (src.dtype() != DType.F32) {
            throw new IllegalArgumentException("Quantize.to needs an F32 source, found " + src);
        }
        Tensor dst = Tensor.allocate(target, src.shape());
        float[] row = new float[src.dim(-1)];
        for (int r = 0; r < src.rowCount(); r++) {
            MemorySegment.copy(src.segment(), F32, (long) r * row.length * 4, row, 0, row.length);
            row(row, 0, row.length, dst.segment(), r * dst.rowBytes(), target);
        }
        return dst;
    }

    /** Encodes {@code n} floats from {@code x[off..]} into {@code dst} at byte offset {@code dstOff}. */
    public static void row(float[] x, int off, int n, MemorySegment dst, long dstOff, DType type) {
        type.byteSize(n); // block-multiple check
        switch (type) {
            case F32 -> MemorySegment.copy(x, off, dst, F32, dstOff, n);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst.set(I16, dstOff + 2L * i, Halfs.floatToF16(x[off + i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    dst.set(I16, dstOff + 2L * i, Halfs.floatToBf16(x[off + i]));
                }
            }
            case Q8_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    q8_0Block(x, off + 32 * b, dst, dstOff + 34L * b);
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    q4_0Block(x, off + 32 * b, dst, dstOff + 18L * b);
                }
            }
            case Q4_1 -> {
                for (int b = 0; b < n / 32; b++) {
                    q4_1Block(x, off + 32 * b, dst, dstOff + 20L * b);
                }
            }
            case Q5_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    q5_0Block(x, off + 32 * b, dst, dstOff + 22L * b);
                }
            }
            case Q4_K -> {
                for (int b = 0; b < n / 256; b++) {
                    KQuantize.q4_KBlock(x, off + 256 * b, dst, dstOff + 144L * b);
                }
            }
            case Q5_K -> {
                for (int b = 0; b < n / 256; b++) {
                    KQuantize.q5_KBlock(x, off + 256 * b, dst, dstOff + 176L * b);
                }
            }
            case Q6_K -> {
                for (int b = 0; b < n / 256; b++) {
                    KQuantize.q6_KBlock(x, off + 256 * b, dst, dstOff + 210L * b);
                }
            }
        }
    }

    private static void q8_0Block(float[] x, int off, MemorySegment dst, long at) {
        float amax = 0;
        for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(x[off + j]));
        }
        float d = amax / 127f;
        float id = d != 0 ? 1f / d : 0f;
        dst.set(I16, at, Halfs.floatToF16(d));
        for (int j = 0; j < 32; j++) {
            dst.set(ValueLayout.JAVA_BYTE, at + 2 + j, (byte) roundHalfAway(x[off + j] * id));
        }
    }

    private static void q4_0Block(float[] x, int off, MemorySegment dst, long at) {
        float amax = 0;
        float max = 0; // the value of largest magnitude, sign kept: it maps to -8 exactly
        for (int j = 0; j < 32; j++) {
            float v = x[off + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8f;
        float id = d != 0 ? 1f / d : 0f;
        dst.set(I16, at, Halfs.floatToF16(d));
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (int) (x[off + j] * id + 8.5f));
            int hi = Math.min(15, (int) (x[off + 16 + j] * id + 8.5f));
            dst.set(ValueLayout.JAVA_BYTE, at + 2 + j, (byte) (lo | (hi << 4)));
        }
    }

    /** ggml's {@code quantize_row_q4_1_ref}: 16 steps from the block's minimum to its maximum. */
    private static void q4_1Block(float[] x, int off, MemorySegment dst, long at) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            min = Math.min(min, x[off + j]);
            max = Math.max(max, x[off + j]);
        }
        float d = (max - min) / 15;
        float id = d != 0 ? 1f / d : 0f;
        dst.set(I16, at, Halfs.floatToF16(d));
        dst.set(I16, at + 2, Halfs.floatToF16(min));
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (int) ((x[off + j] - min) * id + 0.5f));
            int hi = Math.min(15, (int) ((x[off + 16 + j] - min) * id + 0.5f));
            dst.set(ValueLayout.JAVA_BYTE, at + 4 + j, (byte) (lo | (hi << 4)));
        }
    }

    /** ggml's {@code quantize_row_q5_0_ref}: as Q4_0 with 32 levels, the fifth bits gathered in {@code qh}. */
    private static void q5_0Block(float[] x, int off, MemorySegment dst, long at) {
        float amax = 0;
        float max = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[off + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -16f;
        float id = d != 0 ? 1f / d : 0f;
        dst.set(I16, at, Halfs.floatToF16(d));
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(31, (int) (x[off + j] * id + 16.5f));
            int hi = Math.min(31, (int) (x[off + 16 + j] * id + 16.5f));
            dst.set(ValueLayout.JAVA_BYTE, at + 6 + j, (byte) ((lo & 0xf) | (hi & 0xf) << 4));
            qh |= (lo >>> 4) << j;
            qh |= (hi >>> 4) << (j + 16);
        }
        dst.set(ValueLayout.JAVA_INT_UNALIGNED, at + 2, qh);
    }

    /** C's {@code roundf}: halves go away from zero (Java's Math.round sends them up). */
    static int roundHalfAway(float v) {
        return (int) Math.copySign(Math.floor(Math.abs((double) v) + 0.5), v);
    }
}
