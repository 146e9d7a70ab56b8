package dev.skipllama.transformer.generate;

/**
 * What a generation cost.
 *
 * @param promptTokens     prompt tokens processed (a prefix already in the KV cache from the previous
 *                         call, as in a chat, is reused and not counted)
 * @param generatedTokens  tokens produced
 * @param prefillNanos     time to process the prompt and pick the first token
 * @param decodeNanos      time for the remaining tokens
 * @param layerRows        decoder-layer evaluations, one per layer per token row it ran on (a full
 *                         forward over n tokens is n·L); skipped layers are not counted
 * @param draftedTokens    tokens proposed by a draft (0 without speculation)
 * @param acceptedTokens   drafted tokens the full model accepted
 * @param verifyPasses     batched verification passes
 */
public record DecodeStats(int promptTokens, int generatedTokens, long prefillNanos, long decodeNanos,
                          long layerRows, long draftedTokens, long acceptedTokens, long verifyPasses) {

    /** Generation speed after the first token, in tokens per second. */
    public double decodeTokensPerSecond() {
        return generatedTokens <= 1 || decodeNanos == 0 ? 0 : (generatedTokens - 1) / (decodeNanos / 1e9);
    }

    /** Prompt processing speed, tokens per second. */
    public double prefillTokensPerSecond() {
        return prefillNanos == 0 ? 0 : promptTokens / (prefillNanos / 1e9);
    }

    /** Fraction of drafted tokens accepted. */
    public double acceptanceRate() {
        return draftedTokens == 0 ? 0 : (double) acceptedTokens / draftedTokens;
    }

    /** Mean decoder layers run per generated token (excluding the prompt). */
    public double layersPerToken(int promptLayerRows) {
        return generatedTokens == 0 ? 0 : (double) (layerRows - promptLayerRows) / generatedTokens;
    }
}
