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

    /** Q8_0 quants {@code j..j+L-1} (j a multiple of L) of the block whose 32 int8 start at {@code qs}. */
    static FloatVector q8(MemorySegment seg, long qs, int j) {
        if (Simd.BYTE_LANES_MATCH) {
            return (FloatVector) ByteVector.fromMemorySegment(B, seg, qs + j, LE).convertShape(VectorOperators.B2F, F, 0);
        }
        int base = j & -B.length();
        return (FloatVector) ByteVector.fromMemorySegment(B, seg, qs + base, LE)
                .convertShape(VectorOperators.B2F, F, (j - base) / L);
    }

    /**
     * Q4_0 bytes {@code j..j+L-1} zero-extended to int lanes: the low nibble of lane k is value j+k
     * of the block and the high nibble value 16+j+k (both still offset by 8). The nibbles are split
     * in 32-bit lanes because x86 has no byte shifts, so a byte-lane shift would be emulated.
     */
    static IntVector q4bytes(MemorySegment seg, long qs, int j) {
        if (Simd.BYTE_LANES_MATCH) { // part 0 as a constant: a computed part number defeats the intrinsic
            return (IntVector) ByteVector.fromMemorySegment(B, seg, qs + j, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
        }
        int base = j & -B.length();
        return (IntVector) ByteVector.fromMemorySegment(B, seg, qs + base, LE)
                .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, (j - base) / L);
    }

    /** Values {@code j..j+L-1} of a Q4_0 block from {@link #q4bytes}. */
    static FloatVector q4lo(IntVector bytes) {
        return (FloatVector) bytes.and(0x0f).sub(8).convert(VectorOperators.I2F, 0);
    }

    /** Values {@code 16+j..16+j+L-1} of a Q4_0 block from {@link #q4bytes}. */
    static FloatVector q4hi(IntVector bytes) {
        return (FloatVector) bytes.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0);
    }
}
