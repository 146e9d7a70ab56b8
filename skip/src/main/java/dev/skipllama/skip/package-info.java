/**
 * Methods that do less work per token, all as policies over the one forward pass of
 * {@link dev.skipllama.transformer.llama.Llama} (through
 * {@link dev.skipllama.transformer.llama.ForwardHooks}): early exit, static and dynamic layer
 * skipping, and self-speculative decoding.
 */
package dev.skipllama.skip;
