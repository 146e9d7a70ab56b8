package dev.skipllama.transformer.gguf;

import dev.skipllama.tensor.DType;
import java.util.Arrays;

/**
 * Where a tensor lies in a GGUF file and what it holds.
 *
 * @param name     the tensor's name, e.g. {@code blk.0.attn_q.weight}
 * @param type     its element type
 * @param shape    row-major, i.e. GGUF's {@code ne[]} reversed: the last dimension is {@code ne[0]},
 *                 the contiguous one
 * @param offset   byte offset from the start of the data section (a multiple of the alignment)
 * @param byteSize bytes the tensor takes
 */
public record GgufTensorInfo(String name, DType type, int[] shape, long offset, long byteSize) {

    public GgufTensorInfo {
        shape = shape.clone();
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
        return o instanceof GgufTensorInfo t && name.equals(t.name) && type == t.type && Arrays.equals(shape, t.shape)
                && offset == t.offset && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + type + Arrays.toString(shape) + " @" + offset + " (" + byteSize + " bytes)";
    }
}
