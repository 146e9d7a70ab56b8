package dev.skipllama.transformer.gguf;

/**
 * The 13 metadata value types of GGUF ({@code gguf_type} in llama.cpp), with their on-disk ids.
 * How they appear in Java is described on {@link GgufFile}.
 */
public enum GgufType {
    UINT8(0, 1),
    INT8(1, 1),
    UINT16(2, 2),
    INT16(3, 2),
    UINT32(4, 4),
    INT32(5, 4),
    FLOAT32(6, 4),
    BOOL(7, 1),
    /** {@code uint64 length; uint8 utf8[length]} (no terminator). */
    STRING(8, 8),
    /** {@code uint32 elementType; uint64 count; element[count]}; elements may themselves be arrays. */
    ARRAY(9, 12),
    UINT64(10, 8),
    INT64(11, 8),
    FLOAT64(12, 8);

    private static final GgufType[] BY_ID = values();

    private final int id;
    private final int minBytes;

    GgufType(int id, int minBytes) {
        this.id = id;
        this.minBytes = minBytes;
    }

    /** The id stored in the file. */
    public int id() {
        return id;
    }

    /**
     * The fewest bytes one value of this type takes in a file: its size for fixed-size types, the
     * length prefix for strings, the element type and count for arrays. Counts read from a file are
     * checked against this before anything is allocated.
     */
    int minBytes() {
        return minBytes;
    }

    /** Whether Java sees this type as a {@code Long}. */
    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    /** The type with this id, or null when the id is not a GGUF value type. */
    static GgufType byId(long id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
    }
}
