package dev.skipllama.transformer.safetensors;

import dev.skipllama.transformer.json.Json;

import dev.skipllama.tensor.Tensor;
import dev.skipllama.transformer.io.OutputFile;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a {@code .safetensors} file of F32/F16/BF16 tensors, laid out as the reference
 * implementation does: tensors contiguous in insertion order, the JSON header padded with spaces to
 * a multiple of 8 bytes. Meant for tests and small exports.
 */
public final class SafetensorsWriter {
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(Objects.requireNonNull(key), Objects.requireNonNull(value));
        return this;
    }

    /** Adds a tensor; its bytes are read by {@link #write}, so it must stay open until then. */
    public SafetensorsWriter addTensor(String name, Tensor t) {
        SafetensorsDType.of(t.dtype()); // rejects types safetensors cannot hold
        if (name.equals(SafetensorsHeader.METADATA_KEY) || tensors.putIfAbsent(name, t) != null) {
            throw new IllegalArgumentException("tensor name '" + name + "' is reserved or already used");
        }
        return this;
    }

    public void write(Path path) throws IOException {
        StringBuilder json = new StringBuilder("{");
        if (!metadata.isEmpty()) {
            json.append(Json.quote(SafetensorsHeader.METADATA_KEY)).append(":{");
            String sep = "";
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                json.append(sep).append(Json.quote(e.getKey())).append(':').append(Json.quote(e.getValue()));
                sep = ",";
            }
            json.append('}');
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            json.append(json.length() > 1 ? "," : "").append(Json.quote(e.getKey())).append(":{\"dtype\":\"")
                    .append(SafetensorsDType.of(t.dtype())).append("\",\"shape\":[");
            int[] shape = t.shape();
            for (int i = 0; i < shape.length; i++) {
                json.append(i > 0 ? "," : "").append(shape[i]);
            }
            json.append("],\"data_offsets\":[").append(offset).append(',').append(offset + t.byteSize()).append("]}");
            offset += t.byteSize();
        }
        json.append('}');
        byte[] header = json.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (header.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(header);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        // Into a temporary file renamed over the target when complete: a failure (or a crash) never
        // leaves half a file where a model was, and readers of the target never see one.
        try (OutputFile out = OutputFile.create(path, List.of())) {
            try (FileChannel ch = FileChannel.open(out.temp(), StandardOpenOption.WRITE)) {
                writeFully(ch, head);
                for (Tensor t : tensors.values()) {
                    MemorySegment seg = t.segment();
                    for (long at = 0; at < t.byteSize(); at += 1 << 30) {
                        writeFully(ch, seg.asSlice(at, Math.min(1 << 30, t.byteSize() - at)).asByteBuffer());
                    }
                }
            }
            out.commit();
        }
    }


    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
