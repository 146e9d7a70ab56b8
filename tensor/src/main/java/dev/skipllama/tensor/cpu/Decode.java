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

    /**
     * IEEE half → float, exact for every value. Normal halves only need their exponent rebiased
     * (+112); subnormal halves are {@code mantissa · 2^-24}, converted as integers so no subnormal
     * float is ever an operand (those cost microcode assists on x86); inf/NaN get the exponent of 255.
     */
    static FloatVector f16(MemorySegment seg, long at) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, seg, at, LE).convertShape(VectorOperators.S2I, I, 0);
        IntVector em = h.and(0x7fff);
        IntVector exp = em.and(0x7c00);
        IntVector normal = em.lanewise(VectorOperators.LSHL, 13).add(112 << 23);
        IntVector bits = normal.blend(normal.add(112 << 23), exp.compare(VectorOperators.EQ, 0x7c00));
        IntVector subnormal = ((FloatVector) em.convert(VectorOperators.I2F, 0)).mul(0x1p-24f).reinterpretAsInts();
        bits = bits.blend(subnormal, exp.compare(VectorOperators.EQ, 0));
        return bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    /** {@code n} F16 values at {@code at} → F32 at {@code dst + dstAt} (exact). */
    static void f16Row(MemorySegment seg, long at, MemorySegment dst, long dstAt, int n) {
        int i = 0;
        for (int bound = n - L; i <= bound; i += L) {
            f16(seg, at + 2L * i).intoMemorySegment(dst, dstAt + 4L * i, LE);
        }
        for (; i < n; i++) {
            dst.set(F32, dstAt + 4L * i, Float.float16ToFloat(seg.get(I16, at + 2L * i)));
        }
    }

    static FloatVector bf16(MemorySegment seg, long at) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, seg, at, LE).convertShape(VectorOperators.S2I, I, 0);
        return h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** The block's F16 scale as a float. */
    static float scale(MemorySegment seg, long block) {
        return Float.float16ToFloat(seg.get(I16, block));
    }
}
