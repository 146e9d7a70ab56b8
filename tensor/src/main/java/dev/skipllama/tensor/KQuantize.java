package dev.skipllama.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * F32 → Q4_K / Q5_K / Q6_K by plain min/max rounding. This is not ggml's {@code quantize_row_q4_K_ref}
 * (which searches for the scales minimising the weighted error), so our bytes differ from
 * llama.cpp's and the error is somewhat larger; the bytes mean the same thing (see
 * {@link Dequantize}). It exists so that every dtype can be produced from F32 — for tests, the self
 * check and converters — not to match llama.cpp's K-quant files.
 */
final class KQuantize {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;

    private KQuantize() {
    }

    /**
     * One Q4_K super-block from {@code x[off..off+256)}: each 32-value sub-block j gets
     * {@code value ≈ (d·sc[j])·q − dmin·m[j]} with q in 0..15, its range [min(0, lo), hi] split in 15 steps.
     */
    static void q4_KBlock(float[] x, int off, MemorySegment dst, long at) {
        int[] q = new int[256];
        scalesAndQuants(x, off, dst, at, 15, q);
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                dst.set(ValueLayout.JAVA_BYTE, at + 16 + 32 * c + l, (byte) (q[64 * c + l] | q[64 * c + 32 + l] << 4));
            }
        }
    }

    /**
     * One Q5_K super-block: as Q4_K with q in 0..31, the fifth bits in {@code qh} (bit 2c of
     * {@code qh[l]} for value 64c + l, bit 2c+1 for value 64c + 32 + l).
     */
    static void q5_KBlock(float[] x, int off, MemorySegment dst, long at) {
        int[] q = new int[256];
        scalesAndQuants(x, off, dst, at, 31, q);
        for (int l = 0; l < 32; l++) {
            int h = 0;
            for (int c = 0; c < 4; c++) {
                h |= (q[64 * c + l] >> 4) << (2 * c) | (q[64 * c + 32 + l] >> 4) << (2 * c + 1);
                dst.set(ValueLayout.JAVA_BYTE, at + 48 + 32 * c + l, (byte) ((q[64 * c + l] & 0xf) | (q[64 * c + 32 + l] & 0xf) << 4));
            }
            dst.set(ValueLayout.JAVA_BYTE, at + 16 + l, (byte) h);
        }
    }

    /** The Q4_K/Q5_K header (d, dmin, packed 6-bit scales and mins) at {@code at}, and the quants in 0..levels. */
    private static void scalesAndQuants(float[] x, int off, MemorySegment dst, long at, int levels, int[] q) {
        float[] scale = new float[8], min = new float[8];
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < 8; j++) {
            float lo = 0, hi = 0;
            for (int l = 0; l < 32; l++) {
                lo = Math.min(lo, x[off + 32 * j + l]);
                hi = Math.max(hi, x[off + 32 * j + l]);
            }
            scale[j] = (hi - lo) / levels;
            min[j] = -lo;
            maxScale = Math.max(maxScale, scale[j]);
            maxMin = Math.max(maxMin, min[j]);
        }
        short dBits = Halfs.floatToF16(maxScale / 63), dminBits = Halfs.floatToF16(maxMin / 63);
        // Later steps use the scales as stored, rounded to F16, so the rounding does not add error.
        float d = Halfs.f16ToFloat(dBits), dmin = Halfs.f16ToFloat(dminBits);
        int[] sc = new int[8], m = new int[8];
        for (int j = 0; j < 8; j++) {
            sc[j] = d > 0 ? clamp(Math.round(scale[j] / d), 0, 63) : 0;
            m[j] = dmin > 0 ? clamp(Math.round(min[j] / dmin), 0, 63) : 0;
        }
        dst.set(I16, at, dBits);
        dst.set(I16, at + 2, dminBits);
        byte[] packed = new byte[12]; // the inverse of Dequantize.q4_KScale / q4_KMin
        for (int j = 0; j < 4; j++) {
            packed[j] = (byte) (sc[j] | (sc[j + 4] >> 4) << 6);
            packed[j + 4] = (byte) (m[j] | (m[j + 4] >> 4) << 6);
            packed[j + 8] = (byte) ((sc[j + 4] & 0xf) | (m[j + 4] & 0xf) << 4);
        }
        MemorySegment.copy(packed, 0, dst, ValueLayout.JAVA_BYTE, at + 4, 12);
        for (int j = 0; j < 8; j++) {
            float step = d * sc[j], mj = dmin * m[j];
            for (int l = 0; l < 32; l++) {
                q[32 * j + l] = step > 0 ? clamp(Math.round((x[off + 32 * j + l] + mj) / step), 0, levels) : 0;
            }
        }
    }

    /**
     * One Q6_K super-block from {@code x[off..off+256)}: each 16-value sub-block j gets
     * {@code value ≈ (d·scales[j])·q} with q in −32..31. As in ggml, the sub-block's value of largest
     * magnitude maps to −32, so a scale is negative where that value is positive (the signed scales
     * real Q6_K files have).
     */
    static void q6_KBlock(float[] x, int off, MemorySegment dst, long at) {
        float[] scale = new float[16];
        float maxScale = 0;
        for (int j = 0; j < 16; j++) {
            float amax = 0, max = 0;
            for (int l = 0; l < 16; l++) {
                float v = x[off + 16 * j + l];
                if (Math.abs(v) > amax) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            scale[j] = max / -32;
            maxScale = Math.max(maxScale, amax / 32);
        }
        short dBits = Halfs.floatToF16(maxScale / 127);
        float d = Halfs.f16ToFloat(dBits);
        dst.set(I16, at + 208, dBits);
        int[] q = new int[256];
        for (int j = 0; j < 16; j++) {
            // The scale's magnitude rounded up, not to nearest: a step below |scale[j]| pushes a value of the
            // sign opposite to the largest past +31 (the range is −32..31), clamped with an error above one
            // step (KQuantTest.q6_KRoundTripError found 1.06 steps); rounded up, every error stays within a
            // step, which costs at most d more per step.
            int sc = d > 0 ? clamp((int) Math.signum(scale[j]) * (int) Math.ceil(Math.abs(scale[j]) / d), -128, 127) : 0;
            dst.set(ValueLayout.JAVA_BYTE, at + 192 + j, (byte) sc);
            float step = d * sc;
            for (int l = 0; l < 16; l++) {
                q[16 * j + l] = (step != 0 ? clamp(Math.round(x[off + 16 * j + l] / step), -32, 31) : 0) + 32;
            }
        }
        for (int h = 0; h < 2; h++) { // the bit positions Dequantize.q6_KBlock reads
            for (int l = 0; l < 32; l++) {
                int v = 128 * h + l;
                dst.set(ValueLayout.JAVA_BYTE, at + 64 * h + l, (byte) ((q[v] & 0xf) | (q[v + 64] & 0xf) << 4));
                dst.set(ValueLayout.JAVA_BYTE, at + 64 * h + 32 + l, (byte) ((q[v + 32] & 0xf) | (q[v + 96] & 0xf) << 4));
                dst.set(ValueLayout.JAVA_BYTE, at + 128 + 32 * h + l,
                        (byte) (q[v] >> 4 | (q[v + 32] >> 4) << 2 | (q[v + 64] >> 4) << 4 | (q[v + 96] >> 4) << 6));
            }
        }
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
