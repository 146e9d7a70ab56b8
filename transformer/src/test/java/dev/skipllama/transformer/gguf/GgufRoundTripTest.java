package dev.skipllama.transformer.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Tensor;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link GgufWriter} writes, {@link GgufFile} reads back unchanged. */
class GgufRoundTripTest {
    @TempDir
    Path dir;

    @Test
    void everyMetadataTypeAndEveryDtypeSurvive() throws Exception {
        Path p = dir.resolve("sample.gguf");
        SampleGguf.write(p, 1);
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(3, f.version());
            assertEquals(255L, f.get("u8"));
            assertEquals(-128L, f.get("i8"));
            assertEquals(65535L, f.get("u16"));
            assertEquals(-32768L, f.get("i16"));
            assertEquals(0xffffffffL, f.get("u32"));
            assertEquals((long) Integer.MIN_VALUE, f.get("i32"));
            assertEquals(-1L, f.get("u64"));
            assertEquals(Long.MIN_VALUE, f.get("i64"));
            assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits((Float) f.get("f32")));
            assertEquals(Math.PI, f.get("f64"));
            assertEquals(true, f.get("bool"));
            assertEquals("héllo ▁wörld 🦙", f.getString("string"));
            assertEquals("", f.getString("empty"));
            assertArrayEquals(new float[]{1.5f, Float.NaN, Float.NEGATIVE_INFINITY}, f.getFloatArray("floats"));
            assertArrayEquals(new int[]{-1, 0, Integer.MAX_VALUE}, f.getIntArray("ints"));
            assertArrayEquals(new int[]{0, 7, 255}, f.getIntArray("u8s"));
            assertEquals(List.of(true, false), f.get("bools"));
            assertEquals(List.of("a", "", "ü"), f.getStringArray("strings"));
            assertEquals(List.of(List.of(1L, 2L), List.of(3L)), f.get("nested"));
            assertEquals(List.of(List.of("x"), List.of(2.5)), f.get("nested_mixed"));
            assertEquals(List.of(), f.get("empty_array"));
            Map<String, GgufType> expected = Map.of("u8", GgufType.UINT8, "i8", GgufType.INT8, "u16", GgufType.UINT16,
                    "i16", GgufType.INT16, "u32", GgufType.UINT32, "i32", GgufType.INT32, "u64", GgufType.UINT64,
                    "i64", GgufType.INT64, "f32", GgufType.FLOAT32, "f64", GgufType.FLOAT64);
            expected.forEach((k, t) -> assertEquals(t, f.type(k), k));
            assertEquals(GgufType.INT32, ((GgufArray<?>) ((GgufArray<?>) f.get("nested")).getFirst()).elementType());

            Random rnd = new Random(1); // the same tensors again
            for (DType t : DType.values()) {
                GgufTensorInfo info = f.tensorInfo("t." + t);
                assertEquals(0, info.offset() % 32, "aligned offset");
                assertEquals(t, info.type());
                try (Tensor want = SampleGguf.tensor(rnd, t, 3, 2 * t.blockSize() == 2 ? 5 : 2 * t.blockSize())) {
                    Tensor got = f.tensor("t." + t);
                    assertArrayEquals(want.shape(), got.shape());
                    assertArrayEquals(want.segment().toArray(ValueLayout.JAVA_BYTE), got.segment().toArray(ValueLayout.JAVA_BYTE), t.toString());
                }
            }
        }
    }

    @Test
    void shapesAreGgufNeReversedAndAlignmentIsHonoured() throws Exception {
        Path p = dir.resolve("aligned.gguf");
        try (Tensor a = Tensor.of(new float[]{1, 2, 3, 4, 5, 6}, 2, 3); Tensor b = Tensor.of(new float[]{7}, 1, 1, 1, 1)) {
            new GgufWriter().alignment(256).addTensor("a", a).addTensor("b", b).write(p);
        }
        byte[] raw = Files.readAllBytes(p);
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(256, f.alignment());
            assertEquals(0, f.dataStart() % 256);
            assertEquals(256, f.tensorInfo("b").offset());
            assertArrayEquals(new float[]{1, 2, 3, 4, 5, 6}, f.tensor("a").toFloatArray());
            assertEquals(7f, f.tensor("b").getFloat(0));
            assertArrayEquals(new int[]{1, 1, 1, 1}, f.tensorInfo("b").shape());
        }
        // tensor 'a' [2, 3] is stored as ne = {3, 2}: after the name "a" come nDims = 2, ne[0] = 3, ne[1] = 2
        int at = indexOf(raw, new byte[]{1, 0, 0, 0, 0, 0, 0, 0, 'a'}) + 9;
        assertEquals(2, raw[at]);
        assertEquals(3, raw[at + 4]);
        assertEquals(2, raw[at + 12]);
    }

    @Test
    void writerRejectsWhatGgufCannotHold() {
        GgufWriter w = new GgufWriter().put("k", "v");
        assertThrows(IllegalArgumentException.class, () -> w.put("k", 1));
        assertThrows(IllegalArgumentException.class, () -> w.alignment(48));
        assertThrows(IllegalArgumentException.class, () -> GgufValue.uint8(256));
        assertThrows(IllegalArgumentException.class, () -> GgufValue.uint32(-1));
        assertThrows(IllegalArgumentException.class, () -> GgufValue.of(List.of(1, "x")));
        assertThrows(IllegalArgumentException.class, () -> new GgufValue(GgufType.STRING, 3L));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("q", DType.Q8_0, new int[]{2, 31}, () -> null));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("q", DType.F32, new int[]{1, 2, 3, 4, 5}, () -> null));
    }

    /** Random string and integer arrays of random types round-trip exactly. */
    @Property(tries = 40)
    void randomMetadataRoundTrips(@ForAll @IntRange(min = 0, max = 30) int keys, @ForAll long seed) throws Exception {
        Random rnd = new Random(seed);
        Path p = Files.createTempFile("roundtrip", ".gguf");
        try {
            GgufWriter w = new GgufWriter();
            List<Object> values = new ArrayList<>();
            List<GgufType> types = new ArrayList<>();
            for (int k = 0; k < keys; k++) {
                GgufType t = GgufType.values()[rnd.nextInt(GgufType.values().length)];
                GgufValue v = randomValue(rnd, t, 0);
                w.put(randomString(rnd) + "#" + k, v);
                values.add(v.value());
                types.add(t);
            }
            w.write(p);
            try (GgufFile f = GgufFile.open(p)) {
                assertEquals(keys, f.metadata().size());
                int k = 0;
                for (Map.Entry<String, Object> e : f.metadata().entrySet()) {
                    assertEquals(types.get(k), f.type(e.getKey()));
                    assertEquals(values.get(k), e.getValue(), e.getKey());
                    k++;
                }
            }
        } finally {
            Files.delete(p);
        }
    }

    private static GgufValue randomValue(Random rnd, GgufType t, int depth) {
        return switch (t) {
            case UINT8 -> GgufValue.uint8(rnd.nextInt(256));
            case INT8 -> GgufValue.int8(rnd.nextInt(256) - 128);
            case UINT16 -> GgufValue.uint16(rnd.nextInt(65536));
            case INT16 -> GgufValue.int16(rnd.nextInt(65536) - 32768);
            case UINT32 -> GgufValue.uint32(rnd.nextLong(1L << 32));
            case INT32 -> GgufValue.int32(rnd.nextInt());
            case UINT64 -> GgufValue.uint64(rnd.nextLong());
            case INT64 -> GgufValue.int64(rnd.nextLong());
            case FLOAT32 -> GgufValue.float32(Float.intBitsToFloat(rnd.nextInt()));
            case FLOAT64 -> GgufValue.float64(Double.longBitsToDouble(rnd.nextLong()));
            case BOOL -> GgufValue.bool(rnd.nextBoolean());
            case STRING -> GgufValue.string(randomString(rnd));
            case ARRAY -> {
                int n = rnd.nextInt(6);
                GgufType et = GgufType.values()[rnd.nextInt(GgufType.values().length)];
                if (et == GgufType.ARRAY && depth >= 2) {
                    et = GgufType.STRING;
                }
                List<Object> items = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    items.add(randomValue(rnd, et, depth + 1).value());
                }
                yield GgufValue.array(arrayOf(et, items));
            }
        };
    }

    @SuppressWarnings("unchecked")
    private static GgufArray<?> arrayOf(GgufType et, List<Object> items) {
        return switch (et) {
            case STRING -> GgufArray.ofStrings((List<String>) (List<?>) items);
            case ARRAY -> GgufArray.ofArrays((List<GgufArray<?>>) (List<?>) items);
            case FLOAT32 -> {
                float[] f = new float[items.size()];
                for (int i = 0; i < f.length; i++) {
                    f[i] = (Float) items.get(i);
                }
                yield GgufArray.ofFloats(f);
            }
            case FLOAT64 -> GgufArray.ofDoubles(items.stream().mapToDouble(o -> (Double) o).toArray());
            case BOOL -> {
                boolean[] b = new boolean[items.size()];
                for (int i = 0; i < b.length; i++) {
                    b[i] = (Boolean) items.get(i);
                }
                yield GgufArray.ofBooleans(b);
            }
            default -> GgufArray.ofIntegers(et, items.stream().mapToLong(o -> (Long) o).toArray());
        };
    }

    private static String randomString(Random rnd) {
        StringBuilder sb = new StringBuilder();
        for (int i = rnd.nextInt(12); i > 0; i--) {
            int cp;
            do {
                cp = rnd.nextBoolean() ? rnd.nextInt(128) : rnd.nextInt(0x110000);
            } while (Character.isSurrogate((char) cp) && cp < 0x10000);
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("pattern not found");
    }
}
