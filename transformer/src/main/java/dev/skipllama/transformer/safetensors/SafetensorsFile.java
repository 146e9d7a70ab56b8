package dev.skipllama.transformer.safetensors;

import dev.skipllama.tensor.DType;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * One {@code .safetensors} file, memory-mapped read-only: the header is parsed and validated on
 * {@link #open}, tensors are views on the mapping (no copy onto the Java heap) valid until
 * {@link #close()}. Tensors are row-major with the header's shape; a scalar has shape {@code [1]}.
 * Only F32, F16 and BF16 tensors can be viewed; the others are listed and validated but
 * {@link #tensor} refuses them.
 *
 * <p>For checkpoints split over several files see {@link SafetensorsCheckpoint}.
 */
public final class SafetensorsFile implements AutoCloseable {
    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final FileMapping.Mapped mapped; // null for bytes given in memory
    private final SafetensorsHeader.Parsed header;
    private final Map<String, SafetensorsTensorInfo> byName = new LinkedHashMap<>();
    private final FileStamp stamp;

    private SafetensorsFile(Path path, Arena arena, FileMapping.Mapped mapped, MemorySegment mapping, SafetensorsHeader.Parsed header,
            FileStamp stamp) {
        this.path = path;
        this.mapped = mapped;
        this.stamp = stamp;
        this.arena = arena;
        this.mapping = mapping;
        this.header = header;
        for (SafetensorsTensorInfo t : header.tensors()) {
            byName.put(t.name(), t);
        }
    }

    public static SafetensorsFile open(Path path) throws IOException {
        RegularFiles.require(path, "a safetensors file"); // before opening: a FIFO would block the open itself
        Arena arena = Arena.ofShared(); // shared: a backend's worker threads read the tensors
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            FileStamp stamp = FileStamp.of(path);
            FileMapping.Mapped m = FileMapping.map(ch, arena);
            MemorySegment seg = m.segment();
            return new SafetensorsFile(path, arena, m, seg, SafetensorsHeader.parse(path, seg),
                    new FileStamp(path, seg.byteSize(), stamp.modified(), stamp.fileKey()));
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** Parses bytes already in memory (owned by the caller); {@code path} only names them in messages. */
    static SafetensorsFile of(Path path, MemorySegment bytes) throws SafetensorsFormatException {
        return new SafetensorsFile(path, null, null, bytes, SafetensorsHeader.parse(path, bytes), null);
    }

    /**
     * Drops the resident pages under {@code t} if it lies in this file's mapping (the backend holds its
     * own copy): resident memory then counts the weight once; reading it again faults the pages back in.
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

    /** The {@code __metadata__} strings, unmodifiable (empty when absent). */
    public Map<String, String> metadata() {
        return header.metadata();
    }

    /** The tensors in header order. */
    public List<SafetensorsTensorInfo> tensors() {
        return header.tensors();
    }

    public boolean hasTensor(String name) {
        return byName.containsKey(name);
    }

    public SafetensorsTensorInfo tensorInfo(String name) {
        SafetensorsTensorInfo t = byName.get(name);
        if (t == null) {
            throw new NoSuchElementException(path + ": no tensor '" + name + "' (the file has " + byName.size() + " tensors)");
        }
        return t;
    }

    /** A view of the tensor on the mapping. */
    public Tensor tensor(String name) {
        SafetensorsTensorInfo t = tensorInfo(name);
        DType type = t.dtype().toDType();
        if (type == null) {
            throw new UnsupportedOperationException(path + ": tensor '" + name + "' is " + t.dtype()
                    + "; only F32, F16 and BF16 tensors can be used");
        }
        int[] shape = t.shape().length == 0 ? new int[]{1} : t.shape();
        return Tensor.wrap(mapping.asSlice(header.dataStart() + t.begin(), t.byteSize()), type, shape);
    }

    @Override
    public void close() {
        if (arena != null && arena.scope().isAlive()) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + byName.size() + " tensors]";
    }
}
