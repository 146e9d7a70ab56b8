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
}
