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
            case Q4_1 -> {
                for (int b = 0; b < n / 32; b++) {
                    long blk = at + 20L * b;
                    float d = Halfs.f16ToFloat(src.get(I16, blk)), m = Halfs.f16ToFloat(src.get(I16, blk + 2));
                    for (int j = 0; j < 16; j++) {
                        int q = src.get(ValueLayout.JAVA_BYTE, blk + 4 + j) & 0xff;
                        out[off + 32 * b + j] = d * (q & 0xf) + m;
                        out[off + 32 * b + j + 16] = d * (q >>> 4) + m;
                    }
                }
            }
            case Q5_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    long blk = at + 22L * b;
                    float d = Halfs.f16ToFloat(src.get(I16, blk));
                    int qh = src.get(ValueLayout.JAVA_INT_UNALIGNED, blk + 2);
                    for (int j = 0; j < 16; j++) {
                        int q = src.get(ValueLayout.JAVA_BYTE, blk + 6 + j) & 0xff;
                        out[off + 32 * b + j] = d * (((q & 0xf) | ((qh >>> j) & 1) << 4) - 16);
                        out[off + 32 * b + j + 16] = d * (((q >>> 4) | ((qh >>> (j + 16)) & 1) << 4) - 16);
                    }
                }
            }
            case Q4_K -> {
                for (int b = 0; b < n / 256; b++) {
                    q4_KBlock(src, at + 144L * b, out, off + 256 * b);
                }
            }
            case Q5_K -> {
                for (int b = 0; b < n / 256; b++) {
                    q5_KBlock(src, at + 176L * b, out, off + 256 * b);
                }
            }
            case Q6_K -> {
                for (int b = 0; b < n / 256; b++) {
                    q6_KBlock(src, at + 210L * b, out, off + 256 * b);
                }
            }
        }
    }

    /**
     * ggml's {@code dequantize_row_q4_K} for one super-block: {@code f16 d, dmin} at 0 and 2, packed
     * scales at 4, nibbles at 16. Each product is rounded to float before the min is subtracted, as
     * in ggml's {@code d1 * q - m1}.
     */
    private static void q4_KBlock(MemorySegment src, long blk, float[] out, int off) {
        float d = Halfs.f16ToFloat(src.get(I16, blk));
        float dmin = Halfs.f16ToFloat(src.get(I16, blk + 2));
        for (int c = 0; c < 4; c++) {
            float d1 = d * q4_KScale(src, blk + 4, 2 * c), m1 = dmin * q4_KMin(src, blk + 4, 2 * c);
            float d2 = d * q4_KScale(src, blk + 4, 2 * c + 1), m2 = dmin * q4_KMin(src, blk + 4, 2 * c + 1);
            for (int l = 0; l < 32; l++) {
                int q = src.get(ValueLayout.JAVA_BYTE, blk + 16 + 32 * c + l) & 0xff;
                out[off + 64 * c + l] = d1 * (q & 0xf) - m1;
                out[off + 64 * c + 32 + l] = d2 * (q >>> 4) - m2;
            }
        }
    }

    /**
     * ggml's {@code dequantize_row_q5_K} for one super-block: {@code f16 d, dmin} at 0 and 2, packed
     * scales at 4 (as Q4_K's), {@code qh[32]} at 16, nibbles at 48. In 64-value chunk c, value
     * {@code l < 32} is the low nibble of {@code qs[32c+l]} plus 16 if bit 2c of {@code qh[l]} is set,
     * value {@code 32 + l} the high nibble plus 16 for bit 2c+1.
     */
    private static void q5_KBlock(MemorySegment src, long blk, float[] out, int off) {
        float d = Halfs.f16ToFloat(src.get(I16, blk));
        float dmin = Halfs.f16ToFloat(src.get(I16, blk + 2));
        for (int c = 0; c < 4; c++) {
            float d1 = d * q4_KScale(src, blk + 4, 2 * c), m1 = dmin * q4_KMin(src, blk + 4, 2 * c);
            float d2 = d * q4_KScale(src, blk + 4, 2 * c + 1), m2 = dmin * q4_KMin(src, blk + 4, 2 * c + 1);
            for (int l = 0; l < 32; l++) {
                int q = src.get(ValueLayout.JAVA_BYTE, blk + 48 + 32 * c + l) & 0xff;
                int h = src.get(ValueLayout.JAVA_BYTE, blk + 16 + l) & 0xff;
                out[off + 64 * c + l] = d1 * ((q & 0xf) | ((h >>> (2 * c)) & 1) << 4) - m1;
                out[off + 64 * c + 32 + l] = d2 * ((q >>> 4) | ((h >>> (2 * c + 1)) & 1) << 4) - m2;
            }
        }
    }

    /**
     * The 6-bit scale of Q4_K (and Q5_K) sub-block {@code j} (0..7) from the 12 packed bytes at {@code s}
     * (ggml's {@code get_scale_min_k4}): sub-blocks 0-3 keep theirs in the low 6 bits of bytes 0-3;
     * sub-blocks 4-7 take the low nibble of bytes 8-11 and, as the top two bits, the spare top bits of
     * bytes 0-3.
     */
    public static int q4_KScale(MemorySegment src, long s, int j) {
        if (j < 4) {
            return src.get(ValueLayout.JAVA_BYTE, s + j) & 63;
        }
        return (src.get(ValueLayout.JAVA_BYTE, s + j + 4) & 0xf) | ((src.get(ValueLayout.JAVA_BYTE, s + j - 4) & 0xff) >>> 6) << 4;
    }

    /** The 6-bit min of Q4_K sub-block {@code j}: like {@link #q4_KScale} with bytes 4-7 and the high nibbles of 8-11. */
    public static int q4_KMin(MemorySegment src, long s, int j) {
        if (j < 4) {
            return src.get(ValueLayout.JAVA_BYTE, s + j + 4) & 63;
        }
        return ((src.get(ValueLayout.JAVA_BYTE, s + j + 4) & 0xff) >>> 4) | ((src.get(ValueLayout.JAVA_BYTE, s + j) & 0xff) >>> 6) << 4;
    }

    /**
     * ggml's {@code dequantize_row_q6_K} for one super-block: {@code ql[128]} at 0, {@code qh[64]} at
     * 128, {@code int8 scales[16]} at 192, {@code f16 d} at 208. The block is two halves of 128 values;
     * in half {@code h}, for {@code l < 32}, byte {@code ql[64h+l]} holds values {@code l} (low nibble)
     * and {@code 64+l} (high), {@code ql[64h+32+l]} holds {@code 32+l} and {@code 96+l}, and
     * {@code qh[32h+l]} gives their top two bits in bit pairs 0-1, 4-5, 2-3 and 6-7 respectively.
     */
    private static void q6_KBlock(MemorySegment src, long blk, float[] out, int off) {
        float d = Halfs.f16ToFloat(src.get(I16, blk + 208));
        for (int h = 0; h < 2; h++) {
            long ql = blk + 64 * h, qh = blk + 128 + 32 * h, sc = blk + 192 + 8 * h;
            for (int l = 0; l < 32; l++) {
                int lo = src.get(ValueLayout.JAVA_BYTE, ql + l) & 0xff;
                int hi = src.get(ValueLayout.JAVA_BYTE, ql + 32 + l) & 0xff;
                int top = src.get(ValueLayout.JAVA_BYTE, qh + l) & 0xff;
                int is = l / 16;
                int base = off + 128 * h + l;
                out[base] = d * src.get(ValueLayout.JAVA_BYTE, sc + is) * ((lo & 0xf | (top & 3) << 4) - 32);
                out[base + 32] = d * src.get(ValueLayout.JAVA_BYTE, sc + is + 2) * ((hi & 0xf | (top >>> 2 & 3) << 4) - 32);
                out[base + 64] = d * src.get(ValueLayout.JAVA_BYTE, sc + is + 4) * ((lo >>> 4 | (top >>> 4 & 3) << 4) - 32);
                out[base + 96] = d * src.get(ValueLayout.JAVA_BYTE, sc + is + 6) * ((hi >>> 4 | (top >>> 6 & 3) << 4) - 32);
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
