package dev.skipllama.transformer.generate;

/** A way of producing tokens after a prompt: plain decoding, or self-speculative decoding in skip/. */
public interface TokenDecoder extends AutoCloseable {

    /**
     * Processes {@code prompt} and generates up to {@code maxNewTokens} tokens, handing each to
     * {@code sink} as soon as it is final; stops early when the sink returns false.
     */
    DecodeStats generate(int[] prompt, int maxNewTokens, TokenSink sink);

    /** Bytes of the decoder's KV cache (all positions it was sized for). */
    long kvCacheBytes();

    /** Bytes of its activation buffers (workspaces). */
    long workspaceBytes();

    @Override
    void close();
}
