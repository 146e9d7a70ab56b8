package dev.skipllama.transformer.safetensors;

import dev.skipllama.transformer.json.Json;
import dev.skipllama.transformer.json.JsonException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses and validates a safetensors header: {@code uint64 n} (little-endian), then {@code n} bytes
 * of UTF-8 JSON mapping each tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end]}}
 * (offsets relative to the data that follows the header) plus an optional {@code "__metadata__"}
 * object of strings. Every tensor's range must lie inside the file, match its shape and dtype, and
 * not overlap another's.
 */
final class SafetensorsHeader {
    /** The reference implementation's limit; a larger header is a forged length. */
    static final long MAX_HEADER_BYTES = 100_000_000;
    static final String METADATA_KEY = "__metadata__";

    record Parsed(Map<String, String> metadata, List<SafetensorsTensorInfo> tensors, long dataStart) {
    }

    private SafetensorsHeader() {
    }

    static Parsed parse(Path path, MemorySegment seg) throws SafetensorsFormatException {
        long size = seg.byteSize();
        if (size < 8) {
            throw new SafetensorsFormatException(path, "header length", "file truncated: " + size + " bytes, the 8-byte header length is missing");
        }
        long n = seg.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (n < 2 || n > MAX_HEADER_BYTES || n > size - 8) {
            throw new SafetensorsFormatException(path, "header length", "header of " + Long.toUnsignedString(n)
                    + " bytes does not fit: the file has " + (size - 8) + " bytes after the length (and headers are 2 to "
                    + MAX_HEADER_BYTES + " bytes)");
        }
        byte[] bytes = seg.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsFormatException(path, "header", "invalid UTF-8", e);
        }
        Map<String, Object> json;
        try {
            json = Json.parseObject(text);
        } catch (JsonException e) {
            throw new SafetensorsFormatException(path, "header", "invalid JSON: " + e.getMessage(), e);
        }
        long dataStart = 8 + n;
        long dataBytes = size - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<SafetensorsTensorInfo> tensors = new ArrayList<>();
        for (Map.Entry<String, Object> e : json.entrySet()) {
            if (e.getKey().equals(METADATA_KEY)) {
                metadata(path, e.getValue(), metadata);
            } else {
                tensors.add(tensor(path, e.getKey(), e.getValue(), dataBytes));
            }
        }
        List<SafetensorsTensorInfo> byOffset = new ArrayList<>(tensors);
        byOffset.sort(Comparator.comparingLong(SafetensorsTensorInfo::begin).thenComparingLong(SafetensorsTensorInfo::end));
        // The format (and its reference implementation) requires the data to be indexed entirely: the
        // tensors tile it without overlaps or holes. A file that breaks this was damaged or forged.
        long expected = 0;
        SafetensorsTensorInfo previous = null;
        for (SafetensorsTensorInfo b : byOffset) {
            if (b.begin() < expected) {
                throw new SafetensorsFormatException(path, "tensor '" + b.name() + "' data_offsets", "[" + b.begin() + ", "
                        + b.end() + ") overlaps tensor '" + previous.name() + "' at [" + previous.begin() + ", " + previous.end() + ")");
            }
            if (b.begin() > expected) {
                throw new SafetensorsFormatException(path, "tensor '" + b.name() + "' data_offsets", "[" + b.begin() + ", "
                        + b.end() + ") leaves the bytes [" + expected + ", " + b.begin() + ") unused"
                        + (previous == null ? "" : " after tensor '" + previous.name() + "'") + "; the data must be indexed entirely");
            }
            expected = b.end();
            previous = b;
        }
        if (expected != dataBytes) {
            throw new SafetensorsFormatException(path, "data", "the tensors cover " + expected + " bytes, but the file holds "
                    + dataBytes + " bytes of data after the header; the data must be indexed entirely");
        }
        return new Parsed(Collections.unmodifiableMap(metadata), List.copyOf(tensors), dataStart);
    }

    private static void metadata(Path path, Object value, Map<String, String> out) throws SafetensorsFormatException {
        if (!(value instanceof Map<?, ?> m)) {
            throw new SafetensorsFormatException(path, METADATA_KEY, "must be an object of strings, found " + Json.typeName(value));
        }
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw new SafetensorsFormatException(path, METADATA_KEY + " '" + e.getKey() + "'",
                        "must be a string, found " + Json.typeName(e.getValue()));
            }
            out.put((String) e.getKey(), s);
        }
    }

    private static SafetensorsTensorInfo tensor(Path path, String name, Object value, long dataBytes)
            throws SafetensorsFormatException {
        String field = "tensor '" + name + "'";
        if (!(value instanceof Map<?, ?> m)) {
            throw new SafetensorsFormatException(path, field, "must be an object, found " + Json.typeName(value));
        }
        for (Object k : m.keySet()) {
            if (!k.equals("dtype") && !k.equals("shape") && !k.equals("data_offsets")) {
                throw new SafetensorsFormatException(path, field, "unexpected entry '" + k + "' (expected dtype, shape, data_offsets)");
            }
        }
        if (!(m.get("dtype") instanceof String dtypeName)) {
            throw new SafetensorsFormatException(path, field + " dtype", "must be a string, found " + Json.typeName(m.get("dtype")));
        }
        SafetensorsDType dtype = SafetensorsDType.byName(dtypeName);
        if (dtype == null) {
            throw new SafetensorsFormatException(path, field + " dtype", "unknown dtype '" + dtypeName + "'");
        }
        if (!(m.get("shape") instanceof List<?> dims)) {
            throw new SafetensorsFormatException(path, field + " shape", "must be an array, found " + Json.typeName(m.get("shape")));
        }
        int[] shape = new int[dims.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!(dims.get(i) instanceof Long d) || d < 0 || d > Integer.MAX_VALUE) {
                throw new SafetensorsFormatException(path, field + " shape", "dimension " + i + " is " + dims.get(i)
                        + ", not an integer in [0, " + Integer.MAX_VALUE + "]");
            }
            shape[i] = (int) (long) d;
            numel *= d;
            if (numel > (1L << 53)) {
                throw new SafetensorsFormatException(path, field + " shape", "element count of " + dims + " overflows");
            }
        }
        if (!(m.get("data_offsets") instanceof List<?> offs) || offs.size() != 2
                || !(offs.get(0) instanceof Long begin) || !(offs.get(1) instanceof Long end)) {
            throw new SafetensorsFormatException(path, field + " data_offsets", "must be two integers [begin, end], found "
                    + m.get("data_offsets"));
        }
        if (begin < 0 || end < begin || end > dataBytes) {
            throw new SafetensorsFormatException(path, field + " data_offsets", "[" + begin + ", " + end
                    + ") is not a range inside the " + dataBytes + " data bytes of the file");
        }
        if (end - begin != numel * dtype.bytes()) {
            throw new SafetensorsFormatException(path, field + " data_offsets", "[" + begin + ", " + end + ") holds "
                    + (end - begin) + " bytes, but " + dtype + java.util.Arrays.toString(shape) + " needs " + numel * dtype.bytes());
        }
        return new SafetensorsTensorInfo(name, dtype, shape, begin, end);
    }
}
