package dev.skipllama.tensor;

/**
 * Element types of tensors, with GGUF's exact storage layouts so that weights in a GGUF file can be
 * used where they lie.
 *
 * <p>Block-quantized types store {@link #blockSize()} elements in {@link #blockBytes()} bytes; a row
 * of a quantized tensor must therefore have a length that is a multiple of the block size (GGUF
 * imposes the same rule). Layouts (all little-endian, as in ggml's {@code ggml-common.h}):
 * <ul>
 *   <li>{@code Q8_0}: {@code f16 d; int8 qs[32]} — value {@code i} is {@code d * qs[i]}.</li>
 *   <li>{@code Q4_0}: {@code f16 d; uint8 qs[16]} — value {@code i < 16} is
 *       {@code d * ((qs[i] & 0xF) - 8)} and value {@code i + 16} is {@code d * ((qs[i] >> 4) - 8)}.</li>
 *   <li>{@code Q4_1}: {@code f16 d; f16 m; uint8 qs[16]} — value {@code i < 16} is {@code d * (qs[i] & 0xF) + m},
 *       value {@code i + 16} is {@code d * (qs[i] >> 4) + m}.</li>
 *   <li>{@code Q5_0}: {@code f16 d; uint8 qh[4]; uint8 qs[16]} — like Q4_0 with a fifth bit: value {@code i} is
 *       {@code d * ((nibble | bit i of qh << 4) - 16)} (qh read as a little-endian uint32; the nibbles as in Q4_0).</li>
 *   <li>{@code Q4_K}: 256-element super-blocks of 8 sub-blocks of 32,
 *       {@code f16 d; f16 dmin; uint8 scales[12]; uint8 qs[128]} — the 12 bytes pack a 6-bit scale
 *       {@code sc[j]} and 6-bit min {@code m[j]} per sub-block (ggml's {@code get_scale_min_k4}); value
 *       {@code 64c + l} ({@code l < 32}) is {@code (d·sc[2c])·(qs[32c+l] & 0xF) − dmin·m[2c]} and value
 *       {@code 64c + 32 + l} is {@code (d·sc[2c+1])·(qs[32c+l] >> 4) − dmin·m[2c+1]}.</li>
 *   <li>{@code Q5_K}: 256-element super-blocks, {@code f16 d; f16 dmin; uint8 scales[12]; uint8 qh[32]; uint8 qs[128]}
 *       — Q4_K with a fifth bit: value {@code 64c + l} takes bit {@code 2c} of {@code qh[l]} and value
 *       {@code 64c + 32 + l} bit {@code 2c + 1}, each worth 16.</li>
 *   <li>{@code Q6_K}: 256-element super-blocks, {@code uint8 ql[128]; uint8 qh[64]; int8 scales[16]; f16 d}
 *       — 6-bit quants from a low nibble in {@code ql} and two high bits in {@code qh}, minus 32; value
 *       {@code v} is {@code (d·scales[v/16])·q[v]} (see {@link Dequantize} for the bit positions).</li>
 * </ul>
 */
public enum DType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q4_1(3, 32, 20),
    Q5_0(6, 32, 22),
    Q8_0(8, 32, 34),
    Q4_K(12, 256, 144),
    Q5_K(13, 256, 176),
    Q6_K(14, 256, 210),
    BF16(30, 1, 2);

    private final int ggmlType;
    private final int blockSize;
    private final int blockBytes;

    DType(int ggmlType, int blockSize, int blockBytes) {
        this.ggmlType = ggmlType;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    /** The {@code ggml_type} id GGUF files use for this type. */
    public int ggmlType() {
        return ggmlType;
    }

    /** Elements per block: 1 for plain floating-point types. */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block. */
    public int blockBytes() {
        return blockBytes;
    }

    public boolean isQuantized() {
        return blockSize > 1;
    }

    /** Bytes taken by {@code elements} elements; they must fill whole blocks. */
    public long byteSize(long elements) {
        if (elements < 0) {
            throw new IllegalArgumentException(this + ": negative element count " + elements);
        }
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(this + " stores elements in blocks of " + blockSize
                    + ", but " + elements + " elements is not a multiple of " + blockSize);
        }
        return Math.multiplyExact(elements / blockSize, (long) blockBytes);
    }

    /** The type with the given {@code ggml_type} id, or an exception naming the unsupported type. */
    public static DType fromGgmlType(int ggmlType) {
        for (DType t : values()) {
            if (t.ggmlType == ggmlType) {
                return t;
            }
        }
        throw new IllegalArgumentException("unsupported ggml tensor type " + ggmlType + " ("
                + ggmlTypeName(ggmlType) + "); supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q4_K, Q5_K, Q6_K");
    }

    /** ggml's name for a type id, including the ones we do not support, for error messages. */
    public static String ggmlTypeName(int ggmlType) {
        String[] names = {"F32", "F16", "Q4_0", "Q4_1", "Q4_2 (removed)", "Q4_3 (removed)", "Q5_0", "Q5_1",
                "Q8_0", "Q8_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K", "IQ2_XXS", "IQ2_XS",
                "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S", "IQ2_S", "IQ4_XS", "I8", "I16", "I32", "I64",
                "F64", "IQ1_M", "BF16"};
        return ggmlType >= 0 && ggmlType < names.length ? names[ggmlType] : "unknown";
    }
}
