/**
 * Model conversion: {@link dev.skipllama.transformer.convert.HfToGguf} turns a Hugging Face Llama
 * checkpoint into a GGUF file llama.cpp loads.
 */
package dev.skipllama.transformer.convert;
