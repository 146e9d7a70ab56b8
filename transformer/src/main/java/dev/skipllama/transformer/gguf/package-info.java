/**
 * GGUF, llama.cpp's model file format: {@link dev.skipllama.transformer.gguf.GgufFile} memory-maps and
 * validates a file (versions 2 and 3) and gives its metadata and tensors as views;
 * {@link dev.skipllama.transformer.gguf.GgufWriter} writes one. Malformed input is a
 * {@link dev.skipllama.transformer.gguf.GgufFormatException} naming the file, field and value.
 */
package dev.skipllama.transformer.gguf;
