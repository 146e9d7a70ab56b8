package dev.skipllama.tensor;

/**
 * The 16-bit float formats. IEEE half precision uses the JDK's own conversions
 * ({@link Float#float16ToFloat}, {@link Float#floatToFloat16}); bfloat16 is the top half of an F32.
 */
public final class Halfs {
    private Halfs() {
    }

    public static float f16ToFloat(short bits) {
        return Float.float16ToFloat(bits);
    }

    /** Round to nearest even, as IEEE 754 and PyTorch's {@code .half()} do. */
    public static short floatToF16(float f) {
        return Float.floatToFloat16(f);
    }

    /** x rounded to the nearest F16 value (ties to even), as a float: F16 storage and back (an F16 KV cache's steps). */
    public static float roundToF16(float x) {
        return Float.float16ToFloat(Float.floatToFloat16(x));
    }

    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** Round to nearest even (PyTorch's {@code .bfloat16()}); NaN stays a (quiet) NaN. */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
