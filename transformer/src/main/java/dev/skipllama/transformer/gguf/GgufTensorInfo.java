package dev.skipllama.transformer.gguf;

import dev.skipllama.tensor.DType;
import java.util.Arrays;

/**
 * Where a tensor lies in a GGUF file and what it holds. A file may hold tensors of ggml types we
 * cannot compute with (Q5_K, IQ4_XS, …): their infos are validated and listed like the others, but
 * {@link #type()} and {@link GgufFile#tensor} refuse them; check {@link #isSupported()} first.
 *
 * @param name      the tensor's name, e.g. {@code blk.0.attn_q.weight}
 * @param ggmlType  the {@code ggml_type} id stored in the file
 * @param shape     row-major, i.e. GGUF's {@code ne[]} reversed: the last dimension is {@code ne[0]},
 *                  the contiguous one
 * @param offset    byte offset from the start of the data section (a multiple of the alignment)
 * @param byteSize  bytes the tensor takes
 */
public record GgufTensorInfo(String name, int ggmlType, int[] shape, long offset, long byteSize) {

    public GgufTensorInfo {
        shape = shape.clone();
    }

    /** Whether the tensor runtime has a {@link DType} for this tensor. */
    public boolean isSupported() {
        for (DType t : DType.values()) {
            if (t.ggmlType() == ggmlType) {
                return true;
            }
        }
        return false;
    }

    /** The tensor's element type; an exception naming the type when it is not supported. */
    public DType type() {
        try {
            return DType.fromGgmlType(ggmlType);
        } catch (IllegalArgumentException e) {
            throw new UnsupportedOperationException("tensor '" + name + "' is " + typeName() + ": " + e.getMessage(), e);
        }
    }

    /** ggml's name of the type, e.g. {@code Q5_K}, whether supported or not. */
    public String typeName() {
        return GgmlTypes.name(ggmlType);
    }

    /** A copy of the shape. */
    @Override
    public int[] shape() {
        return shape.clone();
    }

    public long numel() {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && name.equals(t.name) && ggmlType == t.ggmlType && Arrays.equals(shape, t.shape)
                && offset == t.offset && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + typeName() + Arrays.toString(shape) + " @" + offset + " (" + byteSize + " bytes)";
    }
}
