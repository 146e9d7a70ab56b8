/**
 * Hugging Face safetensors: {@link dev.skipllama.transformer.safetensors.SafetensorsFile} memory-maps
 * and validates one file, {@link dev.skipllama.transformer.safetensors.SafetensorsCheckpoint} opens a
 * single-file or sharded checkpoint, {@link dev.skipllama.transformer.safetensors.SafetensorsWriter}
 * writes small files (tests, exports).
 */
package dev.skipllama.transformer.safetensors;
