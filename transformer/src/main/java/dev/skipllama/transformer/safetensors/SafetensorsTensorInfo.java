package dev.skipllama.transformer.safetensors;

import java.util.Arrays;

/**
 * One entry of a safetensors header.
 *
 * @param name  the tensor's name, e.g. {@code model.layers.0.self_attn.q_proj.weight}
 * @param dtype its element type
 * @param shape row-major shape as in the header (PyTorch's order); a scalar's is empty
 * @param begin byte offset of its data from the start of the data section
 * @param end   byte offset just past its data
 */
public record SafetensorsTensorInfo(String name, SafetensorsDType dtype, int[] shape, long begin, long end) {

    public SafetensorsTensorInfo {
        shape = shape.clone();
    }

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

    public long byteSize() {
        return end - begin;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SafetensorsTensorInfo t && name.equals(t.name) && dtype == t.dtype
                && Arrays.equals(shape, t.shape) && begin == t.begin && end == t.end;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape) + " [" + begin + ", " + end + ")";
    }
}
