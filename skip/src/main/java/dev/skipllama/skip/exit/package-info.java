/**
 * Early exit: stop after a fixed layer (LayerSkip §4.1) or when the shared head is confident
 * (CALM §3.5), applying the final norm + LM head to an intermediate hidden state.
 */
package dev.skipllama.skip.exit;
