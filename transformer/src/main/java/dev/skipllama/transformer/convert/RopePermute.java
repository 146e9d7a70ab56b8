package dev.skipllama.transformer.convert;

/**
 * llama.cpp's Q/K row permutation for Llama ({@code LlamaModel.permute} in convert_hf_to_gguf.py).
 * Hugging Face's rotary embedding pairs dimension {@code i} of a head with {@code i + headDim/2}
 * ("rotate half"); GGML's pairs {@code 2i} with {@code 2i + 1}. Reordering the rows of
 * {@code q_proj}/{@code k_proj} (within each head: reshape to {@code [2, headDim/2]}, transpose) makes
 * the projections produce the interleaved layout directly, so the attention scores are unchanged.
 */
public final class RopePermute {
    private RopePermute() {
    }

    /** The Hugging Face row that becomes GGUF row {@code row} of a projection with {@code headDim}-row heads. */
    public static int sourceRow(int row, int headDim) {
        int head = row / headDim, within = row % headDim;
        int pair = within / 2, half = within % 2; // GGUF row 2·pair + half of the head ...
        return head * headDim + half * (headDim / 2) + pair; // ... comes from HF row half·(headDim/2) + pair
    }
}
