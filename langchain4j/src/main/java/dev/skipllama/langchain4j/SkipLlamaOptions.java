package dev.skipllama.langchain4j;

import dev.skipllama.tensor.DType;
import dev.skipllama.transformer.llama.KvCache;
import java.util.List;

/**
 * How the chat models generate unless a request says otherwise (a {@code ChatRequest}'s temperature,
 * top-p, top-k, max output tokens and stop sequences override these).
 *
 * @param maxTokens      new tokens per answer at most
 * @param temperature    0 = greedy
 * @param topP           nucleus sampling (1 = off)
 * @param topK           the K most likely tokens (0 = all)
 * @param minP           drop tokens below minP × the top probability (0 = off)
 * @param repeatPenalty  1 = off
 * @param seed           sampling seed: the same seed, messages and options give the same answer
 * @param skip           a layer-skipping spec ({@code exit:6}, {@code d3:0.98}, … any {@code --skip}), or null
 * @param speculateExit  self-speculative decoding's draft depth E (0 = off)
 * @param speculateDraft tokens drafted per round d
 * @param stop           texts that end an answer
 * @param context        KV positions per conversation, at most the model's context (0 = the model's)
 * @param kvType         the KV cache's element type: F32, or F16 (half the memory, llama.cpp's arithmetic)
 */
record SkipLlamaOptions(int maxTokens, double temperature, double topP, int topK, double minP, double repeatPenalty,
                               long seed, String skip, int speculateExit, int speculateDraft, List<String> stop, int context,
                               DType kvType) {
    public SkipLlamaOptions {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be at least 1, got " + maxTokens);
        }
        if (skip != null && speculateExit > 0) {
            throw new IllegalArgumentException("skip (" + skip + ") and speculation (E=" + speculateExit + ") cannot be combined");
        }
        if (speculateExit < 0 || speculateExit > 0 && (speculateDraft < 1 || speculateDraft > 32)) {
            throw new IllegalArgumentException("speculation needs E >= 1 and 1 <= d <= 32, got E=" + speculateExit + " d=" + speculateDraft);
        }
        if (context < 0) {
            throw new IllegalArgumentException("context must be >= 0, got " + context);
        }
        stop = List.copyOf(stop);
        KvCache.requireType(kvType);
    }

    /** 256 tokens, greedy, the full model, the model's context, an F32 KV cache. */
    static SkipLlamaOptions defaults() {
        return new SkipLlamaOptions(256, 0, 0.95, 40, 0.05, 1, 42, null, 0, 0, List.of(), 0, DType.F32);
    }
}
