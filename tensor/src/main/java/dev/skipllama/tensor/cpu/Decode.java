package dev.skipllama.tensor.cpu;

import static dev.skipllama.tensor.cpu.Simd.B;
import static dev.skipllama.tensor.cpu.Simd.F;
import static dev.skipllama.tensor.cpu.Simd.I;
import static dev.skipllama.tensor.cpu.Simd.L;
import static dev.skipllama.tensor.cpu.Simd.S;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Loads of {@link Simd#L} weights into a float vector, decoded in registers. Each must equal
 * {@link dev.skipllama.tensor.Dequantize} bit for bit (the tests check all 65536 half values).
 */
final class Decode {
    private Decode() {
    }

    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    static FloatVector f32(MemorySegment seg, long at) {
        return FloatVector.fromMemorySegment(F, seg, at, LE);
    }

    /** The block's F16 scale as a float. */
    static float scale(MemorySegment seg, long block) {
        return Float.float16ToFloat(seg.get(I16, block));
    }
}
