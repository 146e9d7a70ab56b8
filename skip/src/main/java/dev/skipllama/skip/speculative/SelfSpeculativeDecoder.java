package dev.skipllama.skip.speculative;

import dev.skipllama.tensor.Tensor;
import dev.skipllama.transformer.generate.DecodeStats;
import dev.skipllama.transformer.generate.StandardDecoder;
import dev.skipllama.transformer.generate.TokenDecoder;
import dev.skipllama.transformer.generate.TokenSink;
import dev.skipllama.transformer.llama.ContextOverflowException;
import dev.skipllama.transformer.llama.ForwardHooks;
import dev.skipllama.transformer.llama.KvCache;
import dev.skipllama.transformer.llama.Llama;
import dev.skipllama.transformer.llama.NonFinite;
import dev.skipllama.transformer.llama.Workspace;
import dev.skipllama.transformer.sampling.Sampler;
import dev.skipllama.transformer.sampling.SamplingConfig;
import java.util.Arrays;

/**
 * Self-speculative decoding as in LayerSkip (Elhoushi et al. 2024, §4.2): the first {@code E}
 * layers and the shared LM head draft tokens; the remaining layers verify them in one batched pass.
 *
 * <p>Nothing is computed twice. Drafting writes the KV rows of layers {@code [0, E)} and keeps each
 * token's hidden state after layer E (the "exit query cache"); verification starts from those
 * states, runs only layers {@code [E, L)} over all drafted positions at once and writes their KV
 * rows. Rejected positions are dropped by rolling the cache length back; their stale rows are
 * overwritten by the next draft.
 *
 * <p>One round with draft length d, from the last accepted token c at position p:
 * <pre>
 *   draft:  for i in 0..d: run c_i through layers [0, E) at p+i, keep h_i;   (c_0 = c)
 *           for i &lt; d also x_{i+1} ~ q_i = head(h_i), c_{i+1} = x_{i+1}
 *   verify: layers [E, L) on h_0..h_d at positions p..p+d, in one pass → p_1..p_{d+1}
 *   accept: greedy — the longest prefix with x_i = argmax p_i, then argmax p_{k+1};
 *           sampling — x_i with probability min(1, p_i(x_i)/q_i(x_i)), else a token from
 *           norm(max(0, p_i − q_i)) and stop; if all d pass, a token from p_{d+1}
 * </pre>
 * With greedy settings the output is token-for-token the full model's greedy output: the CPU
 * kernels are batch-invariant, so verifying a batch gives the same logits as decoding one by one.
 * With sampling, every emitted token is distributed as the full model's (Leviathan et al. 2023).
 *
 * <p>With {@code adaptive}, d grows by one after a fully accepted round and shrinks to the accepted
 * length plus one after a rejection, within {@code [1, maxDraft]}.
 */
public final class SelfSpeculativeDecoder implements TokenDecoder {
    private static final ForwardHooks PARTIAL = new ForwardHooks() {
        @Override
        public boolean fillSkippedKv(int layer) {
            return false; // the other half of the layers writes these rows itself
        }
    };

    private final Llama model;
    private final int exitLayer;
    private final int maxDraft;
    private final boolean adaptive;
    private final SamplingConfig sampling;
    private final KvCache cache;
    private final Workspace draftWs;
    private final Workspace verifyWs;
    private final float[][] exitStates;

    public SelfSpeculativeDecoder(Llama model, int exitLayer, int draftLength, boolean adaptive,
                                  SamplingConfig sampling, int contextCapacity) {
        int layers = model.config().layers();
        if (exitLayer < 1 || exitLayer >= layers) {
            throw new IllegalArgumentException("exit layer must be in [1, " + (layers - 1) + "] for a " + layers
                    + "-layer model, got " + exitLayer);
        }
        if (draftLength < 1) {
            throw new IllegalArgumentException("draft length must be at least 1, got " + draftLength);
        }
        this.model = model;
        this.exitLayer = exitLayer;
        this.maxDraft = draftLength;
        this.adaptive = adaptive;
        this.sampling = sampling;
        this.cache = model.kvCache(contextCapacity);
        this.draftWs = model.workspace(StandardDecoder.PREFILL_CHUNK, 1);
        this.verifyWs = model.workspace(draftLength + 1, draftLength + 1);
        this.exitStates = new float[draftLength + 1][model.config().dim()];
    }

    @Override
    public DecodeStats generate(int[] prompt, int maxNewTokens, TokenSink sink) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt must hold at least one token (usually BOS)");
        }
        if (prompt.length + maxNewTokens + maxDraft > cache.capacity()) {
            throw new ContextOverflowException(prompt.length, maxNewTokens + maxDraft, cache.capacity());
        }
        int layers = model.config().layers(), vocab = model.config().vocabSize();
        cache.truncate(0);
        Sampler sampler = new Sampler(sampling);
        int[] history = Arrays.copyOf(prompt, prompt.length + maxNewTokens + maxDraft + 1);
        int len = prompt.length;
        long layerRows = 0, drafted = 0, accepted = 0, verifies = 0;

        long t0 = System.nanoTime();
        Tensor logits = null;
        for (int from = 0; from < prompt.length; from += StandardDecoder.PREFILL_CHUNK) {
            int[] chunk = Arrays.copyOfRange(prompt, from, Math.min(prompt.length, from + StandardDecoder.PREFILL_CHUNK));
            logits = model.forward(chunk, cache, draftWs, ForwardHooks.FULL, 1);
            layerRows += (long) chunk.length * layers;
        }
        float[] row = new float[vocab];
        logits.copyTo(row);
        NonFinite.requireFinite(row, prompt.length - 1, null); // a corrupt model: an error, not token 0 forever
        int next = sampler.sample(row, history, len);
        long t1 = System.nanoTime();
        int generated = 0;
        boolean go = true;

        float[][] q = new float[maxDraft][vocab];
        float[] p = new float[vocab];
        int[] draft = new int[maxDraft + 1];
        int d = maxDraft;
        while (go) {
            history[len++] = next;
            generated++;
            if (!sink.accept(next, layers) || generated >= maxNewTokens) { // first token, corrections and bonus tokens: the full model's
                break;
            }
            int pos = cache.length();
            int round = Math.min(d, maxNewTokens - generated);
            // Draft: c_0 = next, then round more tokens from the early exit; c_round only gets its state.
            draft[0] = next;
            for (int i = 0; i <= round; i++) {
                if (i > 0) {
                    history[len + i - 1] = draft[i]; // the context of q_i: accepted tokens, then x_1..x_i
                }
                model.embed(new int[]{draft[i]}, draftWs);
                model.layers(draftWs, cache, pos + i, 1, 0, exitLayer, PARTIAL);
                draftWs.readHidden(1, exitStates[i]);
                layerRows += exitLayer;
                if (i < round) {
                    model.head(draftWs, 0, 1).copyTo(row);
                    NonFinite.requireFinite(row, pos + i, null);
                    sampler.probabilities(row, history, len + i, q[i]);
                    draft[i + 1] = sampling.greedy() ? Sampler.argmax(q[i], vocab) : sampler.draw(q[i], vocab);
                }
            }
            drafted += round;
            // Verify: layers [E, L) over all round+1 states at once.
            for (int i = 0; i <= round; i++) {
                model.backend().write(exitStates[i], verifyWs.hidden(round + 1).row(i));
            }
            model.layers(verifyWs, cache, pos, round + 1, exitLayer, layers, PARTIAL);
            layerRows += (long) (round + 1) * (layers - exitLayer);
            verifies++;
            Tensor verified = model.head(verifyWs, 0, round + 1);
            // Accept.
            int k = 0;
            int correction = -1;
            for (; k < round; k++) {
                verified.row(k).copyTo(row);
                NonFinite.requireFinite(row, pos + k, null);
                sampler.probabilities(row, history, len + k, p);
                int x = draft[k + 1];
                if (sampling.greedy()) {
                    if (p[x] == 1f) {
                        continue;
                    }
                    correction = Sampler.argmax(p, vocab);
                    break;
                }
                if (sampler.uniform() < Math.min(1.0, p[x] / (double) q[k][x])) {
                    continue;
                }
                correction = residualDraw(sampler, p, q[k], vocab);
                break;
            }
            if (correction < 0) { // all accepted: the bonus token from the last verified row
                verified.row(round).copyTo(row);
                NonFinite.requireFinite(row, pos + round, null);
                correction = sampler.sample(row, history, len + round);
            }
            accepted += k;
            cache.setLength(pos + k + 1);
            for (int i = 1; i <= k && go; i++) {
                history[len++] = draft[i];
                generated++;
                go = sink.accept(draft[i], exitLayer) && generated < maxNewTokens; // predicted by the early exit, confirmed by the rest
            }
            next = correction;
            if (adaptive) {
                d = k == round ? Math.min(maxDraft, d + 1) : Math.max(1, k + 1);
            }
        }
        long t2 = System.nanoTime();
        return new DecodeStats(prompt.length, generated, t1 - t0, t2 - t1, layerRows, drafted, accepted, verifies);
    }

    /** A token from norm(max(0, p − q)), the residual that makes speculative sampling exact. */
    private static int residualDraw(Sampler sampler, float[] p, float[] q, int n) {
        float[] r = new float[n];
        boolean any = false;
        for (int i = 0; i < n; i++) {
            r[i] = Math.max(0f, p[i] - q[i]);
            any |= r[i] > 0;
        }
        return any ? sampler.draw(r, n) : sampler.draw(p, n);
    }

    public int exitLayer() {
        return exitLayer;
    }

    @Override
    public long kvCacheBytes() {
        return cache.byteSize();
    }

    @Override
    public long workspaceBytes() {
        return draftWs.byteSize() + verifyWs.byteSize();
    }

    @Override
    public void close() {
        cache.close();
        draftWs.close();
        verifyWs.close();
    }
}
