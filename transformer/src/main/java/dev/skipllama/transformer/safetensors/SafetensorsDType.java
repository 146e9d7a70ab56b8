package dev.skipllama.transformer.safetensors;

import dev.skipllama.tensor.DType;

/**
 * The element types a safetensors header may name, with their sizes, so every tensor's byte range
 * can be validated even when we cannot compute with its type. Only F32, F16 and BF16 map to a
 * {@link DType}; model weights come in these.
 */
public enum SafetensorsDType {
    BOOL(1), U8(1), I8(1), F8_E5M2(1), F8_E4M3(1), I16(2), U16(2), F16(2), BF16(2), I32(4), U32(4), F32(4),
    F64(8), I64(8), U64(8);

    private final int bytes;

    SafetensorsDType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    /** The tensor runtime's type, or null when it has none. */
    public DType toDType() {
        return switch (this) {
            case F32 -> DType.F32;
            case F16 -> DType.F16;
            case BF16 -> DType.BF16;
            default -> null;
        };
    }

    /** The safetensors name of a runtime type; only F32, F16 and BF16 have one. */
    public static SafetensorsDType of(DType t) {
        return switch (t) {
            case F32 -> F32;
            case F16 -> F16;
            case BF16 -> BF16;
            default -> throw new IllegalArgumentException("safetensors has no " + t + " type; use F32, F16 or BF16");
        };
    }

    /** The type named {@code name}, or null. */
    static SafetensorsDType byName(String name) {
        for (SafetensorsDType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }
}
