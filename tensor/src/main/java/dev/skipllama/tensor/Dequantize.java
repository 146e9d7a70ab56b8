package dev.skipllama.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Any {@link DType} → F32. This is the definition of what the stored bytes mean; every kernel that
 * reads quantized weights in registers must agree with it.
 */
public final class Dequantize {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private Dequantize() {
    }

    /** Decodes {@code n} elements stored at byte offset {@code at} of {@code src} into {@code out[off..]}. */
    public static void row(MemorySegment src, long at, DType type, int n, float[] out, int off) {
        type.byteSize(n);
        switch (type) {
            case F32 -> MemorySegment.copy(src, F32, at, out, off, n);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out[off + i] = Halfs.f16ToFloat(src.get(I16, at + 2L * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    out[off + i] = Halfs.bf16ToFloat(src.get(I16, at + 2L * i));
                }
            }
            case Q8_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    long blk = at + 34L * b;
                    float d = Halfs.f16ToFloat(src.get(I16, blk));
                    for (int j = 0; j < 32; j++) {
                        out[off + 32 * b + j] = d * src.get(ValueLayout.JAVA_BYTE, blk + 2 + j);
                    }
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    long blk = at + 18L * b;
                    float d = Halfs.f16ToFloat(src.get(I16, blk));
                    for (int j = 0; j < 16; j++) {
                        int q = src.get(ValueLayout.JAVA_BYTE, blk + 2 + j) & 0xff;
                        out[off + 32 * b + j] = d * ((q & 0xf) - 8);
                        out[off + 32 * b + j + 16] = d * ((q >>> 4) - 8);
                    }
                }
            }
        }
    }

    /** Row {@code r} of a tensor seen as {@code [rows, lastDim]}, decoded into {@code out}. */
    public static void row(Tensor t, int r, float[] out) {
        int n = t.dim(-1);
        row(t.segment(), r * t.rowBytes(), t.dtype(), n, out, 0);
    }

    /** The whole tensor as floats, row-major. */
    public static float[] toFloats(Tensor t) {
        int n = t.dim(-1);
        float[] out = new float[Math.toIntExact(t.numel())];
        for (int r = 0; r < t.rowCount(); r++) {
            row(t.segment(), r * t.rowBytes(), t.dtype(), n, out, r * n);
        }
        return out;
    }

    /** A new owning F32 tensor with the same values. */
    public static Tensor toF32(Tensor t) {
        return Tensor.of(toFloats(t), t.shape());
    }
}
