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
}
