package dev.skipllama.transformer.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Dequantize;
import dev.skipllama.tensor.Quantize;
import dev.skipllama.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading, writing and validating safetensors files and sharded checkpoints. */
class SafetensorsTest {
    @TempDir
    Path dir;

    @Test
    void roundTripOfEveryFloatTypeAndMetadata() throws Exception {
        Path p = dir.resolve("model.safetensors");
        float[] v = {1, -2.5f, 3e-3f, 65504, -0f, 7};
        try (Tensor f32 = Tensor.of(v, 2, 3); Tensor f16 = Quantize.to(f32, DType.F16); Tensor bf16 = Quantize.to(f32, DType.BF16);
             Tensor vec = Tensor.of(new float[]{9}, 1)) {
            new SafetensorsWriter().metadata("format", "pt").metadata("quote\"d", "line\nbreak")
                    .addTensor("a.weight", f32).addTensor("b \"odd\" name", f16).addTensor("c", bf16).addTensor("v", vec).write(p);
            assertEquals(0, (Files.size(p) - 4 * 7 - 2 * 12) % 8, "header padded to 8 bytes");
            try (SafetensorsFile f = SafetensorsFile.open(p)) {
                assertEquals(Map.of("format", "pt", "quote\"d", "line\nbreak"), f.metadata());
                assertEquals(List.of("a.weight", "b \"odd\" name", "c", "v"), f.tensors().stream().map(SafetensorsTensorInfo::name).toList());
                assertArrayEquals(v, f.tensor("a.weight").toFloatArray());
                assertArrayEquals(Dequantize.toFloats(f16), Dequantize.toFloats(f.tensor("b \"odd\" name")));
                assertEquals(DType.BF16, f.tensor("c").dtype());
                assertArrayEquals(bf16.segment().toArray(ValueLayout.JAVA_BYTE), f.tensor("c").segment().toArray(ValueLayout.JAVA_BYTE));
                assertArrayEquals(new int[]{2, 3}, f.tensor("c").shape());
                SafetensorsTensorInfo info = f.tensorInfo("c");
                assertEquals(SafetensorsDType.BF16, info.dtype());
                assertEquals(24 + 12, info.begin());
                assertEquals(12, info.byteSize());
            }
        }
    }

    @Test
    void shardedCheckpointThroughTheIndex() throws Exception {
        try (Tensor a = Tensor.of(new float[]{1, 2}, 2); Tensor b = Tensor.of(new float[]{3, 4, 5}, 3)) {
            new SafetensorsWriter().addTensor("a", a).write(dir.resolve("model-00001-of-00002.safetensors"));
            new SafetensorsWriter().addTensor("b", b).write(dir.resolve("model-00002-of-00002.safetensors"));
        }
        Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX_FILE), """
                {"metadata": {"total_size": 20},
                 "weight_map": {"b": "model-00002-of-00002.safetensors", "a": "model-00001-of-00002.safetensors"}}""");
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
            assertEquals(List.of("b", "a"), c.tensorNames());
            assertEquals(2, c.files().size());
            assertEquals(20L, c.metadata().get("total_size"));
            assertArrayEquals(new float[]{3, 4, 5}, c.tensor("b").toFloatArray());
            assertArrayEquals(new float[]{1, 2}, c.tensor("a").toFloatArray());
        }
        Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX_FILE), """
                {"weight_map": {"a": "model-00002-of-00002.safetensors"}}""");
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> SafetensorsCheckpoint.open(dir));
        assertTrue(e.getMessage().contains("weight_map 'a': tensor is not in model-00002-of-00002.safetensors"), e.getMessage());
        Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX_FILE), """
                {"weight_map": {"a": "../elsewhere.safetensors"}}""");
        e = assertThrows(SafetensorsFormatException.class, () -> SafetensorsCheckpoint.open(dir));
        assertTrue(e.getMessage().contains("is not in the checkpoint directory"), e.getMessage());
    }

    @Test
    void singleFileCheckpointAndOtherDtypes() throws Exception {
        // An I64 tensor is validated and listed but cannot be viewed; a scalar becomes shape [1].
        byte[] file = raw("{\"ids\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]},"
                + "\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[16,20]}}", 20);
        ByteBuffer.wrap(file, file.length - 4, 4).order(ByteOrder.LITTLE_ENDIAN).putFloat(2.5f);
        Files.write(dir.resolve("model.safetensors"), file);
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
            assertEquals(SafetensorsDType.I64, c.tensorInfo("ids").dtype());
            UnsupportedOperationException u = assertThrows(UnsupportedOperationException.class, () -> c.tensor("ids"));
            assertTrue(u.getMessage().contains("'ids' is I64"), u.getMessage());
            assertArrayEquals(new int[]{1}, c.tensor("s").shape());
            assertEquals(2.5f, c.tensor("s").getFloat(0));
        }
    }

    @Test
    void corruptFilesNameFileFieldAndValue() throws Exception {
        String ok = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        reject(raw(ok, 8), null);
        reject(new byte[5], "header length", "truncated");
        reject(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array(), "header length", "1099511627776");
        reject(raw("{\"w\":", 0), "header", "invalid JSON");
        reject(raw("[1]", 0), "header", "expected a JSON object");
        reject(rawBytes(new byte[]{'{', '"', (byte) 0xff, '"', ':', '1', '}'}, 0), "header", "invalid UTF-8");
        reject(raw(ok.replace("F32", "F33"), 8), "tensor 'w' dtype", "unknown dtype 'F33'");
        reject(raw(ok.replace("[2]", "[-2]"), 8), "tensor 'w' shape", "dimension 0 is -2");
        reject(raw(ok.replace("[2]", "[3]"), 8), "tensor 'w' data_offsets", "holds 8 bytes, but F32[3] needs 12");
        reject(raw(ok, 4), "tensor 'w' data_offsets", "[0, 8) is not a range inside the 4 data bytes");
        reject(raw(ok.replace("[0,8]", "[8,0]"), 8), "tensor 'w' data_offsets", "[8, 0)");
        reject(raw(ok.replace("[0,8]", "[0]"), 8), "tensor 'w' data_offsets", "must be two integers");
        reject(raw(ok.replace("\"shape\"", "\"shape\":[2],\"extra\""), 8), "tensor 'w'", "unexpected entry 'extra'");
        reject(raw("{\"__metadata__\":{\"k\":1}}", 0), "__metadata__ 'k'", "must be a string");
        reject(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "tensor 'b' data_offsets", "overlaps tensor 'a'");
        reject(raw(ok.replace("[2]", "[4294967296,4294967296,4294967296]"), 8), "tensor 'w' shape", "dimension 0");
    }

    private void reject(byte[] bytes, String field, String... details) throws Exception {
        Path p = dir.resolve("bad.safetensors");
        Files.write(p, bytes);
        if (field == null) {
            SafetensorsFile.open(p).close(); // the baseline is valid
            return;
        }
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> SafetensorsFile.open(p).close());
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.getMessage().startsWith(p + ": " + field + ": "), e.getMessage());
        for (String d : details) {
            assertTrue(e.getMessage().contains(d), () -> "'" + d + "' missing from " + e.getMessage());
        }
    }

    static byte[] raw(String header, int dataBytes) {
        return rawBytes(header.getBytes(StandardCharsets.UTF_8), dataBytes);
    }

    static byte[] rawBytes(byte[] header, int dataBytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
        out.writeBytes(header);
        out.writeBytes(new byte[dataBytes]);
        return out.toByteArray();
    }

    /** The in-memory entry point sees the same bytes as a mapped file. */
    @Test
    void inMemoryParsingMatchesTheFile() throws Exception {
        byte[] b = raw("{\"w\":{\"dtype\":\"F16\",\"shape\":[1,2],\"data_offsets\":[0,4]}}", 4);
        try (SafetensorsFile f = SafetensorsFile.of(Path.of("mem"), MemorySegment.ofArray(b))) {
            assertArrayEquals(new int[]{1, 2}, f.tensor("w").shape());
        }
    }
}
