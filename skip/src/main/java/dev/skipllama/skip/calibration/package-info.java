/**
 * Calibration: per-layer and per-sublayer input/output cosine statistics of the full model on token
 * sequences, measured once and consumed by the static planners.
 */
package dev.skipllama.skip.calibration;
