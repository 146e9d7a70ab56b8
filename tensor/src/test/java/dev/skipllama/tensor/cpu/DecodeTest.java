package dev.skipllama.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * The in-register half decoders ({@link HalfDot}) equal the scalar definitions bit for bit for all
 * 65536 values, in the deinterleaved order their kernels use: per chunk of 2L values, the even-indexed
 * ones, then the odd-indexed ones.
 */
class DecodeTest {

    private static MemorySegment allHalves(Arena arena) {
        MemorySegment seg = arena.allocate(2L * 65536);
        for (int h = 0; h < 65536; h++) {
            seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, h, (short) h);
        }
        return seg;
    }

    /** The half decoded at deinterleaved position {@code i} of a row of 65536 values. */
    private static int source(int i) {
        int chunk = 2 * Simd.L, c = i / chunk * chunk, k = i - c;
        return k < Simd.L ? c + 2 * k : c + 2 * (k - Simd.L) + 1;
    }

    @Test
    void f16PanelDecodeEqualsTheJdkForAllHalfValues() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = allHalves(arena), out = arena.allocate(4L * 65536);
            HalfDot.f16Panel(seg, 0, out, 0, 65536);
            for (int i = 0; i < 65536; i++) {
                int h = source(i);
                float got = out.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i), want = Float.float16ToFloat((short) h);
                if (Float.isNaN(want)) {
                    // The JDK itself differs here: its Java code keeps a signalling NaN's bits, its F16C
                    // intrinsic quiets it. Any NaN of the same sign is right.
                    assertTrue(Float.isNaN(got) && (Float.floatToRawIntBits(got) < 0) == (h >= 0x8000), "half 0x" + Integer.toHexString(h));
                    continue;
                }
                assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got), "half 0x" + Integer.toHexString(h) + " with " + Simd.describe());
            }
        }
    }

    @Test
    void bf16PanelDecodeIsTheHighHalfForAllValues() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = allHalves(arena), out = arena.allocate(4L * 65536);
            HalfDot.bf16Panel(seg, 0, out, 0, 65536);
            for (int i = 0; i < 65536; i++) {
                assertEquals(source(i) << 16, Float.floatToRawIntBits(out.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i)));
            }
        }
    }

    /** What a batch computes from a panel: the F32 kernel over the whole chunks, then the rest one by one. */
    private static float panelDot(MemorySegment p, MemorySegment xd, int n) {
        int whole = n / (2 * Simd.L) * (2 * Simd.L);
        float s = Dot.f32(p, 0, xd, 0, whole);
        for (int i = whole; i < n; i++) {
            s += p.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i) * xd.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
        }
        return s;
    }

    /** The one-row kernels add the same products as the panel and the F32 kernel: what batch invariance rests on. */
    @Test
    void rowKernelsEqualPanelThenF32Kernel() {
        java.util.Random rnd = new java.util.Random(7);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[]{1, 7, 2 * Simd.L, 2 * Simd.L + 3, 100, 1000}) {
                MemorySegment w = arena.allocate(2L * n), x = arena.allocate(4L * n), xd = arena.allocate(4L * n), p = arena.allocate(4L * n);
                for (int i = 0; i < n; i++) {
                    w.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16((float) rnd.nextGaussian()));
                    x.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) rnd.nextGaussian());
                }
                HalfDot.deinterleave(x, xd, 1, n);
                HalfDot.f16Panel(w, 0, p, 0, n);
                assertEquals(Float.floatToRawIntBits(panelDot(p, xd, n)), Float.floatToRawIntBits(HalfDot.f16(w, 0, xd, 0, n)), "f16 n=" + n);
                HalfDot.bf16Panel(w, 0, p, 0, n);
                assertEquals(Float.floatToRawIntBits(panelDot(p, xd, n)), Float.floatToRawIntBits(HalfDot.bf16(w, 0, xd, 0, n)), "bf16 n=" + n);
            }
        }
    }

    /**
     * Two to four activation rows at once add, per row, the products of the one-row kernel in its order,
     * also where a weight vector holds an infinity or NaN (the decode's rare path) and where none does.
     */
    @Test
    void multiRowKernelsEqualTheRowKernelPerRow() {
        java.util.Random rnd = new java.util.Random(11);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[]{1, 2 * Simd.L, 2 * Simd.L + 5, 6 * Simd.L + 1, 1000}) {
                for (int rows = 2; rows <= 4; rows++) {
                    MemorySegment w = arena.allocate(2L * n), x = arena.allocate(4L * n * rows), xd = arena.allocate(4L * n * rows);
                    for (int i = 0; i < n; i++) {
                        float v = (float) rnd.nextGaussian();
                        if (i % 37 == 5) { // one vector in a few holds a special value
                            v = new float[]{Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN}[i % 3];
                        }
                        w.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16(v));
                    }
                    for (int i = 0; i < n * rows; i++) {
                        x.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) rnd.nextGaussian());
                    }
                    HalfDot.deinterleave(x, xd, rows, n);
                    float[] f16 = new float[4], bf16 = new float[4];
                    HalfDot.f16x4(w, 0, xd, 0, 4L * n, rows, n, f16);
                    HalfDot.bf16x4(w, 0, xd, 0, 4L * n, rows, n, bf16);
                    for (int r = 0; r < rows; r++) {
                        String at = "n=" + n + " rows=" + rows + " row " + r + " with " + Simd.describe();
                        assertEquals(Float.floatToRawIntBits(HalfDot.f16(w, 0, xd, 4L * n * r, n)), Float.floatToRawIntBits(f16[r]), "f16 " + at);
                        assertEquals(Float.floatToRawIntBits(HalfDot.bf16(w, 0, xd, 4L * n * r, n)), Float.floatToRawIntBits(bf16[r]), "bf16 " + at);
                    }
                }
            }
        }
    }
    /**
     * Four weight rows against one activation row add, per weight row, the products of the one-row
     * kernel in its order: with infinities and NaNs in some rows only (the decode's rare path runs for
     * all four then, and must leave the others' values as they are), and in none.
     */
    @Test
    void fourWeightRowKernelsEqualTheRowKernelPerRow() {
        java.util.Random rnd = new java.util.Random(13);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[]{1, 2 * Simd.L, 2 * Simd.L + 5, 6 * Simd.L + 1, 1000, 4099}) {
                for (int special : new int[]{-1, 0, 3}) { // the weight row holding special values, or none
                    MemorySegment w = arena.allocate(2L * n * 4), x = arena.allocate(4L * n), xd = arena.allocate(4L * n);
                    for (int row = 0; row < 4; row++) {
                        for (int i = 0; i < n; i++) {
                            float v = (float) rnd.nextGaussian();
                            if (row == special && i % 37 == 5) {
                                v = new float[]{Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN}[i % 3];
                            }
                            w.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, (long) row * n + i, Float.floatToFloat16(v));
                        }
                    }
                    for (int i = 0; i < n; i++) {
                        x.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) rnd.nextGaussian());
                    }
                    HalfDot.deinterleave(x, xd, 1, n);
                    float[] f16 = new float[4], bf16 = new float[4];
                    HalfDot.f16Rows4(w, 0, 2L * n, xd, 0, n, f16);
                    HalfDot.bf16Rows4(w, 0, 2L * n, xd, 0, n, bf16);
                    for (int row = 0; row < 4; row++) {
                        String at = "n=" + n + " weight row " + row + " specials in row " + special + " with " + Simd.describe();
                        assertEquals(Float.floatToRawIntBits(HalfDot.f16(w, 2L * n * row, xd, 0, n)), Float.floatToRawIntBits(f16[row]), "f16 " + at);
                        assertEquals(Float.floatToRawIntBits(HalfDot.bf16(w, 2L * n * row, xd, 0, n)), Float.floatToRawIntBits(bf16[row]), "bf16 " + at);
                    }
                }
            }
        }
    }
}
