/**
 * Static plans: one {@link dev.skipllama.transformer.llama.LayerAction} per layer, the same for every
 * token, stored as a small human-readable JSON file and applied as forward hooks.
 */
package dev.skipllama.skip.plan;
