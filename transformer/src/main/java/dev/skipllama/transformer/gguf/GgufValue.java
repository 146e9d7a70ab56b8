package dev.skipllama.transformer.gguf;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A metadata value with its GGUF type, for writing. llama.cpp checks the stored type of many keys
 * (e.g. {@code llama.block_count} must be UINT32), so a writer cannot guess it from a Java
 * {@code Long}; wrap the value in a {@code GgufValue} to say which. {@link #of(Object)} infers a
 * type for plain Java values where one is natural.
 *
 * @param type  the value's type
 * @param value a {@code Long} (integer types; any {@code Number} that is an integer is accepted),
 *              {@code Float}/{@code Double}, {@code Boolean}, {@code String}, or a {@link GgufArray}
 */
public record GgufValue(GgufType type, Object value) {

    public GgufValue {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
        value = normalise(type, value);
    }

    public static GgufValue uint8(long v) {
        return new GgufValue(GgufType.UINT8, v);
    }

    public static GgufValue int8(long v) {
        return new GgufValue(GgufType.INT8, v);
    }

    public static GgufValue uint16(long v) {
        return new GgufValue(GgufType.UINT16, v);
    }

    public static GgufValue int16(long v) {
        return new GgufValue(GgufType.INT16, v);
    }

    public static GgufValue uint32(long v) {
        return new GgufValue(GgufType.UINT32, v);
    }

    public static GgufValue int32(long v) {
        return new GgufValue(GgufType.INT32, v);
    }

    /** UINT64; values of 2^63 and above are given as the negative {@code long} with the same bits. */
    public static GgufValue uint64(long v) {
        return new GgufValue(GgufType.UINT64, v);
    }

    public static GgufValue int64(long v) {
        return new GgufValue(GgufType.INT64, v);
    }

    public static GgufValue float32(float v) {
        return new GgufValue(GgufType.FLOAT32, v);
    }

    public static GgufValue float64(double v) {
        return new GgufValue(GgufType.FLOAT64, v);
    }

    public static GgufValue bool(boolean v) {
        return new GgufValue(GgufType.BOOL, v);
    }

    public static GgufValue string(String v) {
        return new GgufValue(GgufType.STRING, v);
    }

    public static GgufValue array(GgufArray<?> v) {
        return new GgufValue(GgufType.ARRAY, v);
    }

    /**
     * A typed value from a plain Java one: a {@code GgufValue} stays as it is; {@code String} →
     * STRING, {@code Boolean} → BOOL, {@code Float} → FLOAT32, {@code Double} → FLOAT64,
     * {@code Integer}/{@code Short}/{@code Byte} → INT32/INT16/INT8, {@code Long} → INT64,
     * {@code GgufArray} → ARRAY, {@code float[]} → FLOAT32 array, {@code int[]} → INT32 array,
     * {@code long[]} → INT64 array, and a {@code List} → an array whose element type is inferred
     * from its elements (all must infer to the same type; nested lists become nested arrays).
     */
    public static GgufValue of(Object v) {
        Objects.requireNonNull(v, "a GGUF value cannot be null");
        return switch (v) {
            case GgufValue g -> g;
            case String s -> string(s);
            case Boolean b -> bool(b);
            case Float f -> float32(f);
            case Double d -> float64(d);
            case Integer i -> int32(i);
            case Short s -> int16(s);
            case Byte b -> int8(b);
            case Long l -> int64(l);
            case GgufArray<?> a -> array(a);
            case float[] a -> array(GgufArray.ofFloats(a));
            case int[] a -> array(GgufArray.ofInts(a));
            case long[] a -> array(GgufArray.ofIntegers(GgufType.INT64, a));
            case List<?> list -> array(arrayOf(list));
            default -> throw new IllegalArgumentException("no GGUF type for a " + v.getClass().getName()
                    + "; wrap it in a GgufValue");
        };
    }

    private static GgufArray<?> arrayOf(List<?> list) {
        if (list.isEmpty()) {
            throw new IllegalArgumentException("cannot infer the element type of an empty list; use a GgufArray");
        }
        List<GgufValue> typed = new ArrayList<>(list.size());
        for (Object o : list) {
            typed.add(of(o));
        }
        GgufType t = typed.getFirst().type();
        for (int i = 1; i < typed.size(); i++) {
            if (typed.get(i).type() != t) {
                throw new IllegalArgumentException("list mixes " + t + " and " + typed.get(i).type()
                        + " (element " + i + "); GGUF arrays hold one type");
            }
        }
        return switch (t) {
            case STRING -> GgufArray.ofStrings(typed.stream().map(g -> (String) g.value()).toList());
            case FLOAT32 -> {
                float[] f = new float[typed.size()];
                for (int i = 0; i < f.length; i++) {
                    f[i] = (Float) typed.get(i).value();
                }
                yield GgufArray.wrapFloats(f);
            }
            case FLOAT64 -> {
                double[] d = new double[typed.size()];
                for (int i = 0; i < d.length; i++) {
                    d[i] = (Double) typed.get(i).value();
                }
                yield GgufArray.wrapDoubles(d);
            }
            case BOOL -> {
                boolean[] b = new boolean[typed.size()];
                for (int i = 0; i < b.length; i++) {
                    b[i] = (Boolean) typed.get(i).value();
                }
                yield GgufArray.wrapBooleans(b);
            }
            case ARRAY -> GgufArray.ofArrays(typed.stream().map(g -> (GgufArray<?>) g.value()).toList());
            default -> {
                long[] l = new long[typed.size()];
                for (int i = 0; i < l.length; i++) {
                    l[i] = (Long) typed.get(i).value();
                }
                yield GgufArray.wrapLongs(t, l);
            }
        };
    }

    private static Object normalise(GgufType type, Object value) {
        String bad = "a " + type + " value cannot be a " + value.getClass().getSimpleName() + " (" + value + ")";
        switch (type) {
            case STRING -> {
                if (!(value instanceof String)) {
                    throw new IllegalArgumentException(bad);
                }
                return value;
            }
            case BOOL -> {
                if (!(value instanceof Boolean)) {
                    throw new IllegalArgumentException(bad);
                }
                return value;
            }
            case FLOAT32 -> {
                if (!(value instanceof Float || value instanceof Double)) {
                    throw new IllegalArgumentException(bad);
                }
                return ((Number) value).floatValue();
            }
            case FLOAT64 -> {
                if (!(value instanceof Float || value instanceof Double)) {
                    throw new IllegalArgumentException(bad);
                }
                return ((Number) value).doubleValue();
            }
            case ARRAY -> {
                if (!(value instanceof GgufArray<?>)) {
                    throw new IllegalArgumentException(bad + "; arrays are GgufArrays");
                }
                return value;
            }
            default -> {
                if (!(value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte)) {
                    throw new IllegalArgumentException(bad);
                }
                long v = ((Number) value).longValue();
                checkRange(type, v, "value");
                return v;
            }
        }
    }

    /** Rejects integers that the type cannot hold (UINT64 takes any bit pattern). */
    static void checkRange(GgufType type, long v, String what) {
        long min, max;
        switch (type) {
            case UINT8 -> { min = 0; max = 0xff; }
            case INT8 -> { min = Byte.MIN_VALUE; max = Byte.MAX_VALUE; }
            case UINT16 -> { min = 0; max = 0xffff; }
            case INT16 -> { min = Short.MIN_VALUE; max = Short.MAX_VALUE; }
            case UINT32 -> { min = 0; max = 0xffffffffL; }
            case INT32 -> { min = Integer.MIN_VALUE; max = Integer.MAX_VALUE; }
            default -> { return; }
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException(what + " " + v + " does not fit " + type + " [" + min + ", " + max + "]");
        }
    }
}
