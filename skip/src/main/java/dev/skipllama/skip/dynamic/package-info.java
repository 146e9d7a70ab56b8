/**
 * Dynamic skipping decided as tokens flow: SkipDecode (upper layers, a start layer that never
 * decreases), D³ (position-aware depth decay) and AdaSkip / FFN-SkipLLM style similarity-based
 * sublayer skipping.
 */
package dev.skipllama.skip.dynamic;
