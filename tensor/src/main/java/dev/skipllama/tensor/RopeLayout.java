package dev.skipllama.tensor;

/**
 * Which pairs of a head's dimensions RoPE rotates together (Su et al. 2021, eq. 34).
 * Both layouts compute the same attention once the q/k projection rows are permuted to match;
 * llama.cpp's converter does that permutation when it writes a GGUF from a Hugging Face checkpoint.
 */
public enum RopeLayout {
    /** Pairs {@code (2i, 2i+1)}: Meta's original code and GGUF files of Llama models. */
    INTERLEAVED,
    /** Pairs {@code (i, i + n/2)}: Hugging Face {@code rotate_half} (and GPT-NeoX). */
    HALF_SPLIT
}
