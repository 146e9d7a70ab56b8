package dev.skipllama.tensor.quant;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Dequantize;
import dev.skipllama.tensor.Halfs;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The definition of a quantized weight row times an activation row: ggml's integer dot products
 * ({@code ggml_vec_dot_*_q8_0/q8_1/q8_K}), written once as plain loops over GGUF's block layouts.
 *
 * <p>Within a block every product and sum is an integer, exact in any order. Only the scaling is
 * float, and it is defined here operation by operation, one block after another:
 * <ul>
 *   <li>Q8_0, Q4_0, Q5_0: {@code acc = fma((float) Σq·y, d_w · d_x, acc)} (for Q4_0 and Q5_0 the weights'
 *       offset of 8 or 16 is part of q).</li>
 *   <li>Q4_1: {@code acc = acc + fma((float) Σq·y, d_w · d_x, m_w · s_x)} ({@code s_x}: Q8_1's sum, see
 *       {@link QuantizedRow#s}).</li>
 *   <li>Q4_K, Q5_K (per super-block): {@code isum = Σ_j sc_j · Σ q·y} over the eight 32-value sub-blocks,
 *       {@code msum = Σ_j m_j · Σ y}; {@code acc = fma((float) isum, d · d_x, acc)}, then
 *       {@code acc = fma(−(float) msum, dmin · d_x, acc)}.</li>
 *   <li>Q6_K: {@code isum = Σ_j sc_j · Σ (q − 32)·y} over sixteen 16-value sub-blocks;
 *       {@code acc = fma((float) isum, d · d_x, acc)}.</li>
 * </ul>
 * ggml's SIMD code scales the same integers but adds them in its own lane order, so results agree with
 * llama.cpp's to float rounding, not bit for bit. The CPU backend's kernels equal this definition bit
 * for bit.
 */
public final class QuantDot {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfByte I8 = ValueLayout.JAVA_BYTE;

    private QuantDot() {
    }

    /** Row of {@code n = x.length()} weights of type {@code w} at byte offset {@code at} of {@code seg}, times x. */
    public static float dot(DType w, MemorySegment seg, long at, QuantizedRow x) {
        if (x.blocks() != QuantizedRow.blocksFor(w)) {
            throw new IllegalArgumentException(w + " weights need " + QuantizedRow.blocksFor(w) + " activations, got " + x.blocks());
        }
        int n = x.length();
        return switch (w) {
            case Q8_0 -> q8_0(seg, at, n, x);
            case Q4_0 -> q4_0(seg, at, n, x);
            case Q4_1 -> q4_1(seg, at, n, x);
            case Q5_0 -> q5_0(seg, at, n, x);
            case Q4_K -> q4_K(seg, at, n, x, false);
            case Q5_K -> q4_K(seg, at, n, x, true);
            case Q6_K -> q6_K(seg, at, n, x);
            case F32, F16, BF16 -> throw new IllegalArgumentException(w + " is not a quantized dtype");
        };
    }

    private static float f16(MemorySegment seg, long at) {
        return Halfs.f16ToFloat(seg.get(I16, at));
    }

    private static float q8_0(MemorySegment w, long at, int n, QuantizedRow x) {
        float acc = 0;
        for (int b = 0; b < n / 32; b++) {
            long blk = at + 34L * b;
            int sumi = 0;
            for (int i = 0; i < 32; i++) {
                sumi += w.get(I8, blk + 2 + i) * x.q(32 * b + i);
            }
            acc = Math.fma((float) sumi, f16(w, blk) * x.d(b), acc);
        }
        return acc;
    }

    /** Σ nibble·y over a 16-byte Q4 block of nibbles (value i low nibble of byte i, i + 16 the high one). */
    private static int nibbles(MemorySegment w, long qs, QuantizedRow x, int x0) {
        int sumi = 0;
        for (int i = 0; i < 16; i++) {
            int b = w.get(I8, qs + i) & 0xff;
            sumi += (b & 0xf) * x.q(x0 + i) + (b >>> 4) * x.q(x0 + i + 16);
        }
        return sumi;
    }

    private static float q4_0(MemorySegment w, long at, int n, QuantizedRow x) {
        float acc = 0;
        for (int b = 0; b < n / 32; b++) {
            long blk = at + 18L * b;
            int sumi = nibbles(w, blk + 2, x, 32 * b) - 8 * x.sum(b);
            acc = Math.fma((float) sumi, f16(w, blk) * x.d(b), acc);
        }
        return acc;
    }

    private static float q4_1(MemorySegment w, long at, int n, QuantizedRow x) {
        float acc = 0;
        for (int b = 0; b < n / 32; b++) {
            long blk = at + 20L * b;
            int sumi = nibbles(w, blk + 4, x, 32 * b);
            acc = acc + Math.fma((float) sumi, f16(w, blk) * x.d(b), f16(w, blk + 2) * x.s(b));
        }
        return acc;
    }

    private static float q5_0(MemorySegment w, long at, int n, QuantizedRow x) {
        float acc = 0;
        for (int b = 0; b < n / 32; b++) {
            long blk = at + 22L * b;
            int qh = w.get(ValueLayout.JAVA_INT_UNALIGNED, blk + 2);
            int sumi = 0;
            for (int i = 0; i < 16; i++) {
                int q = w.get(I8, blk + 6 + i) & 0xff;
                sumi += (((q & 0xf) | ((qh >>> i) & 1) << 4) - 16) * x.q(32 * b + i)
                        + (((q >>> 4) | ((qh >>> (i + 16)) & 1) << 4) - 16) * x.q(32 * b + i + 16);
            }
            acc = Math.fma((float) sumi, f16(w, blk) * x.d(b), acc);
        }
        return acc;
    }

    /** Q4_K, or Q5_K when {@code five}: the same super-block scheme, Q5_K's fifth bits in {@code qh}. */
    private static float q4_K(MemorySegment w, long at, int n, QuantizedRow x, boolean five) {
        float acc = 0;
        int bytes = five ? 176 : 144;
        for (int b = 0; b < n / 256; b++) {
            long blk = at + (long) bytes * b;
            long qs = blk + (five ? 48 : 16);
            int isum = 0, msum = 0;
            for (int j = 0; j < 8; j++) {
                int c = j >> 1, shift = 4 * (j & 1);
                int sumi = 0;
                for (int l = 0; l < 32; l++) {
                    int q = ((w.get(I8, qs + 32 * c + l) & 0xff) >>> shift) & 0xf;
                    if (five) {
                        q |= ((w.get(I8, blk + 16 + l) >>> j) & 1) << 4;
                    }
                    sumi += q * x.q(256 * b + 32 * j + l);
                }
                isum += Dequantize.q4_KScale(w, blk + 4, j) * sumi;
                msum += Dequantize.q4_KMin(w, blk + 4, j) * x.sum(8 * b + j);
            }
            acc = Math.fma((float) isum, f16(w, blk) * x.d(b), acc);
            acc = Math.fma(-(float) msum, f16(w, blk + 2) * x.d(b), acc);
        }
        return acc;
    }

    private static float q6_K(MemorySegment w, long at, int n, QuantizedRow x) {
        float acc = 0;
        for (int b = 0; b < n / 256; b++) {
            long blk = at + 210L * b;
            int isum = 0;
            for (int j = 0; j < 16; j++) {
                int sumi = 0;
                for (int l = 0; l < 16; l++) {
                    sumi += (q6(w, blk, 16 * j + l) - 32) * x.q(256 * b + 16 * j + l);
                }
                isum += w.get(I8, blk + 192 + j) * sumi;
            }
            acc = Math.fma((float) isum, f16(w, blk + 208) * x.d(b), acc);
        }
        return acc;
    }

    /** The unsigned 6-bit quant {@code v} (0..255) of the Q6_K super-block at {@code blk} (see {@link Dequantize}). */
    public static int q6(MemorySegment w, long blk, int v) {
        int h = v >>> 7, r = v & 127, quarter = r >>> 5, l = r & 31;
        int ql = w.get(I8, blk + 64L * h + 32 * (quarter & 1) + l) & 0xff;
        int qh = w.get(I8, blk + 128 + 32L * h + l) & 0xff;
        int low = quarter < 2 ? ql & 0xf : ql >>> 4;
        return low | ((qh >>> (2 * quarter)) & 3) << 4;
    }
}
