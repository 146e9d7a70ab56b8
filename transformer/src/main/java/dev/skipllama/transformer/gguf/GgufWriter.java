package dev.skipllama.transformer.gguf;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import dev.skipllama.transformer.ProgressListener;
import dev.skipllama.transformer.io.OutputFile;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Writes a GGUF version 3 file: metadata of any type (including nested arrays) and tensors of any
 * {@link DType}, each tensor's data aligned to {@link #alignment()} bytes as llama.cpp requires.
 *
 * <pre>{@code
 * new GgufWriter()
 *     .put("general.architecture", "llama")
 *     .put("llama.block_count", GgufValue.uint32(8))
 *     .addTensor("token_embd.weight", embeddings)
 *     .write(path);
 * }</pre>
 *
 * Tensors can be given lazily ({@link #addTensor(String, DType, int[], Supplier)}), so a converter
 * can produce one tensor at a time and never hold a whole model in memory.
 *
 * <p>Compatibility: ggml's own reader ({@code gguf.cpp}) accepts everything written here except
 * nested arrays (arrays of arrays), which the GGUF format allows but ggml refuses; keep them out of
 * files meant for llama.cpp. (Checked by hand against ggml's {@code gguf_init_from_file} and gguf-py.)
 */
public final class GgufWriter {
    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final Map<String, Pending> tensors = new LinkedHashMap<>();
    private long alignment = GgufParser.DEFAULT_ALIGNMENT;

    private record Pending(String name, DType type, int[] shape, Supplier<Tensor> data) {
    }

    public long alignment() {
        return alignment;
    }

    /** Sets the data alignment (a power of two) and records it as {@code general.alignment}. */
    public GgufWriter alignment(int alignment) {
        if (alignment <= 0 || Integer.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two, got " + alignment);
        }
        this.alignment = alignment;
        metadata.put(GgufParser.ALIGNMENT_KEY, GgufValue.uint32(alignment));
        return this;
    }

    /** Adds a key with a typed value; keys must be unique. */
    public GgufWriter put(String key, GgufValue value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value of " + key);
        if (key.equals(GgufParser.ALIGNMENT_KEY)) {
            if (value.type() != GgufType.UINT32) {
                throw new IllegalArgumentException(key + " must be UINT32, got " + value.type());
            }
            return alignment(Math.toIntExact((Long) value.value()));
        }
        if (metadata.putIfAbsent(key, value) != null) {
            throw new IllegalArgumentException("duplicate metadata key '" + key + "'");
        }
        return this;
    }

    /** Adds a key, its type inferred by {@link GgufValue#of(Object)}. */
    public GgufWriter put(String key, Object value) {
        return put(key, GgufValue.of(value));
    }

    /** Adds a key with an explicit type, e.g. {@code put("llama.block_count", GgufType.UINT32, 8)}. */
    public GgufWriter put(String key, GgufType type, Object value) {
        return put(key, new GgufValue(type, value));
    }

    /** Adds every entry, in the map's order; values as in {@link #put(String, Object)}. */
    public GgufWriter putAll(Map<String, ?> entries) {
        entries.forEach(this::put);
        return this;
    }

    /** Adds a tensor; its bytes are read when {@link #write} runs, so it must stay open until then. */
    public GgufWriter addTensor(String name, Tensor tensor) {
        Objects.requireNonNull(tensor, "tensor " + name);
        return add(new Pending(name, tensor.dtype(), tensor.shape(), () -> tensor));
    }

    /**
     * Adds a tensor produced only while writing; the supplier's tensor must have this dtype and shape,
     * and is closed after its bytes are written (a no-op for views).
     */
    public GgufWriter addTensor(String name, DType type, int[] shape, Supplier<Tensor> data) {
        if (shape.length < 1 || shape.length > GgufParser.MAX_DIMS) {
            throw new IllegalArgumentException("tensor '" + name + "': GGUF tensors have 1 to 4 dimensions, got " + Arrays.toString(shape));
        }
        for (int d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException("tensor '" + name + "': dimensions must be positive, got " + Arrays.toString(shape));
            }
        }
        if (shape[shape.length - 1] % type.blockSize() != 0) {
            throw new IllegalArgumentException("tensor '" + name + "': " + type + " rows must be a multiple of "
                    + type.blockSize() + ", got shape " + Arrays.toString(shape));
        }
        return add(new Pending(name, type, shape.clone(), data));
    }

    private GgufWriter add(Pending p) {
        Objects.requireNonNull(p.name(), "tensor name");
        if (tensors.putIfAbsent(p.name(), p) != null) {
            throw new IllegalArgumentException("duplicate tensor name '" + p.name() + "'");
        }
        return this;
    }

    /** Writes the file, replacing any existing one only once it is complete (see {@link OutputFile}). */
    public void write(Path path) throws IOException {
        write(path, ProgressListener.NONE);
    }

    /** The same, reporting tensor bytes written out of the total after each tensor. */
    public void write(Path path, ProgressListener progress) throws IOException {
        Out h = new Out();
        h.bytes("GGUF".getBytes(StandardCharsets.US_ASCII));
        h.u32(3);
        h.u64(tensors.size());
        h.u64(metadata.size());
        for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
            h.string(e.getKey());
            h.u32(e.getValue().type().id());
            value(h, e.getValue().type(), e.getValue().value());
        }
        List<Long> offsets = new ArrayList<>();
        long offset = 0;
        for (Pending p : tensors.values()) {
            h.string(p.name());
            h.u32(p.shape().length);
            for (int j = p.shape().length - 1; j >= 0; j--) {
                h.u64(p.shape()[j]);
            }
            h.u32(p.type().ggmlType());
            h.u64(offset);
            offsets.add(offset);
            offset = GgufParser.alignUp(offset + p.type().byteSize(numel(p.shape())), alignment);
        }
        h.pad(alignment);
        // Into a temporary file renamed over the target when complete: a failure (or a crash) never
        // leaves half a file where a model was, and readers of the target never see one.
        try (OutputFile out = OutputFile.create(path, List.of())) {
            try (FileChannel ch = FileChannel.open(out.temp(), StandardOpenOption.WRITE)) {
                writeData(ch, h, offsets, offset, progress);
            }
            out.commit();
        }
    }

    private void writeData(FileChannel ch, Out h, List<Long> offsets, long offset, ProgressListener progress) throws IOException {
        writeFully(ch, h.buffer());
        long dataStart = h.size();
        int i = 0;
        long written = 0;
        for (Pending p : tensors.values()) {
            long bytes = p.type().byteSize(numel(p.shape()));
            Tensor t = p.data().get();
            try {
                if (t.dtype() != p.type() || !Arrays.equals(t.shape(), p.shape())) {
                    throw new IllegalArgumentException("tensor '" + p.name() + "' was declared " + p.type()
                            + Arrays.toString(p.shape()) + " but its data is " + t);
                }
                ch.position(dataStart + offsets.get(i++));
                MemorySegment seg = t.segment();
                for (long at = 0; at < bytes; at += 1 << 30) {
                    writeFully(ch, seg.asSlice(at, Math.min(1 << 30, bytes - at)).asByteBuffer());
                }
            } finally {
                t.close();
            }
            written += bytes;
            progress.progress(written, offset);
        }
        long end = dataStart + offset;
        if (ch.size() < end) { // zero padding after the last tensor, as ggml writes it
            ch.position(end - 1);
            writeFully(ch, ByteBuffer.wrap(new byte[1]));
        }
    }

    private static void value(Out h, GgufType type, Object v) {
        switch (type) {
            case UINT8, INT8 -> h.u8((int) (long) (Long) v);
            case UINT16, INT16 -> h.u16((int) (long) (Long) v);
            case UINT32, INT32 -> h.u32((int) (long) (Long) v);
            case UINT64, INT64 -> h.u64((Long) v);
            case FLOAT32 -> h.u32(Float.floatToRawIntBits((Float) v));
            case FLOAT64 -> h.u64(Double.doubleToRawLongBits((Double) v));
            case BOOL -> h.u8((Boolean) v ? 1 : 0);
            case STRING -> h.string((String) v);
            case ARRAY -> {
                GgufArray<?> a = (GgufArray<?>) v;
                h.u32(a.elementType().id());
                h.u64(a.size());
                for (int i = 0; i < a.size(); i++) {
                    value(h, a.elementType(), a.get(i));
                }
            }
        }
    }

    private static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            n = Math.multiplyExact(n, (long) d);
        }
        return n;
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** A little-endian byte sink for the header. */
    private static final class Out {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        void u8(int v) {
            out.write(v);
        }

        void u16(int v) {
            scratch.clear();
            out.write(scratch.putShort((short) v).array(), 0, 2);
        }

        void u32(int v) {
            scratch.clear();
            out.write(scratch.putInt(v).array(), 0, 4);
        }

        void u64(long v) {
            scratch.clear();
            out.write(scratch.putLong(v).array(), 0, 8);
        }

        void bytes(byte[] b) {
            out.write(b, 0, b.length);
        }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            bytes(b);
        }

        void pad(long alignment) {
            while (out.size() % alignment != 0) {
                out.write(0);
            }
        }

        long size() {
            return out.size();
        }

        ByteBuffer buffer() {
            return ByteBuffer.wrap(out.toByteArray());
        }
    }
}
