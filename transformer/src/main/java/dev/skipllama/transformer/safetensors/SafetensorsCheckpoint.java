package dev.skipllama.transformer.safetensors;

import dev.skipllama.tensor.Tensor;
import dev.skipllama.transformer.io.FileStamp;
import dev.skipllama.transformer.io.RegularFiles;
import dev.skipllama.transformer.io.TextFiles;
import dev.skipllama.transformer.json.Json;
import dev.skipllama.transformer.json.JsonException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The weights of a Hugging Face checkpoint: one {@code model.safetensors}, or shards listed by
 * {@code model.safetensors.index.json} ({@code {"metadata": {...}, "weight_map": {tensor: file}}}).
 * Each shard is memory-mapped once; tensors are views valid until {@link #close()}.
 */
public final class SafetensorsCheckpoint implements AutoCloseable {
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Path source;
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> byTensor;
    private final Map<String, Object> metadata;

    private SafetensorsCheckpoint(Path source, List<SafetensorsFile> files, Map<String, SafetensorsFile> byTensor,
                                  Map<String, Object> metadata) {
        this.source = source;
        this.files = files;
        this.byTensor = byTensor;
        this.metadata = metadata;
    }

    /**
     * Opens a checkpoint directory (the index if there is one, else {@code model.safetensors}), an
     * index file, or a single {@code .safetensors} file.
     */
    public static SafetensorsCheckpoint open(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            if (Files.exists(path.resolve(INDEX_FILE))) {
                return openIndex(path.resolve(INDEX_FILE));
            }
            if (Files.exists(path.resolve(SINGLE_FILE))) {
                return openSingle(path.resolve(SINGLE_FILE));
            }
            throw new IOException(path + ": neither " + SINGLE_FILE + " nor " + INDEX_FILE + " is in this directory");
        }
        return path.getFileName().toString().endsWith(".json") ? openIndex(path) : openSingle(path);
    }

    private static SafetensorsCheckpoint openSingle(Path file) throws IOException {
        SafetensorsFile f = SafetensorsFile.open(file);
        Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
        for (SafetensorsTensorInfo t : f.tensors()) {
            byTensor.put(t.name(), f);
        }
        return new SafetensorsCheckpoint(file, List.of(f), byTensor, Collections.unmodifiableMap(new LinkedHashMap<>(f.metadata())));
    }

    private static SafetensorsCheckpoint openIndex(Path index) throws IOException {
        Map<String, Object> json;
        RegularFiles.require(index, "a safetensors index");
        String text = TextFiles.read(index, TextFiles.MAX_JSON_BYTES, "a safetensors index"); // names the byte of bad UTF-8
        try {
            json = Json.parseObject(text);
        } catch (JsonException e) {
            throw new SafetensorsFormatException(index, "index", "not a JSON object: " + e.getMessage(), e);
        }
        if (!(json.get("weight_map") instanceof Map<?, ?> weightMap)) {
            throw new SafetensorsFormatException(index, "weight_map", "must be an object mapping tensor names to files, found "
                    + Json.typeName(json.get("weight_map")));
        }
        Object meta = json.getOrDefault("metadata", Map.of());
        if (!(meta instanceof Map<?, ?>)) {
            throw new SafetensorsFormatException(index, "metadata", "must be an object, found " + Json.typeName(meta));
        }
        Path dir = index.toAbsolutePath().getParent();
        Map<String, SafetensorsFile> open = new LinkedHashMap<>();
        Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
        try {
            for (Map.Entry<?, ?> e : weightMap.entrySet()) {
                String tensor = (String) e.getKey();
                if (!(e.getValue() instanceof String fileName)) {
                    throw new SafetensorsFormatException(index, "weight_map '" + tensor + "'", "must be a file name, found "
                            + Json.typeName(e.getValue()));
                }
                Path shard = dir.resolve(fileName).normalize();
                if (!shard.getParent().equals(dir.normalize())) { // a shard outside the checkpoint is a forged index
                    throw new SafetensorsFormatException(index, "weight_map '" + tensor + "'", "file '" + fileName
                            + "' is not in the checkpoint directory");
                }
                SafetensorsFile f = open.get(fileName);
                if (f == null) {
                    f = SafetensorsFile.open(shard);
                    open.put(fileName, f);
                }
                if (!f.hasTensor(tensor)) {
                    throw new SafetensorsFormatException(index, "weight_map '" + tensor + "'", "tensor is not in " + fileName);
                }
                byTensor.put(tensor, f);
            }
        } catch (IOException | RuntimeException e) {
            open.values().forEach(SafetensorsFile::close);
            throw e;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> metadata = Collections.unmodifiableMap(new LinkedHashMap<>((Map<String, Object>) meta));
        return new SafetensorsCheckpoint(index, List.copyOf(open.values()), byTensor, metadata);
    }

    /** The file or index this was opened from. */
    public Path source() {
        return source;
    }

    /** The index's {@code metadata} object, or a single file's {@code __metadata__} strings. */
    public Map<String, Object> metadata() {
        return metadata;
    }

    /** Tensor names, in index (or header) order. */
    public List<String> tensorNames() {
        return List.copyOf(byTensor.keySet());
    }

    public boolean hasTensor(String name) {
        return byTensor.containsKey(name);
    }

    public SafetensorsTensorInfo tensorInfo(String name) {
        return file(name).tensorInfo(name);
    }

    /** A view of the tensor in its shard. */
    public Tensor tensor(String name) {
        return file(name).tensor(name);
    }

    /** {@link SafetensorsFile#releasePages} on the file that holds {@code t}, if one does. */
    public void releasePages(Tensor t) {
        for (SafetensorsFile f : files) {
            f.releasePages(t);
        }
    }

    public List<SafetensorsFile> files() {
        return files;
    }

    /** Each shard as it was mapped (see {@link SafetensorsFile#stamp()}). */
    public List<FileStamp> stamps() {
        return files.stream().map(SafetensorsFile::stamp).toList();
    }

    private SafetensorsFile file(String name) {
        SafetensorsFile f = byTensor.get(name);
        if (f == null) {
            throw new NoSuchElementException(source + ": no tensor '" + name + "'");
        }
        return f;
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
