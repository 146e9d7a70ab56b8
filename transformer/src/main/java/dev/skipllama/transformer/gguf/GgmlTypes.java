package dev.skipllama.transformer.gguf;

import dev.skipllama.tensor.DType;

/**
 * Block sizes of every tensor type ggml defines ({@code ggml_type_traits}: elements per block and
 * bytes per block), including the many we cannot compute with. Knowing their sizes lets a GGUF file
 * with such tensors still be validated and opened — for its metadata and tokenizer, say — and fail
 * only when one of those tensors is asked for.
 */
final class GgmlTypes {
    private GgmlTypes() {
    }

    private record Traits(String name, int blockSize, int blockBytes) {
    }

    private static final Traits[] TRAITS = new Traits[43];

    static {
        int k = 256; // QK_K
        def(0, "F32", 1, 4);
        def(1, "F16", 1, 2);
        def(2, "Q4_0", 32, 2 + 16);
        def(3, "Q4_1", 32, 2 + 2 + 16);
        def(6, "Q5_0", 32, 2 + 4 + 16);
        def(7, "Q5_1", 32, 2 + 2 + 4 + 16);
        def(8, "Q8_0", 32, 2 + 32);
        def(9, "Q8_1", 32, 2 + 2 + 32);
        def(10, "Q2_K", k, 2 + 2 + k / 16 + k / 4);
        def(11, "Q3_K", k, 2 + k / 4 + k / 8 + 12);
        def(12, "Q4_K", k, 2 + 2 + k / 2 + 12);
        def(13, "Q5_K", k, 2 + 2 + k / 2 + k / 8 + 12);
        def(14, "Q6_K", k, 2 + k / 2 + k / 4 + k / 16);
        def(15, "Q8_K", k, 4 + k + k / 8);
        def(16, "IQ2_XXS", k, 2 + k / 4);
        def(17, "IQ2_XS", k, 2 + k / 4 + k / 32);
        def(18, "IQ3_XXS", k, 2 + k / 4 + k / 8);
        def(19, "IQ1_S", k, 2 + k / 8 + k / 16);
        def(20, "IQ4_NL", 32, 2 + 16);
        def(21, "IQ3_S", k, 2 + k / 4 + k / 8 + k / 32 + 4);
        def(22, "IQ2_S", k, 2 + k / 4 + k / 16);
        def(23, "IQ4_XS", k, 2 + 2 + k / 2 + k / 64);
        def(24, "I8", 1, 1);
        def(25, "I16", 1, 2);
        def(26, "I32", 1, 4);
        def(27, "I64", 1, 8);
        def(28, "F64", 1, 8);
        def(29, "IQ1_M", k, k / 8 + k / 16 + k / 32);
        def(30, "BF16", 1, 2);
        def(34, "TQ1_0", k, 2 + 4 * 13);
        def(35, "TQ2_0", k, 2 + 64);
        def(39, "MXFP4", 32, 1 + 16);
        def(40, "NVFP4", 64, 4 + 32);
        def(41, "Q1_0", 128, 2 + 16);
        def(42, "Q2_0", 64, 2 + 16);
        for (DType t : DType.values()) { // our own dtypes must agree with ggml's table
            Traits g = TRAITS[t.ggmlType()];
            if (g == null || g.blockSize() != t.blockSize() || g.blockBytes() != t.blockBytes()) {
                throw new ExceptionInInitializerError("ggml type table disagrees with DType." + t);
            }
        }
    }

    private static void def(int id, String name, int blockSize, int blockBytes) {
        TRAITS[id] = new Traits(name, blockSize, blockBytes);
    }

    /** Whether ggml defines type {@code id}. */
    static boolean isKnown(long id) {
        return id >= 0 && id < TRAITS.length && TRAITS[(int) id] != null;
    }

    static String name(int id) {
        return isKnown(id) ? TRAITS[id].name() : "unknown";
    }

    static int blockSize(int id) {
        return TRAITS[id].blockSize();
    }

    static int blockBytes(int id) {
        return TRAITS[id].blockBytes();
    }
}
