package dev.skipllama.transformer.llama;

import dev.skipllama.tensor.RopeLayout;

/**
 * The hyper-parameters of a Llama-architecture decoder (Touvron et al. 2023; Llama 3 adds rope scaling).
 *
 * @param dim            model width (hidden_size / llama.embedding_length)
 * @param ffnDim         SwiGLU hidden width (intermediate_size / llama.feed_forward_length)
 * @param layers         number of decoder layers
 * @param heads          query heads
 * @param kvHeads        key/value heads (grouped-query attention when fewer than {@code heads})
 * @param headDim        per-head width (usually dim / heads, but any value is allowed)
 * @param vocabSize      rows of the embedding and LM head
 * @param contextLength  longest sequence the model was trained for
 * @param rmsEps         RMSNorm epsilon
 * @param ropeTheta      RoPE base
 * @param ropeScaling    Llama-3.1 frequency scaling, or null
 * @param ropeLayout     how q/k dimensions are paired: HF checkpoints use HALF_SPLIT, GGUF files INTERLEAVED
 */
public record LlamaConfig(int dim, int ffnDim, int layers, int heads, int kvHeads, int headDim, int vocabSize,
                          int contextLength, float rmsEps, float ropeTheta, RopeScaling ropeScaling,
                          RopeLayout ropeLayout) {

    public LlamaConfig {
        require(dim > 0, "dim must be positive, got " + dim);
        require(ffnDim > 0, "ffnDim must be positive, got " + ffnDim);
        require(layers > 0, "layers must be positive, got " + layers);
        require(heads > 0 && kvHeads > 0 && heads % kvHeads == 0,
                "heads (" + heads + ") must be a positive multiple of kvHeads (" + kvHeads + ")");
        require(headDim > 0 && headDim % 2 == 0, "headDim must be positive and even, got " + headDim);
        require(vocabSize > 0, "vocabSize must be positive, got " + vocabSize);
        require(contextLength > 0, "contextLength must be positive, got " + contextLength);
        // finite too: an infinite epsilon or RoPE base runs without error and yields NaN logits
        require(rmsEps > 0 && Float.isFinite(rmsEps), "rmsEps must be finite and positive, got " + rmsEps);
        require(ropeTheta > 0 && Float.isFinite(ropeTheta), "ropeTheta must be finite and positive, got " + ropeTheta);
        require(ropeLayout != null, "ropeLayout is required");
    }

    /** Width of the concatenated query heads. */
    public int qDim() {
        return heads * headDim;
    }

    /** Width of the concatenated key (or value) heads. */
    public int kvDim() {
        return kvHeads * headDim;
    }

    /**
     * RoPE inverse frequencies {@code θ^(-2i/headDim)} for each of the headDim/2 rotated pairs, with
     * Llama-3.1 scaling applied when configured (as HF's {@code _compute_llama3_parameters}).
     */
    public float[] ropeInverseFrequencies() {
        float[] inv = new float[headDim / 2];
        for (int i = 0; i < inv.length; i++) {
            // HF computes the exponent and the power in float32; so do we.
            float exponent = (float) (2 * i) / headDim;
            inv[i] = 1.0f / (float) Math.pow(ropeTheta, exponent);
        }
        return ropeScaling == null ? inv : ropeScaling.apply(inv);
    }

    public LlamaConfig withRopeLayout(RopeLayout layout) {
        return new LlamaConfig(dim, ffnDim, layers, heads, kvHeads, headDim, vocabSize, contextLength, rmsEps,
                ropeTheta, ropeScaling, layout);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("invalid Llama config: " + message);
        }
    }

    /**
     * Llama-3.1 "llama3" rope scaling: long wavelengths slowed by {@code factor}, smoothly blended.
     * GGUF files carry the result instead, as per-frequency divisors ({@code rope_freqs.weight});
     * {@link #divisors} holds those when present and then takes precedence.
     */
    public record RopeScaling(float factor, float lowFreqFactor, float highFreqFactor, int originalContextLength,
                              float[] divisors) {

        public RopeScaling(float factor, float lowFreqFactor, float highFreqFactor, int originalContextLength) {
            this(factor, lowFreqFactor, highFreqFactor, originalContextLength, null);
        }

        /** Scaling given directly as one divisor per rotated pair (llama.cpp's rope_freqs tensor). */
        public static RopeScaling ofDivisors(float[] divisors) {
            return new RopeScaling(1f, 1f, 1f, 1, divisors.clone());
        }

        float[] apply(float[] inv) {
            if (divisors != null) {
                if (divisors.length != inv.length) {
                    throw new IllegalArgumentException("rope frequency divisors: expected " + inv.length + ", found " + divisors.length);
                }
                float[] out = new float[inv.length];
                for (int i = 0; i < inv.length; i++) {
                    out[i] = inv[i] / divisors[i];
                }
                return out;
            }
            double lowWavelen = originalContextLength / lowFreqFactor;
            double highWavelen = originalContextLength / highFreqFactor;
            float[] out = new float[inv.length];
            for (int i = 0; i < inv.length; i++) {
                double wavelen = 2 * Math.PI / inv[i];
                if (wavelen < highWavelen) {
                    out[i] = inv[i];
                } else if (wavelen > lowWavelen) {
                    out[i] = inv[i] / factor;
                } else {
                    double smooth = (originalContextLength / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                    out[i] = (float) ((1 - smooth) * inv[i] / factor + smooth * inv[i]);
                }
            }
            return out;
        }
    }
}
