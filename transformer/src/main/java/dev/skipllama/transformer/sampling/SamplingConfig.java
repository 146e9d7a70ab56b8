package dev.skipllama.transformer.sampling;

/**
 * How the next token is chosen from the logits. Filters apply in llama.cpp's order: repetition
 * penalty, top-k, then temperature, top-p, min-p.
 *
 * @param temperature       0 means greedy (argmax); otherwise logits are divided by it
 * @param topK              keep the k most likely tokens (0 = off)
 * @param topP              keep the smallest set whose probability reaches p (1 = off)
 * @param minP              drop tokens below minP × the top probability (0 = off)
 * @param repetitionPenalty CTRL-style penalty (Keskar et al. 2019) on tokens already in the window (1 = off)
 * @param penaltyWindow     how many recent tokens the penalty looks at
 * @param seed              random seed: the same seed and inputs give the same tokens
 */
public record SamplingConfig(float temperature, int topK, float topP, float minP, float repetitionPenalty,
                             int penaltyWindow, long seed) {

    public static final SamplingConfig GREEDY = new SamplingConfig(0f, 0, 1f, 0f, 1f, 64, 0);

    public SamplingConfig {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK must be >= 0, got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        }
        if (!(minP >= 0 && minP < 1)) {
            throw new IllegalArgumentException("minP must be in [0, 1), got " + minP);
        }
        if (!(repetitionPenalty > 0)) {
            throw new IllegalArgumentException("repetitionPenalty must be > 0, got " + repetitionPenalty);
        }
        if (penaltyWindow < 0) {
            throw new IllegalArgumentException("penaltyWindow must be >= 0, got " + penaltyWindow);
        }
    }

    /** Temperature sampling with llama.cpp's common defaults (top-k 40, top-p 0.95, min-p 0.05). */
    public static SamplingConfig sample(float temperature, long seed) {
        return new SamplingConfig(temperature, 40, 0.95f, 0.05f, 1f, 64, seed);
    }

    public boolean greedy() {
        return temperature == 0f;
    }
}
