package dev.skipllama.transformer.gguf;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Quantize;
import dev.skipllama.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** A small GGUF with metadata of every type and a tensor of every dtype, written by {@link GgufWriter}. */
final class SampleGguf {
    private SampleGguf() {
    }

    /** The metadata {@link #write} stores, every type and a nested array, with edge values. */
    static GgufWriter metadata(GgufWriter w) {
        return w.put("general.architecture", "llama")
                .put("u8", GgufValue.uint8(255))
                .put("i8", GgufValue.int8(-128))
                .put("u16", GgufValue.uint16(65535))
                .put("i16", GgufValue.int16(-32768))
                .put("u32", GgufValue.uint32(0xffffffffL))
                .put("i32", GgufValue.int32(Integer.MIN_VALUE))
                .put("u64", GgufValue.uint64(-1L))
                .put("i64", GgufValue.int64(Long.MIN_VALUE))
                .put("f32", GgufValue.float32(-0.0f))
                .put("f64", GgufValue.float64(Math.PI))
                .put("bool", true)
                .put("string", "héllo ▁wörld 🦙")
                .put("empty", "")
                .put("floats", new float[]{1.5f, Float.NaN, Float.NEGATIVE_INFINITY})
                .put("ints", new int[]{-1, 0, Integer.MAX_VALUE})
                .put("u8s", GgufArray.ofIntegers(GgufType.UINT8, 0, 7, 255))
                .put("bools", GgufArray.ofBooleans(true, false))
                .put("strings", List.of("a", "", "ü"))
                .put("nested", List.of(List.of(1, 2), List.of(3)))
                .put("nested_mixed", GgufArray.ofArrays(List.of(GgufArray.ofStrings(List.of("x")), GgufArray.ofDoubles(2.5))))
                .put("empty_array", GgufArray.ofFloats());
    }

    /** Writes the sample to {@code path}: the metadata above and one small tensor per dtype. */
    static void write(Path path, long seed) throws IOException {
        Random rnd = new Random(seed);
        List<Tensor> open = new ArrayList<>();
        try {
            GgufWriter w = metadata(new GgufWriter());
            for (DType t : DType.values()) {
                Tensor x = tensor(rnd, t, 3, 2 * t.blockSize() == 2 ? 5 : 2 * t.blockSize());
                open.add(x);
                w.addTensor("t." + t, x);
            }
            w.write(path);
        } finally {
            open.forEach(Tensor::close);
        }
    }

    /** Random tensor of any dtype: quantized by {@link Quantize} where it can, random blocks otherwise. */
    static Tensor tensor(Random rnd, DType type, int rows, int cols) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        try (Tensor f = Tensor.of(v, rows, cols)) {
            return type == DType.F32 ? Tensor.of(v, rows, cols) : Quantize.to(f, type);
        }
    }
}
