package dev.skipllama.transformer.gguf;

import dev.skipllama.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the header of a GGUF file (magic, version, metadata, tensor infos) from a memory segment.
 * Every count and length is checked against the bytes that are left before anything is allocated
 * for it, so a forged length cannot make us allocate gigabytes or read out of bounds; every error is
 * a {@link GgufFormatException} naming the field.
 *
 * <p>Layout (little-endian; see ggml's {@code docs/gguf.md}): {@code "GGUF"}, {@code uint32 version},
 * {@code uint64 tensorCount}, {@code uint64 kvCount}, kvCount × {@code (string key, uint32 type,
 * value)}, tensorCount × {@code (string name, uint32 nDims, uint64 ne[nDims], uint32 ggmlType,
 * uint64 offset)}, padding to the alignment, then the tensor data.
 */
final class GgufParser {
    static final int DEFAULT_ALIGNMENT = 32;
    static final String ALIGNMENT_KEY = "general.alignment";
    /** ggml's GGML_MAX_DIMS. */
    static final int MAX_DIMS = 4;
    /** Nested arrays deeper than this are refused, so recursion cannot overflow the stack. */
    static final int MAX_NESTING = 16;

    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** What the header says. */
    record Header(int version, long alignment, Map<String, Object> metadata, Map<String, GgufType> types,
                  List<GgufTensorInfo> tensors, long dataStart) {
    }

    private final Path path;
    private final MemorySegment seg;
    private final long size;
    private long pos;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private byte[] buf = new byte[64];

    private GgufParser(Path path, MemorySegment seg) {
        this.path = path;
        this.seg = seg;
        this.size = seg.byteSize();
    }

    /** Parses the header of the file whose bytes are {@code seg}; {@code path} is for messages. */
    static Header parse(Path path, MemorySegment seg) throws GgufFormatException {
        return new GgufParser(path, seg).header();
    }

    private Header header() throws GgufFormatException {
        need(4, "magic");
        int magic = seg.get(I32, 0);
        if (magic != 0x46554747) { // "GGUF" read as a little-endian uint32
            throw error("magic", "not a GGUF file: expected the bytes 47 47 55 46 (\"GGUF\"), found " + hex(0, 4));
        }
        pos = 4;
        int version = u32("version");
        if (version == 1) {
            throw error("version", "GGUF version 1 is not supported (it used 32-bit lengths and was replaced in 2023); "
                    + "convert the model again with a current llama.cpp");
        }
        if (version == 0x02000000 || version == 0x03000000) {
            throw error("version", "this is a big-endian GGUF file (version bytes " + hex(4, 4) + "); only little-endian files are supported");
        }
        if (version != 2 && version != 3) {
            throw error("version", "unsupported GGUF version " + Integer.toUnsignedString(version) + " (supported: 2, 3)");
        }
        long tensorCount = count("tensor count", 8 + 4 + 8 + 4 + 8);
        long kvCount = count("metadata key count", 8 + 4 + 1);

        Map<String, Object> metadata = new LinkedHashMap<>();
        Map<String, GgufType> types = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = string("metadata key #" + i);
            if (metadata.containsKey(key)) {
                throw error("metadata key #" + i, "duplicate key '" + key + "'");
            }
            String field = "metadata '" + key + "'";
            GgufType type = type(field + " type");
            types.put(key, type);
            metadata.put(key, value(type, field, 0));
        }
        long alignment = alignment(metadata, types);

        List<GgufTensorInfo> tensors = new ArrayList<>();
        Map<String, Boolean> names = new HashMap<>();
        for (long t = 0; t < tensorCount; t++) {
            tensors.add(tensorInfo(t, names));
        }
        long dataStart = alignUp(pos, alignment);
        checkLayout(tensors, alignment, pos, dataStart);
        return new Header(version, alignment, metadata, types, tensors, dataStart);
    }

    /**
     * The data section as ggml lays it out and llama.cpp requires it: tensors stored in the order of
     * their infos, each at the end of the one before rounded up to the alignment (so no overlaps and no
     * gaps), every one inside the file. Two further checks catch a header that no longer describes the
     * data (a tensor count lowered by one, {@code general.alignment} changed without moving the data):
     * the padding between the infos and the data, and whatever follows the last tensor, must be zero
     * bytes, as every GGUF writer leaves them. A file may end right after its last tensor's bytes.
     */
    private void checkLayout(List<GgufTensorInfo> tensors, long alignment, long headerEnd, long dataStart) throws GgufFormatException {
        long expected = 0;
        GgufTensorInfo previous = null;
        for (GgufTensorInfo t : tensors) {
            String field = "tensor '" + t.name() + "' offset";
            if (t.offset() % alignment != 0) {
                throw error(field, "offset " + t.offset() + " is not a multiple of the alignment " + alignment);
            }
            if (t.offset() != expected) {
                String where = previous == null ? "the first tensor must start the data section" : t.offset() < expected
                        ? "it overlaps tensor '" + previous.name() + "', which ends at " + (previous.offset() + previous.byteSize())
                        : "it leaves " + (t.offset() - expected) + " unused bytes after tensor '" + previous.name() + "'";
                throw error(field, "offset " + t.offset() + ", expected " + expected + ": " + where
                        + " (tensors are stored in order, each padded to the alignment " + alignment + ")");
            }
            long dataBytes = Math.max(0, size - dataStart);
            if (t.offset() > dataBytes || t.byteSize() > dataBytes - t.offset()) {
                throw error(field, "offset " + t.offset() + " + " + t.byteSize() + " bytes runs past the end of the file "
                        + "(the data section starts at byte " + dataStart + " and holds " + dataBytes + " bytes)");
            }
            expected = alignUp(t.offset() + t.byteSize(), alignment);
            previous = t;
        }
        if (tensors.isEmpty()) {
            return; // a vocabulary-only file: nothing is read from a data section
        }
        requireZeros(headerEnd, Math.min(dataStart, size), "padding before the data section",
                "the header does not end where the data begins (a wrong tensor count or general.alignment?)");
        long dataEnd = dataStart + previous.offset() + previous.byteSize();
        requireZeros(dataEnd, size, "bytes after the last tensor '" + previous.name() + "'",
                "data the header does not describe (a wrong tensor count, dtype or general.alignment?)");
    }

    /** Bytes [from, to) must all be zero. */
    private void requireZeros(long from, long to, String field, String meaning) throws GgufFormatException {
        for (long at = from; at < to; at++) {
            byte b = seg.get(ValueLayout.JAVA_BYTE, at);
            if (b != 0) {
                throw error(field, "byte " + at + " is " + String.format("0x%02x", b & 0xff) + ", expected zero padding: " + meaning);
            }
        }
    }

    private GgufTensorInfo tensorInfo(long t, Map<String, Boolean> names) throws GgufFormatException {
        String name = string("tensor #" + t + " name");
        if (names.put(name, Boolean.TRUE) != null) {
            throw error("tensor #" + t + " name", "duplicate tensor name '" + name + "'");
        }
        String field = "tensor '" + name + "'";
        int nDims = u32(field + " dimension count");
        if (nDims < 1 || nDims > MAX_DIMS) {
            throw error(field + " dimension count", Integer.toUnsignedString(nDims) + " is not between 1 and " + MAX_DIMS);
        }
        long[] ne = new long[nDims];
        for (int j = 0; j < nDims; j++) {
            ne[j] = u64(field + " ne[" + j + "]");
            if (ne[j] <= 0 || ne[j] > Integer.MAX_VALUE) {
                throw error(field + " ne[" + j + "]", "dimension " + Long.toUnsignedString(ne[j])
                        + " is not between 1 and " + Integer.MAX_VALUE);
            }
        }
        int typeId = u32(field + " type");
        if (!GgmlTypes.isKnown(typeId & 0xffffffffL)) {
            throw error(field + " type", "ggml type " + Integer.toUnsignedString(typeId) + " (" + DType.ggmlTypeName(typeId)
                    + ") is not a type ggml defines");
        }
        long offset = u64(field + " offset");
        if (offset < 0) {
            throw error(field + " offset", "offset " + Long.toUnsignedString(offset) + " is past the end of the file");
        }
        long numel = 1;
        for (long d : ne) {
            numel *= d;
            if (numel > (1L << 53)) { // far beyond any file; also keeps numel * blockBytes from overflowing
                throw error(field + " shape", "element count of " + java.util.Arrays.toString(ne) + " overflows");
            }
        }
        int blockSize = GgmlTypes.blockSize(typeId);
        if (ne[0] % blockSize != 0) {
            throw error(field + " ne[0]", GgmlTypes.name(typeId) + " stores blocks of " + blockSize + " elements, but rows have "
                    + ne[0] + " elements");
        }
        int[] shape = new int[nDims];
        for (int j = 0; j < nDims; j++) {
            shape[j] = (int) ne[nDims - 1 - j];
        }
        return new GgufTensorInfo(name, typeId, shape, offset, numel / blockSize * GgmlTypes.blockBytes(typeId));
    }

    private long alignment(Map<String, Object> metadata, Map<String, GgufType> types) throws GgufFormatException {
        if (!metadata.containsKey(ALIGNMENT_KEY)) {
            return DEFAULT_ALIGNMENT;
        }
        String field = "metadata '" + ALIGNMENT_KEY + "'";
        if (types.get(ALIGNMENT_KEY) != GgufType.UINT32) {
            throw error(field, "must be UINT32, found " + types.get(ALIGNMENT_KEY));
        }
        long a = (Long) metadata.get(ALIGNMENT_KEY);
        if (a == 0 || Long.bitCount(a) != 1) {
            throw error(field, "alignment " + a + " is not a power of two");
        }
        return a;
    }

    // ---- values -----------------------------------------------------------------------------

    private Object value(GgufType type, String field, int depth) throws GgufFormatException {
        return switch (type) {
            case UINT8 -> (long) (u8(field) & 0xff);
            case INT8 -> (long) u8(field);
            case UINT16 -> (long) (i16(field) & 0xffff);
            case INT16 -> (long) i16(field);
            case UINT32 -> u32(field) & 0xffffffffL;
            case INT32 -> (long) u32(field);
            case UINT64, INT64 -> u64(field);
            case FLOAT32 -> {
                need(4, field);
                float f = seg.get(F32, pos);
                pos += 4;
                yield f;
            }
            case FLOAT64 -> {
                need(8, field);
                double d = seg.get(F64, pos);
                pos += 8;
                yield d;
            }
            case BOOL -> bool(field);
            case STRING -> string(field);
            case ARRAY -> array(field, depth + 1);
        };
    }

    private GgufArray<?> array(String field, int depth) throws GgufFormatException {
        if (depth > MAX_NESTING) {
            throw error(field, "arrays nested more than " + MAX_NESTING + " deep");
        }
        GgufType et = type(field + " array element type");
        long n = count(field + " array length", et.minBytes());
        int len = (int) n;
        String elem = field + " element #";
        switch (et) {
            case FLOAT32 -> {
                need(4L * len, field + " array data");
                float[] a = new float[len];
                MemorySegment.copy(seg, F32, pos, a, 0, len);
                pos += 4L * len;
                return GgufArray.wrapFloats(a);
            }
            case FLOAT64 -> {
                need(8L * len, field + " array data");
                double[] a = new double[len];
                MemorySegment.copy(seg, F64, pos, a, 0, len);
                pos += 8L * len;
                return GgufArray.wrapDoubles(a);
            }
            case BOOL -> {
                boolean[] a = new boolean[len];
                for (int i = 0; i < len; i++) {
                    a[i] = bool(field, i);
                }
                return GgufArray.wrapBooleans(a);
            }
            case STRING -> {
                Object[] a = new Object[len];
                for (int i = 0; i < len; i++) {
                    a[i] = string(field, i);
                }
                return GgufArray.wrapObjects(GgufType.STRING, a);
            }
            case ARRAY -> {
                Object[] a = new Object[len];
                for (int i = 0; i < len; i++) {
                    a[i] = array(elem + i, depth + 1);
                }
                return GgufArray.wrapObjects(GgufType.ARRAY, a);
            }
            default -> {
                need((long) et.minBytes() * len, field + " array data");
                long[] a = new long[len];
                for (int i = 0; i < len; i++) {
                    a[i] = switch (et) {
                        case UINT8 -> seg.get(ValueLayout.JAVA_BYTE, pos) & 0xff;
                        case INT8 -> seg.get(ValueLayout.JAVA_BYTE, pos);
                        case UINT16 -> seg.get(I16, pos) & 0xffff;
                        case INT16 -> seg.get(I16, pos);
                        case UINT32 -> seg.get(I32, pos) & 0xffffffffL;
                        case INT32 -> seg.get(I32, pos);
                        default -> seg.get(I64, pos);
                    };
                    pos += et.minBytes();
                }
                return GgufArray.wrapLongs(et, a);
            }
        }
    }

    // ---- primitives -------------------------------------------------------------------------

    private GgufType type(String field) throws GgufFormatException {
        int id = u32(field);
        GgufType t = GgufType.byId(id & 0xffffffffL);
        if (t == null) {
            throw error(field, "unknown metadata value type " + Integer.toUnsignedString(id) + " (valid: 0 to 12)");
        }
        return t;
    }

    /** A uint64 count of items that each take at least {@code minBytes}: checked against what is left. */
    private long count(String field, int minBytes) throws GgufFormatException {
        long n = u64(field);
        long left = size - pos;
        if (n < 0 || n > left / minBytes || n > Integer.MAX_VALUE - 8) { // Java arrays and lists stop at 2^31
            throw error(field, Long.toUnsignedString(n) + " items need at least " + minBytes + " bytes each, but only "
                    + left + " bytes are left in the file");
        }
        return n;
    }

    private String string(String field) throws GgufFormatException {
        return string(field, -1);
    }

    /** A GGUF string; {@code index} ≥ 0 names the array element being read. */
    private String string(String field, int index) throws GgufFormatException {
        String f = index < 0 ? field : field + " element #" + index;
        long n = u64(f + " string length");
        long left = size - pos;
        if (n < 0 || n > left) {
            throw error(f + " string length", "length " + Long.toUnsignedString(n) + " exceeds the " + left + " bytes left in the file");
        }
        int len = (int) n;
        if (buf.length < len) {
            buf = new byte[Math.max(len, 2 * buf.length)];
        }
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, buf, 0, len);
        boolean ascii = true;
        for (int i = 0; i < len && ascii; i++) {
            ascii = buf[i] >= 0;
        }
        String s;
        if (ascii) {
            s = new String(buf, 0, len, StandardCharsets.ISO_8859_1);
        } else {
            try {
                s = utf8.decode(ByteBuffer.wrap(buf, 0, len)).toString();
            } catch (CharacterCodingException e) {
                throw error(f, "invalid UTF-8 in the " + len + " bytes at offset " + pos + " (" + hex(pos, Math.min(len, 16)) + ")");
            }
        }
        pos += len;
        return s;
    }

    private boolean bool(String field) throws GgufFormatException {
        return bool(field, -1);
    }

    private boolean bool(String field, int index) throws GgufFormatException {
        String f = index < 0 ? field : field + " element #" + index;
        byte b = u8(f);
        if (b != 0 && b != 1) {
            throw error(f, "a BOOL must be 0 or 1, found " + (b & 0xff));
        }
        return b == 1;
    }

    private byte u8(String field) throws GgufFormatException {
        need(1, field);
        return seg.get(ValueLayout.JAVA_BYTE, pos++);
    }

    private short i16(String field) throws GgufFormatException {
        need(2, field);
        short v = seg.get(I16, pos);
        pos += 2;
        return v;
    }

    private int u32(String field) throws GgufFormatException {
        need(4, field);
        int v = seg.get(I32, pos);
        pos += 4;
        return v;
    }

    private long u64(String field) throws GgufFormatException {
        need(8, field);
        long v = seg.get(I64, pos);
        pos += 8;
        return v;
    }

    private void need(long n, String field) throws GgufFormatException {
        if (n > size - pos) {
            throw error(field, "file truncated: needs " + n + " bytes at offset " + pos + ", but the file ends at " + size);
        }
    }

    private GgufFormatException error(String field, String problem) {
        return new GgufFormatException(path, field, problem);
    }

    private String hex(long at, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n && at + i < size; i++) {
            sb.append(i == 0 ? "" : " ").append(String.format("%02x", seg.get(ValueLayout.JAVA_BYTE, at + i) & 0xff));
        }
        return sb.toString();
    }

    static long alignUp(long v, long alignment) {
        return (v + alignment - 1) / alignment * alignment;
    }
}
