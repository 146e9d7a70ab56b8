package dev.skipllama.transformer.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.tensor.DType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each kind of damage gives a {@link GgufFormatException} that names the file, the field and the
 * value found. Files are read through {@link GgufFile#open}, i.e. memory-mapped as in real use.
 */
class GgufCorruptionTest {
    @TempDir
    Path dir;

    private GgufFormatException reject(byte[] bytes, String field, String... details) throws Exception {
        Path p = dir.resolve("bad.gguf");
        Files.write(p, bytes);
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.open(p).close());
        assertEquals(p, e.file());
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.getMessage().startsWith(p + ": " + field + ": "), e.getMessage());
        for (String d : details) {
            assertTrue(e.getMessage().contains(d), () -> "'" + d + "' missing from: " + e.getMessage());
        }
        return e;
    }

    @Test
    void wrongMagic() throws Exception {
        reject("GGML\3\0\0\0".getBytes(), "magic", "47 47 4d 4c");
        reject(new byte[]{'G', 'G'}, "magic", "truncated");
        reject(new byte[0], "magic", "truncated");
    }

    @Test
    void versions() throws Exception {
        reject(RawGguf.header(1, 0, 0).bytes(), "version", "version 1 is not supported");
        reject(RawGguf.header(4, 0, 0).bytes(), "version", "unsupported GGUF version 4");
        reject(RawGguf.header(0x03000000, 0, 0).bytes(), "version", "big-endian");
        try (GgufFile f = GgufFile.of(Path.of("v2"), java.lang.foreign.MemorySegment.ofArray(
                RawGguf.header(2, 0, 1).kvU32("a", 5).bytes()))) {
            assertEquals(2, f.version());
            assertEquals(5, f.getLong("a"));
        }
    }

    @Test
    void truncationAnywhereInTheHeader() throws Exception {
        byte[] whole = RawGguf.header(3, 1, 2).kvU32("a", 1).str("s").u32(GgufType.STRING.id()).str("text")
                .tensor("w", 0, 0, 4).padTo(32).zeros(16).bytes();
        try (GgufFile f = GgufFile.of(Path.of("whole"), java.lang.foreign.MemorySegment.ofArray(whole))) {
            assertEquals("text", f.getString("s"));
        }
        for (int len = 0; len < whole.length; len++) {
            Path p = dir.resolve("t.gguf");
            Files.write(p, Arrays.copyOf(whole, len));
            GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.open(p).close(), "length " + len);
            assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("past the end")
                    || e.getMessage().contains("exceeds") || e.getMessage().contains("bytes are left"), e.getMessage());
        }
    }

    @Test
    void forgedCountsAndLengthsAreCheckedBeforeAllocating() throws Exception {
        reject(RawGguf.header(3, 0, Long.MAX_VALUE).bytes(), "metadata key count", "9223372036854775807 items");
        reject(RawGguf.header(3, -1, 0).bytes(), "tensor count", "18446744073709551615 items");
        RawGguf twelve = RawGguf.header(3, 0, 13);
        for (int i = 0; i < 12; i++) {
            twelve.kvU32("k" + i, i);
        }
        reject(twelve.u64(1L << 40).raw("abc".getBytes()).bytes(), "metadata key #12 string length", "1099511627776");
        reject(RawGguf.header(3, 0, 1).str("a").u32(GgufType.ARRAY.id()).u32(GgufType.UINT64.id()).u64(1L << 33).zeros(16).bytes(),
                "metadata 'a' array length", "8589934592 items need at least 8 bytes");
        reject(RawGguf.header(3, 0, 1).str("a").u32(GgufType.ARRAY.id()).u32(GgufType.STRING.id()).u64(2).str("ok").u64(99).bytes(),
                "metadata 'a' element #1 string length", "length 99");
        reject(RawGguf.header(3, 0, 1).str("a").u32(GgufType.STRING.id()).u64(-2).bytes(),
                "metadata 'a' string length", "18446744073709551614");
    }

    @Test
    void badValues() throws Exception {
        reject(RawGguf.header(3, 0, 1).str("a").u32(13).zeros(8).bytes(), "metadata 'a' type", "unknown metadata value type 13");
        reject(RawGguf.header(3, 0, 1).str("a").u32(GgufType.ARRAY.id()).u32(77).u64(0).bytes(),
                "metadata 'a' array element type", "type 77");
        reject(RawGguf.header(3, 0, 1).str("a").u32(GgufType.BOOL.id()).u8(2).bytes(), "metadata 'a'", "0 or 1, found 2");
        reject(RawGguf.header(3, 0, 1).str("a").u32(GgufType.STRING.id()).u64(2).raw((byte) 0xc3, (byte) 0x28).bytes(),
                "metadata 'a'", "invalid UTF-8", "c3 28");
        reject(RawGguf.header(3, 0, 1).u64(1).raw((byte) 0xff).u32(GgufType.UINT8.id()).u8(0).bytes(),
                "metadata key #0", "invalid UTF-8");
        reject(RawGguf.header(3, 0, 2).kvU32("a", 1).kvU32("a", 2).bytes(), "metadata key #1", "duplicate key 'a'");
        reject(RawGguf.header(3, 0, 1).kvU32("general.alignment", 48).bytes(), "metadata 'general.alignment'", "48 is not a power of two");
        reject(RawGguf.header(3, 0, 1).str("general.alignment").u32(GgufType.INT32.id()).u32(32).bytes(),
                "metadata 'general.alignment'", "must be UINT32, found INT32");
        RawGguf deep = RawGguf.header(3, 0, 1).str("a").u32(GgufType.ARRAY.id());
        for (int i = 0; i < 40; i++) {
            deep.u32(GgufType.ARRAY.id()).u64(1);
        }
        deep.u32(GgufType.UINT8.id()).u64(0);
        // the top-level array is level 1, so the 17th level is the 16th element down
        GgufFormatException e = reject(deep.bytes(), "metadata 'a'" + " element #0".repeat(16), "nested more than 16");
        assertTrue(e.getMessage().length() < 1000);
    }

    @Test
    void badTensorInfos() throws Exception {
        reject(tensor(0, 0), "tensor 'w' dimension count", "0 is not between 1 and 4");
        reject(tensor(0, 0, 1, 1, 1, 1, 1), "tensor 'w' dimension count", "5 is not between 1 and 4");
        reject(tensor(0, 0, 4, 0), "tensor 'w' ne[1]", "dimension 0");
        reject(tensor(0, 0, 4, -1), "tensor 'w' ne[1]", "dimension 18446744073709551615");
        reject(tensor(0, 0, 1L << 31), "tensor 'w' ne[0]", "dimension 2147483648");
        reject(tensor(0, 0, Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE), "tensor 'w' shape", "overflows");
        reject(tensor(99, 0, 32), "tensor 'w' type", "ggml type 99 (unknown) is not a type ggml defines");
        reject(tensor(31, 0, 32), "tensor 'w' type", "ggml type 31 (unknown)");
        reject(tensor(13, 0, 256), "tensor 'w' offset", "offset 0 + 176 bytes runs past the end"); // Q5_K's size is known
        reject(tensor(13, 0, 100), "tensor 'w' ne[0]", "Q5_K stores blocks of 256 elements");
        reject(tensor(DType.Q8_0.ggmlType(), 0, 31), "tensor 'w' ne[0]", "blocks of 32", "31 elements");
        reject(tensor(0, 8, 4), "tensor 'w' offset", "offset 8 is not a multiple of the alignment 32");
        reject(tensor(0, 32, 4), "tensor 'w' offset", "offset 32, expected 0: the first tensor must start the data section");
        reject(tensor(0, 0, 5), "tensor 'w' offset", "offset 0 + 20 bytes runs past the end");
        reject(tensor(0, -32, 4), "tensor 'w' offset", "18446744073709551584");
        reject(RawGguf.header(3, 2, 0).tensor("w", 0, 0, 4).tensor("w", 0, 0, 4).padTo(32).zeros(16).bytes(),
                "tensor #1 name", "duplicate tensor name 'w'");
        try (GgufFile f = GgufFile.of(Path.of("ok"), java.lang.foreign.MemorySegment.ofArray(tensor(0, 0, 4)))) {
            assertEquals(4, f.tensor("w").numel(), "the baseline of these cases is valid");
        }
    }

    /**
     * A tensor of a type ggml defines but we cannot compute with (here Q3_K, 110 bytes per 256
     * values) does not stop the file from opening: its info is validated and listed, and only
     * asking for the tensor fails, naming it.
     */
    @Test
    void unsupportedButKnownTypesOpenAndFailOnlyWhenUsed() throws Exception {
        byte[] b = RawGguf.header(3, 2, 1).kvU32("k", 7).tensor("q3", 11, 0, 256, 2).tensor("f", 0, 224, 4)
                .padTo(32).zeros(224 + 16).bytes();
        Path p = dir.resolve("q3.gguf");
        Files.write(p, b);
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(7, f.getLong("k"));
            GgufTensorInfo q3 = f.tensorInfo("q3");
            assertFalse(q3.isSupported());
            assertEquals("Q3_K", q3.typeName());
            assertEquals(220, q3.byteSize());
            assertArrayEquals(new int[]{2, 256}, q3.shape());
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> f.tensor("q3"));
            assertTrue(e.getMessage().contains("q3.gguf: tensor 'q3' is Q3_K (ggml type 11)"), e.getMessage());
            assertThrows(UnsupportedOperationException.class, q3::type);
            assertEquals(4, f.tensor("f").numel());
        }
    }

    /** One F32 tensor 'w' (16 bytes of data after the aligned header) with the given type, offset and ne. */
    private static byte[] tensor(int ggmlType, long offset, long... ne) {
        return RawGguf.header(3, 1, 0).tensor("w", ggmlType, offset, ne).padTo(32).zeros(16).bytes();
    }
}
