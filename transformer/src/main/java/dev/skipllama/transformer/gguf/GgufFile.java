package dev.skipllama.transformer.gguf;

import dev.skipllama.tensor.FileMapping;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.transformer.io.FileStamp;
import dev.skipllama.transformer.io.RegularFiles;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * A GGUF file (versions 2 and 3), memory-mapped read-only. The header is parsed and validated on
 * {@link #open}; tensors are views on the mapping — their bytes are never copied onto the Java heap
 * and stay valid until {@link #close()}.
 *
 * <p><b>Metadata values</b> appear as: every integer type → {@code Long} (UINT64 values of 2^63 and
 * above as the negative {@code long} with the same bits), FLOAT32 → {@code Float}, FLOAT64 →
 * {@code Double}, BOOL → {@code Boolean}, STRING → {@code String}, ARRAY → a {@link GgufArray} (an
 * unmodifiable {@code List} of these, possibly nested). {@link #type(String)} gives the stored type.
 *
 * <p><b>Errors.</b> A malformed file is a {@link GgufFormatException} from {@link #open}. The getters
 * throw {@link NoSuchElementException} for a missing key and {@link IllegalArgumentException} for a
 * value of the wrong type, both naming the file and the key.
 *
 * <p><b>Shapes</b> are row-major: GGUF's {@code ne[]} reversed, so the last dimension is
 * {@code ne[0]}, the contiguous one; a weight with {@code ne = [4096, 11008]} is {@code [11008, 4096]}.
 *
 * <p>Thread safety: after {@code open} returns the object is immutable and the mapping is shared, so
 * any thread may read metadata and tensors; closing while others read is the caller's error.
 */
public final class GgufFile implements AutoCloseable {
    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    /** The mapping's page control, or null for an image in memory ({@link #of}). */
    private final FileMapping.Mapped mapped;
    private final GgufParser.Header header;
    private final Map<String, Object> metadata;
    private final Map<String, GgufTensorInfo> tensorsByName;
    private final FileStamp stamp;

    private GgufFile(Path path, Arena arena, MemorySegment mapping, FileMapping.Mapped mapped, GgufParser.Header header, FileStamp stamp) {
        this.path = path;
        this.stamp = stamp;
        this.arena = arena;
        this.mapping = mapping;
        this.mapped = mapped;
        this.header = header;
        this.metadata = Collections.unmodifiableMap(header.metadata());
        Map<String, GgufTensorInfo> byName = new LinkedHashMap<>();
        for (GgufTensorInfo t : header.tensors()) {
            byName.put(t.name(), t);
        }
        this.tensorsByName = Collections.unmodifiableMap(byName);
    }

    /** Maps {@code path} read-only and parses its header. */
    public static GgufFile open(Path path) throws IOException {
        RegularFiles.require(path, "a GGUF file"); // before opening: a FIFO would block the open itself
        Arena arena = Arena.ofShared(); // shared: a backend's worker threads read the tensors
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            FileStamp stamp = FileStamp.of(path);
            FileMapping.Mapped m = FileMapping.map(ch, arena);
            MemorySegment seg = m.segment();
            return new GgufFile(path, arena, seg, m, GgufParser.parse(path, seg), new FileStamp(path, seg.byteSize(), stamp.modified(), stamp.fileKey()));
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Parses a GGUF image already in memory; the caller keeps ownership of {@code bytes}.
     * {@code path} only names the data in messages. Used by tests to fuzz without touching the disk.
     */
    static GgufFile of(Path path, MemorySegment bytes) throws GgufFormatException {
        return new GgufFile(path, null, bytes, null, GgufParser.parse(path, bytes), null);
    }

    /**
     * Drops the resident pages under a tensor of this file that the model no longer reads (its
     * backend holds its own copy): resident memory then counts the copy once. Reading the tensor
     * again still works; it faults the pages back in.
     */
    public void releasePages(Tensor t) {
        if (mapped != null) {
            mapped.releaseCopied(t);
        }
    }

    public Path path() {
        return path;
    }

    /** The file as it was mapped (null for bytes given in memory), to tell later whether it changed underneath. */
    public FileStamp stamp() {
        return stamp;
    }

    /** The GGUF version, 2 or 3. */
    public int version() {
        return header.version();
    }

    /** Alignment of the tensor data ({@code general.alignment}, 32 when absent). */
    public long alignment() {
        return header.alignment();
    }

    /** Absolute file offset where the tensor data section starts. */
    public long dataStart() {
        return header.dataStart();
    }

    /** All metadata, in file order, unmodifiable. */
    public Map<String, Object> metadata() {
        return metadata;
    }

    /** The value of {@code key}; see the class comment for how types map. */
    public Object get(String key) {
        Object v = metadata.get(key);
        if (v == null) {
            throw new NoSuchElementException(path + ": no metadata key '" + key + "'");
        }
        return v;
    }

    public Optional<Object> find(String key) {
        return Optional.ofNullable(metadata.get(key));
    }

    public boolean contains(String key) {
        return metadata.containsKey(key);
    }

    /** The stored GGUF type of {@code key}'s value. */
    public GgufType type(String key) {
        get(key);
        return header.types().get(key);
    }

    public String getString(String key) {
        return as(key, String.class, "a STRING");
    }

    public String getString(String key, String defaultValue) {
        return contains(key) ? getString(key) : defaultValue;
    }

    /** Any integer type. */
    public long getLong(String key) {
        return as(key, Long.class, "an integer");
    }

    public long getLong(String key, long defaultValue) {
        return contains(key) ? getLong(key) : defaultValue;
    }

    /** An integer value that must fit an {@code int}. */
    public int getInt(String key) {
        long v = getLong(key);
        if (v != (int) v) {
            throw new IllegalArgumentException(path + ": metadata '" + key + "' = " + v + " does not fit an int");
        }
        return (int) v;
    }

    public int getInt(String key, int defaultValue) {
        return contains(key) ? getInt(key) : defaultValue;
    }

    /** FLOAT32, or FLOAT64 rounded to float. */
    public float getFloat(String key) {
        Object v = get(key);
        if (v instanceof Float f) {
            return f;
        } else if (v instanceof Double d) {
            return d.floatValue();
        }
        throw wrongType(key, "a FLOAT32 or FLOAT64");
    }

    public float getFloat(String key, float defaultValue) {
        return contains(key) ? getFloat(key) : defaultValue;
    }

    public boolean getBoolean(String key) {
        return as(key, Boolean.class, "a BOOL");
    }

    public boolean getBoolean(String key, boolean defaultValue) {
        return contains(key) ? getBoolean(key) : defaultValue;
    }

    /** A STRING array, unmodifiable. */
    @SuppressWarnings("unchecked")
    public List<String> getStringArray(String key) {
        return (List<String>) array(key, "a STRING array", GgufType.STRING);
    }

    /** A FLOAT32 array (or FLOAT64, rounded), copied. */
    public float[] getFloatArray(String key) {
        GgufArray<?> a = array(key, "a FLOAT32 array", GgufType.FLOAT32, GgufType.FLOAT64);
        if (a.elementType() == GgufType.FLOAT32) {
            return a.floatsCopy();
        }
        float[] f = new float[a.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) a.doubleAt(i);
        }
        return f;
    }

    /** An array of any integer type whose values all fit an {@code int}, copied. */
    public int[] getIntArray(String key) {
        GgufArray<?> a = array(key, "an integer array", GgufType.UINT8, GgufType.INT8, GgufType.UINT16,
                GgufType.INT16, GgufType.UINT32, GgufType.INT32, GgufType.UINT64, GgufType.INT64);
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            long v = a.longAt(i);
            if (v != (int) v || (a.elementType() == GgufType.UINT64 && v < 0)) {
                throw new IllegalArgumentException(path + ": metadata '" + key + "' element #" + i + " = "
                        + (a.elementType() == GgufType.UINT64 ? Long.toUnsignedString(v) : v) + " does not fit an int");
            }
            out[i] = (int) v;
        }
        return out;
    }

    /** An array of any integer type, copied (UINT64 values keep their bits). */
    public long[] getLongArray(String key) {
        GgufArray<?> a = array(key, "an integer array", GgufType.UINT8, GgufType.INT8, GgufType.UINT16,
                GgufType.INT16, GgufType.UINT32, GgufType.INT32, GgufType.UINT64, GgufType.INT64);
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.longAt(i);
        }
        return out;
    }

    // ---- tensors --------------------------------------------------------------------------

    /** The tensors, in file order. */
    public List<GgufTensorInfo> tensors() {
        return header.tensors();
    }

    public boolean hasTensor(String name) {
        return tensorsByName.containsKey(name);
    }

    public GgufTensorInfo tensorInfo(String name) {
        GgufTensorInfo t = tensorsByName.get(name);
        if (t == null) {
            throw new NoSuchElementException(path + ": no tensor '" + name + "' (the file has " + tensorsByName.size() + " tensors)");
        }
        return t;
    }

    /**
     * A view of the tensor's bytes in the mapping: no copy; valid until this file is closed. A tensor
     * of a type the runtime cannot compute with ({@link GgufTensorInfo#isSupported()}) is an
     * {@link UnsupportedOperationException} naming it and its type.
     */
    public Tensor tensor(String name) {
        GgufTensorInfo t = tensorInfo(name);
        if (!t.isSupported()) {
            throw new UnsupportedOperationException(path + ": tensor '" + name + "' is " + t.typeName() + " (ggml type "
                    + t.ggmlType() + "), which the tensor runtime cannot compute with; supported: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K");
        }
        return Tensor.wrap(mapping.asSlice(header.dataStart() + t.offset(), t.byteSize()), t.type(), t.shape());
    }

    /** Unmaps the file; tensors obtained from it must not be used afterwards. Idempotent. */
    @Override
    public void close() {
        if (arena != null && arena.scope().isAlive()) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "GgufFile[" + path + ", v" + version() + ", " + metadata.size() + " keys, " + tensors().size() + " tensors]";
    }

    // ---- helpers --------------------------------------------------------------------------

    private <T> T as(String key, Class<T> type, String expected) {
        Object v = get(key);
        if (!type.isInstance(v)) {
            throw wrongType(key, expected);
        }
        return type.cast(v);
    }

    private GgufArray<?> array(String key, String expected, GgufType... elementTypes) {
        if (!(get(key) instanceof GgufArray<?> a)) {
            throw wrongType(key, expected);
        }
        for (GgufType t : elementTypes) {
            if (a.elementType() == t) {
                return a;
            }
        }
        throw wrongType(key, expected);
    }

    private IllegalArgumentException wrongType(String key, String expected) {
        GgufType t = header.types().get(key);
        String found = t == GgufType.ARRAY ? "an ARRAY of " + ((GgufArray<?>) metadata.get(key)).elementType() : "a " + t;
        return new IllegalArgumentException(path + ": metadata '" + key + "' is " + found + ", expected " + expected);
    }
}
