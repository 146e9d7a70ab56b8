package dev.skipllama.transformer.gguf;

import java.util.AbstractList;
import java.util.List;
import java.util.Objects;
import java.util.RandomAccess;

/**
 * A GGUF metadata array: an unmodifiable {@code List} that also knows its element type, so that a
 * file can be written back with the same types. Numeric arrays are stored unboxed (a 128k-token
 * vocabulary's scores are one {@code float[]}, not 128k {@code Float}s) and boxed only when read
 * through the {@code List} interface; {@link GgufFile}'s primitive-array getters copy them directly.
 *
 * <p>Elements appear as {@link GgufFile} describes: integers as {@code Long}, FLOAT32 as {@code Float},
 * FLOAT64 as {@code Double}, BOOL as {@code Boolean}, STRING as {@code String}, ARRAY as a nested
 * {@code GgufArray}.
 */
public final class GgufArray<T> extends AbstractList<T> implements RandomAccess {
    private final GgufType elementType;
    private final long[] longs;
    private final float[] floats;
    private final double[] doubles;
    private final boolean[] bools;
    private final Object[] objects;
    private final int size;

    private GgufArray(GgufType elementType, long[] longs, float[] floats, double[] doubles, boolean[] bools, Object[] objects, int size) {
        this.elementType = elementType;
        this.longs = longs;
        this.floats = floats;
        this.doubles = doubles;
        this.bools = bools;
        this.objects = objects;
        this.size = size;
    }

    /** An integer array of the given integer element type; values must fit that type. */
    public static GgufArray<Long> ofIntegers(GgufType elementType, long... values) {
        if (!elementType.isInteger()) {
            throw new IllegalArgumentException(elementType + " is not an integer type");
        }
        for (int i = 0; i < values.length; i++) {
            GgufValue.checkRange(elementType, values[i], "array element " + i);
        }
        return new GgufArray<>(elementType, values.clone(), null, null, null, null, values.length);
    }

    /** An INT32 array. */
    public static GgufArray<Long> ofInts(int... values) {
        long[] l = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            l[i] = values[i];
        }
        return new GgufArray<>(GgufType.INT32, l, null, null, null, null, l.length);
    }

    public static GgufArray<Float> ofFloats(float... values) {
        return new GgufArray<>(GgufType.FLOAT32, null, values.clone(), null, null, null, values.length);
    }

    public static GgufArray<Double> ofDoubles(double... values) {
        return new GgufArray<>(GgufType.FLOAT64, null, null, values.clone(), null, null, values.length);
    }

    public static GgufArray<Boolean> ofBooleans(boolean... values) {
        return new GgufArray<>(GgufType.BOOL, null, null, null, values.clone(), null, values.length);
    }

    public static GgufArray<String> ofStrings(List<String> values) {
        Object[] o = values.toArray();
        for (int i = 0; i < o.length; i++) {
            Objects.requireNonNull(o[i], "string array element " + i);
        }
        return new GgufArray<>(GgufType.STRING, null, null, null, null, o, o.length);
    }

    /** An array of arrays (element type {@link GgufType#ARRAY}); the inner arrays may differ in type. */
    public static GgufArray<GgufArray<?>> ofArrays(List<? extends GgufArray<?>> values) {
        Object[] o = values.toArray();
        for (int i = 0; i < o.length; i++) {
            Objects.requireNonNull(o[i], "nested array element " + i);
        }
        return new GgufArray<>(GgufType.ARRAY, null, null, null, null, o, o.length);
    }

    // Used by the parser, which has already allocated the backing array: no copy.
    static GgufArray<Long> wrapLongs(GgufType t, long[] v) {
        return new GgufArray<>(t, v, null, null, null, null, v.length);
    }

    static GgufArray<Float> wrapFloats(float[] v) {
        return new GgufArray<>(GgufType.FLOAT32, null, v, null, null, null, v.length);
    }

    static GgufArray<Double> wrapDoubles(double[] v) {
        return new GgufArray<>(GgufType.FLOAT64, null, null, v, null, null, v.length);
    }

    static GgufArray<Boolean> wrapBooleans(boolean[] v) {
        return new GgufArray<>(GgufType.BOOL, null, null, null, v, null, v.length);
    }

    static GgufArray<?> wrapObjects(GgufType t, Object[] v) {
        return new GgufArray<>(t, null, null, null, null, v, v.length);
    }

    public GgufType elementType() {
        return elementType;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    @SuppressWarnings("unchecked")
    public T get(int i) {
        Objects.checkIndex(i, size);
        if (longs != null) {
            return (T) Long.valueOf(longs[i]);
        } else if (floats != null) {
            return (T) Float.valueOf(floats[i]);
        } else if (doubles != null) {
            return (T) Double.valueOf(doubles[i]);
        } else if (bools != null) {
            return (T) Boolean.valueOf(bools[i]);
        }
        return (T) objects[i];
    }

    /** The integer elements (integer arrays only), without boxing. */
    long longAt(int i) {
        return longs[i];
    }

    /** A copy of a FLOAT32 array's elements. */
    float[] floatsCopy() {
        return floats.clone();
    }

    /** A copy of a FLOAT64 array's elements. */
    double[] doublesCopy() {
        return doubles.clone();
    }

    boolean booleanAt(int i) {
        return bools[i];
    }

    float floatAt(int i) {
        return floats[i];
    }

    double doubleAt(int i) {
        return doubles[i];
    }
}
