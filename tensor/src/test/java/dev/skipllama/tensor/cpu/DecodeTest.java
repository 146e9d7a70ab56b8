package dev.skipllama.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The in-register decoders must equal the scalar definitions bit for bit. */
class DecodeTest {

    @Test
    void f16VectorDecodeEqualsTheJdkForAllHalfValues() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(2L * 65536);
            for (int h = 0; h < 65536; h++) {
                seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, h, (short) h);
            }
            float[] lanes = new float[Simd.L];
            for (int h = 0; h < 65536; h += Simd.L) {
                FloatVector v = Decode.f16(seg, 2L * h);
                v.intoArray(lanes, 0);
                for (int k = 0; k < Simd.L; k++) {
                    float want = Float.float16ToFloat((short) (h + k));
                    if (Float.isNaN(want)) {
                        // The JDK itself differs here: its Java code keeps a signalling NaN's bits, its
                        // F16C intrinsic quiets it. Any NaN of the same sign is right.
                        assertTrue(Float.isNaN(lanes[k]) && (Float.floatToRawIntBits(lanes[k]) < 0) == ((h + k) >= 0x8000));
                        continue;
                    }
                    assertEquals(Float.floatToRawIntBits(want),
                            Float.floatToRawIntBits(lanes[k]), "half 0x" + Integer.toHexString(h + k) + " with " + Simd.describe());
                }
            }
        }
    }

    @Test
    void bf16VectorDecodeIsTheHighHalfForAllValues() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(2L * 65536);
            for (int h = 0; h < 65536; h++) {
                seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, h, (short) h);
            }
            float[] lanes = new float[Simd.L];
            for (int h = 0; h < 65536; h += Simd.L) {
                Decode.bf16(seg, 2L * h).intoArray(lanes, 0);
                for (int k = 0; k < Simd.L; k++) {
                    assertEquals((h + k) << 16, Float.floatToRawIntBits(lanes[k]));
                }
            }
        }
    }

    @Test
    void q4NibblesCoverEveryByteValue() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(256 + 16);
            for (int b = 0; b < 256; b++) {
                seg.set(ValueLayout.JAVA_BYTE, b, (byte) b);
            }
            float[] lo = new float[Simd.L], hi = new float[Simd.L];
            for (int start = 0; start < 256; start += 16) {
                for (int j = 0; j < 16; j += Simd.L) {
                    Decode.q4lo(Decode.q4bytes(seg, start, j)).intoArray(lo, 0);
                    Decode.q4hi(Decode.q4bytes(seg, start, j)).intoArray(hi, 0);
                    for (int k = 0; k < Simd.L; k++) {
                        int b = start + j + k;
                        assertEquals((b & 0xf) - 8, lo[k], "low nibble of " + b);
                        assertEquals((b >>> 4) - 8, hi[k], "high nibble of " + b);
                    }
                }
            }
        }
    }

    @Test
    void q8LanesAreSignedBytes() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(256);
            for (int b = 0; b < 256; b++) {
                seg.set(ValueLayout.JAVA_BYTE, b, (byte) b);
            }
            float[] q = new float[Simd.L];
            for (int start = 0; start < 256; start += 32) {
                for (int j = 0; j < 32; j += Simd.L) {
                    Decode.q8(seg, start, j).intoArray(q, 0);
                    for (int k = 0; k < Simd.L; k++) {
                        assertEquals((byte) (start + j + k), q[k]);
                    }
                }
            }
        }
    }
}
