/**
 * Model files (GGUF, safetensors), tokenizers, the Llama decoder, KV cache, sampling and generation,
 * built on the {@code dev.skipllama.tensor} runtime.
 */
package dev.skipllama.transformer;
