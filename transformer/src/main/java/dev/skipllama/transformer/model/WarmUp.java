package dev.skipllama.transformer.model;

import dev.skipllama.tensor.DType;
import dev.skipllama.transformer.generate.DecodeStats;
import dev.skipllama.transformer.generate.StandardDecoder;
import dev.skipllama.transformer.generate.StepHooks;
import dev.skipllama.transformer.llama.Llama;
import dev.skipllama.transformer.sampling.SamplingConfig;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;

/**
 * Runs throwaway generations until the JIT has compiled what a forward pass needs, so that the first
 * real prompt and tokens run at compiled speed (llama.cpp likewise decodes an empty batch before its
 * first prompt, there to fault in the weights).
 *
 * <p>Why it is needed: the kernels are Vector API code, which only C2 turns into SIMD instructions;
 * interpreted or C1-compiled, every vector is an object and a forward is 10–50× slower. C2 compiles a
 * method after ~10⁴ calls or loop iterations, which a small model reaches only after dozens of
 * tokens: measured on the embedded model, a cold {@code generate} decoded 64 tokens at ~130 tok/s
 * against ~900 warmed up. A round is four short prompts of 5 to 8 tokens (the batched kernels and
 * attention over several rows; every remainder of the kernels' four-row tiles, since a batch of 5
 * rows runs its fifth through code that 4 + 3 rows never reach: warmed with 7-token prompts only,
 * the embedded model took 5- and 6-token prompts at 25–50 tok/s against 1,000+ for 7 and 8), one
 * of 24 tokens (the CPU backend's prompt kernels for quantized weights start there) and a few
 * decoded tokens (the one-row kernels); rounds repeat until two in a row passed with
 * the JIT compiling nothing (its total compilation time, from {@link CompilationMXBean}, unchanged),
 * or the time budget ends. Large models need one or two rounds: their loops are long enough that C2
 * compiles them during the first.
 *
 * @param rounds  rounds run
 * @param tokens  tokens processed in all (prompt and generated)
 * @param elapsed wall time spent
 * @param settled whether the JIT went quiet before the budget ended
 */
public record WarmUp(int rounds, int tokens, Duration elapsed, boolean settled) {

    /**
     * Prompt lengths of a round: one batched group of four rows and each remainder after it, as in short
     * prompts, and one of 24, where the CPU backend's prompt kernels for quantized weights take over.
     */
    static final int[] PROMPTS = {5, 6, 7, 8, 24};
    /** Generated tokens of a round. */
    static final int GENERATED = 8;
    /** Rounds in a row without compilation that count as settled. */
    static final int QUIET_ROUNDS = 2;

    static WarmUp run(Llama llama, Duration budget, DType kvType) {
        long start = System.nanoTime();
        long deadline = start + budget.toNanos();
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean monitored = jit != null && jit.isCompilationTimeMonitoringSupported();
        int vocab = llama.config().vocabSize();
        int context = llama.config().contextLength(); // a toy model's context may be shorter than a round
        int longest = Math.min(PROMPTS[PROMPTS.length - 1], Math.max(1, context / 2)), generated = Math.min(GENERATED, context - longest);
        int rounds = 0, tokens = 0, quiet = 0;
        if (generated < 1) {
            return new WarmUp(0, 0, Duration.ZERO, false);
        }
        try (StandardDecoder decoder = new StandardDecoder(llama, SamplingConfig.GREEDY, StepHooks.FULL, longest + generated, kvType)) {
            long compiled = monitored ? jit.getTotalCompilationTime() : 0;
            while (System.nanoTime() < deadline && quiet < QUIET_ROUNDS) {
                for (int k = 0; k < PROMPTS.length; k++) {
                    int length = Math.min(PROMPTS[k], longest);
                    int[] prompt = new int[length];
                    for (int i = 0; i < length; i++) { // a prompt unlike the last one, so no prefix of the KV cache is reused
                        prompt[i] = (int) (((rounds * PROMPTS.length + k) * 7919L + i * 104729L + 1) % vocab);
                    }
                    // the last prompt of a round goes on to decode; the others stop after their first token
                    DecodeStats s = decoder.generate(prompt, k == PROMPTS.length - 1 ? generated : 1, id -> true);
                    tokens += s.promptTokens() + s.generatedTokens();
                }
                rounds++;
                long now = monitored ? jit.getTotalCompilationTime() : compiled + 1;
                quiet = now == compiled ? quiet + 1 : 0;
                compiled = now;
            }
        }
        return new WarmUp(rounds, tokens, Duration.ofNanos(System.nanoTime() - start), quiet >= QUIET_ROUNDS);
    }
}
