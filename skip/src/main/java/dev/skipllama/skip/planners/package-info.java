/**
 * Static planners, each a paper's rule for which layers or sublayers to remove: ShortGPT (Block
 * Influence), Reassessing Layer Pruning (last 25%), Unified Layer Skipping (balanced subset for a
 * target speed-up), What Matters in Transformers (attention drop), FFN-SkipLLM (static FFN drop).
 */
package dev.skipllama.skip.planners;
