package dev.skipllama.transformer.gguf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where each field of a well-formed GGUF image lies, so tests can forge exactly one of them (a
 * count, a key's value, a tensor's type, dimension or offset) in the bytes of a real file. Written
 * independently of {@link GgufParser}: a test that forges fields through the reader's own walk would
 * share its mistakes.
 *
 * @param values    byte position of each key's value (after its type id)
 * @param headerEnd the byte after the last tensor info
 */
public record GgufLayout(Map<String, Long> values, Map<String, Integer> valueTypes, List<Info> tensors, long headerEnd,
                         int alignment) {
    public static final long TENSOR_COUNT_AT = 8;
    public static final long KEY_COUNT_AT = 16;

    /** One tensor info: where its dimension count, dimensions, type id and offset are, and their values. */
    public record Info(String name, long nDimsAt, int nDims, long typeAt, int type, long offsetAt, long offset) {
        public long dimAt(int j) {
            return nDimsAt + 4 + 8L * j;
        }
    }

    public static GgufLayout of(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long tensorCount = b.getLong((int) TENSOR_COUNT_AT), keyCount = b.getLong((int) KEY_COUNT_AT);
        b.position(24);
        Map<String, Long> values = new LinkedHashMap<>();
        Map<String, Integer> types = new LinkedHashMap<>();
        int alignment = 32;
        for (long i = 0; i < keyCount; i++) {
            String key = string(b);
            int type = b.getInt();
            values.put(key, (long) b.position());
            types.put(key, type);
            if (key.equals("general.alignment")) {
                alignment = b.getInt(b.position());
            }
            skip(b, type);
        }
        List<Info> infos = new ArrayList<>();
        for (long t = 0; t < tensorCount; t++) {
            String name = string(b);
            long nDimsAt = b.position();
            int nDims = b.getInt();
            b.position(b.position() + 8 * nDims);
            long typeAt = b.position();
            int type = b.getInt();
            long offsetAt = b.position();
            infos.add(new Info(name, nDimsAt, nDims, typeAt, type, offsetAt, b.getLong()));
        }
        return new GgufLayout(values, types, infos, b.position(), alignment);
    }

    /** The absolute position where the data section starts. */
    public long dataStart() {
        return (headerEnd + alignment - 1) / alignment * alignment;
    }

    public Info tensor(String name) {
        return tensors.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
    }

    public static void putU32(byte[] bytes, long at, long v) {
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt((int) at, (int) v);
    }

    public static void putU64(byte[] bytes, long at, long v) {
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong((int) at, v);
    }

    public static void putF32(byte[] bytes, long at, float v) {
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putFloat((int) at, v);
    }

    public static void putU16(byte[] bytes, long at, int v) {
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putShort((int) at, (short) v);
    }

    private static String string(ByteBuffer b) {
        int n = (int) b.getLong();
        byte[] s = new byte[n];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static void skip(ByteBuffer b, int type) {
        switch (type) {
            case 0, 1, 7 -> b.position(b.position() + 1);
            case 2, 3 -> b.position(b.position() + 2);
            case 4, 5, 6 -> b.position(b.position() + 4);
            case 10, 11, 12 -> b.position(b.position() + 8);
            case 8 -> string(b);
            case 9 -> {
                int et = b.getInt();
                long n = b.getLong();
                for (long i = 0; i < n; i++) {
                    skip(b, et);
                }
            }
            default -> throw new IllegalArgumentException("unknown GGUF value type " + type);
        }
    }
}
