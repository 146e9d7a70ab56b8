package dev.skipllama.skip.speculative;

import dev.skipllama.tensor.DType;
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
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Self-speculative decoding as in LayerSkip (Elhoushi et al. 2024, §4.2): the first {@code E}
 * layers and a draft head propose tokens; the remaining layers verify them in one batched pass.
 * A round reads as gpt-fast's {@code speculative_decode}:
 *
 * <pre>
 *   draft()   c_0 = the last token: for i in 0..d run c_i through layers [0, E) at p+i, keep its state h_i;
 *             for i &lt; d also x_{i+1} = the draft head's choice on h_i, c_{i+1} = x_{i+1}
 *   verify()  layers [E, L) and the full head over h_0..h_d at positions p..p+d: one batched pass
 *   accept()  greedy — the longest prefix with x_i = argmax p_i, then argmax p_{k+1}; sampling —
 *             x_i with probability min(1, p_i(x_i)/q_i(x_i)), else a token from norm(max(0, p_i − q_i))
 *             and stop; if all d pass, a token from p_{d+1}        → Verdict(accepted k, next token)
 * </pre>
 *
 * <p>Nothing is computed twice: drafting writes the KV rows of layers {@code [0, E)} and keeps each
 * token's state after layer E (the "exit query cache"); verification starts from those states and
 * writes the other layers' rows. Rejected positions are dropped by rolling the cache length back.
 * Verification allocates nothing and copies no vocabulary-sized row: greedy acceptance is one argmax
 * per row read in place.
 *
 * <p><b>The draft head</b> ({@code DraftHead}) scores only the {@link DraftVocabulary}'s N most
 * frequent tokens (FR-Spec); the full head verifies, so the output is the same, only the acceptance
 * and the price of a draft change.
 *
 * <p><b>Output.</b> With greedy settings it is token for token the full model's greedy output: the
 * CPU kernels are batch-invariant, so a verified row has the logits a one-row forward gives. With
 * sampling every emitted token is distributed as the full model's (Leviathan et al. 2023; q is
 * zero outside the draft's tokens, which the rule allows).
 *
 * <p><b>Context.</b> The decoder keeps within the capacity it is given, like full decoding: a round's
 * draft never extends past the token budget or the KV cache, and a repeated prompt prefix (a chat
 * turn) keeps its KV rows, which batch invariance makes equal to a fresh prefill's.
 *
 * <p><b>Schedule.</b> {@link Speculation#fixed} runs every round at its E and d; {@link Speculation#auto}
 * chooses them as it goes and decodes fully where drafts do not pay ({@code AutoSchedule}).
 */
public final class SelfSpeculativeDecoder implements TokenDecoder {
    private static final ForwardHooks PARTIAL = new ForwardHooks() {
        @Override
        public boolean fillSkippedKv(int layer) {
            return false; // the other half of the layers writes these rows itself
        }
    };

    /** What {@link #accept} decided: how many drafts the full model accepted, and the token after them. */
    record Verdict(int accepted, int next) {
    }

    /** What the last {@link #generate} did, for reports: rounds and full steps, their time, the settings rounds used. */
    public record Run(int rounds, int fullSteps, int probes, long roundNanos, long fullNanos, long exitLayerSum,
                      long draftSum, long acceptedSum, String schedule) {
        /** Mean exit layer of the rounds (0 without rounds). */
        public double meanExit() {
            return rounds == 0 ? 0 : (double) exitLayerSum / rounds;
        }

        /** Mean draft length of the rounds. */
        public double meanDrafts() {
            return rounds == 0 ? 0 : (double) draftSum / rounds;
        }

        /** Tokens per round: accepted drafts plus the full model's token. */
        public double tokensPerRound() {
            return rounds == 0 ? 0 : (double) (acceptedSum + rounds) / rounds;
        }
    }

    private final Llama model;
    private final Speculation speculation;
    private final SamplingConfig sampling;
    private final boolean plainGreedy; // argmax of the raw logits decides (no repetition penalty)
    private final int layers;
    private final int vocab;
    private final int maxDraft;
    private final KvCache cache;
    private final Workspace ws;       // prompt chunks, drafts and full steps
    private final Workspace verifyWs; // the d + 1 rows of a verification
    private final DraftHead draftHead;
    private final Schedule schedule;
    private final Schedule.Timing timing = new Schedule.Timing();
    private final int[] draft;        // c_0 = x_0, x_1 .. x_d
    private final int[] one = new int[1];
    private final float[] state;      // a hidden row, for device backends
    // Vocabulary-sized buffers, made on first use: only sampling, a repetition penalty or a non-finite row needs them.
    private float[] row;
    private float[] p;
    private float[] residual;
    private float[] scattered;        // the draft's logits over the whole vocabulary, −∞ outside its tokens
    private float[][] q;              // the draft distributions of a round

    private int[] cached = new int[0]; // the tokens whose KV rows the cache holds, in order
    private long layerRows;
    private long drafted;
    private long acceptedTotal;
    private int rounds;
    private int fullSteps;
    private int probes;
    private long roundNanos;
    private long fullNanos;
    private long exitSum;
    private Run lastRun;

    /**
     * @param speculation   exit layer and draft length, or auto, and the draft head; without a draft
     *                      vocabulary of its own, token ids rank the draft tokens (a {@code Session}
     *                      gives it the model tokenizer's ranking)
     * @param contextLength KV positions: prompt plus generated tokens, as for full decoding (at most the
     *                      model's context); the decoder needs no more
     */
    public SelfSpeculativeDecoder(Llama model, Speculation speculation, SamplingConfig sampling, int contextLength) {
        this(model, speculation, sampling, contextLength, DType.F32);
    }

    /** The same with a KV cache of {@code kvType} (F32 or F16, see {@code KvCache}). */
    public SelfSpeculativeDecoder(Llama model, Speculation speculation, SamplingConfig sampling, int contextLength, DType kvType) {
        int l = model.config().layers();
        if (!speculation.isAuto() && speculation.exitLayer() >= l) {
            throw new IllegalArgumentException("exit layer must be in [1, " + (l - 1) + "] for a " + l
                    + "-layer model, got " + speculation.exitLayer());
        }
        this.model = model;
        this.speculation = speculation;
        this.sampling = sampling;
        this.plainGreedy = sampling.greedy() && sampling.repetitionPenalty() == 1f;
        this.layers = l;
        this.vocab = model.config().vocabSize();
        this.maxDraft = speculation.draftLength();
        DraftVocabulary ranking = speculation.ranking(vocab);
        if (ranking.size() != vocab) {
            throw new IllegalArgumentException("the draft vocabulary ranks " + ranking.size() + " tokens, the model has " + vocab);
        }
        int n = speculation.draftTokens(vocab);
        this.schedule = speculation.isAuto() ? new AutoSchedule(l, maxDraft, n, vocab)
                : Schedule.fixed(speculation.exitLayer(), maxDraft);
        this.draft = new int[maxDraft + 1];
        this.state = new float[model.config().dim()];
        KvCache c = null;
        Workspace w = null, v = null;
        try {
            c = model.kvCache(contextLength, kvType);
            w = model.workspace(StandardDecoder.PREFILL_CHUNK, 1);
            v = model.workspace(maxDraft + 1, maxDraft + 1);
            this.draftHead = new DraftHead(model, n == vocab ? null : ranking.top(n));
        } catch (RuntimeException | Error e) {
            for (AutoCloseable r : new AutoCloseable[]{c, w, v}) {
                if (r != null) {
                    try {
                        r.close();
                    } catch (Exception ignored) {
                        // closing is best effort
                    }
                }
            }
            throw e;
        }
        this.cache = c;
        this.ws = w;
        this.verifyWs = v;
    }

    @Override
    public DecodeStats generate(int[] prompt, int maxNewTokens, TokenSink sink) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt must hold at least one token (usually BOS)");
        }
        if ((long) prompt.length + maxNewTokens > cache.capacity()) {
            throw new ContextOverflowException(prompt.length, maxNewTokens, cache.capacity());
        }
        int reused = reusablePrefix(prompt);
        cache.truncate(reused);
        cached = Arrays.copyOf(prompt, reused); // what the cache holds should this call fail part-way
        schedule.reset();
        layerRows = drafted = acceptedTotal = roundNanos = fullNanos = exitSum = 0;
        rounds = fullSteps = probes = 0;
        long draftSum = 0;
        Sampler sampler = new Sampler(sampling);
        int[] history = Arrays.copyOf(prompt, prompt.length + maxNewTokens);
        int len = prompt.length;

        long t0 = System.nanoTime();
        Tensor logits = null;
        for (int from = reused; from < prompt.length; from += StandardDecoder.PREFILL_CHUNK) {
            int[] chunk = Arrays.copyOfRange(prompt, from, Math.min(prompt.length, from + StandardDecoder.PREFILL_CHUNK));
            logits = model.forward(chunk, cache, ws, ForwardHooks.FULL, 1);
            layerRows += (long) chunk.length * layers;
        }
        int next = choose(logits, sampler, history, len, prompt.length - 1, null);
        long t1 = System.nanoTime();
        int generated = 0;
        while (true) {
            history[len++] = next;
            generated++;
            if (!sink.accept(next, layers) || generated >= maxNewTokens) { // the full model's token
                break;
            }
            int pos = cache.length();
            int room = Math.min(maxDraft, Math.min(maxNewTokens - generated, cache.capacity() - pos - 1));
            Schedule.Plan plan = room >= 1 ? schedule.next(room) : Schedule.Plan.full(0);
            if (!plan.isRound()) {
                next = fullStep(next, pos, plan.probe(), sampler, history, len);
                continue;
            }
            int exit = plan.exit(), d = Math.min(plan.drafts(), room);
            long r0 = System.nanoTime();
            timing.clear();
            draft[0] = next;
            draft(exit, d, pos, sampler, history, len);
            Tensor verified = verify(exit, d, pos);
            Verdict v = accept(d, verified, pos, sampler, history, len);
            cache.setLength(pos + v.accepted() + 1);
            timing.total = System.nanoTime() - r0;
            schedule.roundDone(exit, d, v.accepted(), timing);
            rounds++;
            roundNanos += timing.total;
            exitSum += exit;
            draftSum += d;
            drafted += d;
            acceptedTotal += v.accepted();
            boolean go = true;
            for (int i = 1; i <= v.accepted() && go; i++) {
                history[len++] = draft[i];
                generated++;
                go = sink.accept(draft[i], exit) && generated < maxNewTokens; // drafted by the exit, confirmed by the rest
            }
            if (!go) {
                break;
            }
            next = v.next();
        }
        long t2 = System.nanoTime();
        // The last token was chosen but never run: the cache holds history[0, len - 1).
        cache.truncate(Math.min(cache.length(), len - 1));
        cached = Arrays.copyOf(history, len - 1);
        lastRun = new Run(rounds, fullSteps, probes, roundNanos, fullNanos, exitSum, draftSum, acceptedTotal, schedule.toString());
        return new DecodeStats(prompt.length - reused, generated, t1 - t0, t2 - t1, layerRows, drafted, acceptedTotal, rounds);
    }

    /**
     * Drafts {@code d} tokens after {@code draft[0]} at {@code pos}: every token through the first
     * {@code exit} layers (its state kept in the verification workspace), the first d also through
     * the draft head. {@code history} gets the drafts after {@code len} (the context of the next ones).
     */
    private void draft(int exit, int d, int pos, Sampler sampler, int[] history, int len) {
        for (int i = 0; i <= d; i++) {
            if (i > 0) {
                history[len + i - 1] = draft[i];
            }
            one[0] = draft[i];
            long t = System.nanoTime();
            model.embed(one, ws);
            model.layers(ws, cache, pos + i, 1, 0, exit, PARTIAL);
            keepState(i, d + 1);
            long t2 = System.nanoTime();
            timing.draftLayers += t2 - t;
            layerRows += exit;
            if (i < d) {
                draft[i + 1] = propose(i, sampler, history, len + i);
                timing.draftHead += System.nanoTime() - t2;
            }
        }
    }

    /** The draft head's token on the state in {@code ws} (for sampling, its distribution goes to {@code q[i]}). */
    private int propose(int i, Sampler sampler, int[] history, int historyLength) {
        if (plainGreedy) {
            int t = draftHead.argmax(ws.hidden(1));
            return t >= 0 ? t : draftHead.token(0); // a non-finite draft is just a bad guess: verification decides
        }
        float[] full = draftLogits(draftHead.logits(ws.hidden(1)));
        if (sampling.greedy()) { // a repetition penalty: the argmax of the penalised draft logits
            return full == null ? draftHead.token(0) : sampler.sample(full, history, historyLength);
        }
        float[] qi = q()[i];
        if (full == null) {
            Arrays.fill(qi, 0f);
            qi[draftHead.token(0)] = 1f;
        } else {
            sampler.probabilities(full, history, historyLength, qi);
        }
        return sampler.draw(qi, vocab);
    }

    /** The draft logits spread over the vocabulary (−∞ elsewhere), or null when one is not finite. */
    private float[] draftLogits(Tensor hostLogits) {
        if (scattered == null) {
            scattered = new float[vocab];
            Arrays.fill(scattered, Float.NEGATIVE_INFINITY);
        }
        draftHead.scatter(hostLogits, scattered);
        for (int j = 0, n = draftHead.size(); j < n; j++) {
            if (!(Math.abs(scattered[draftHead.token(j)]) <= Float.MAX_VALUE)) {
                return null;
            }
        }
        return scattered;
    }

    /** Layers [exit, L) and the full head over the d + 1 kept states: one batched pass. Logits {@code [d + 1, vocab]} on the host. */
    private Tensor verify(int exit, int d, int pos) {
        long t = System.nanoTime();
        model.layers(verifyWs, cache, pos, d + 1, exit, layers, PARTIAL);
        long t2 = System.nanoTime();
        Tensor logits = model.head(verifyWs, 0, d + 1);
        timing.verifyLayers += t2 - t;
        timing.verifyHead += System.nanoTime() - t2;
        layerRows += (long) (d + 1) * (layers - exit);
        return logits;
    }

    /** The full model's verdict on the drafts, row by row. */
    private Verdict accept(int d, Tensor logits, int pos, Sampler sampler, int[] history, int len) {
        for (int k = 0; k < d; k++) {
            Tensor r = logits.row(k);
            int x = draft[k + 1];
            if (sampling.greedy()) {
                int t = choose(r, sampler, history, len + k, pos + k, null);
                if (t != x) {
                    return new Verdict(k, t);
                }
                continue;
            }
            float[] pk = p();
            probabilities(r, sampler, history, len + k, pos + k, pk);
            if (sampler.uniform() < Math.min(1.0, pk[x] / (double) q[k][x])) {
                continue;
            }
            return new Verdict(k, residualDraw(sampler, pk, q[k]));
        }
        return new Verdict(d, choose(logits.row(d), sampler, history, len + d, pos + d, null));
    }

    /**
     * One token of full decoding from {@code token} at {@code pos}; with {@code probe > 0} the forward
     * is split after that layer and the draft head says what a draft would have been, which the
     * schedule learns from.
     */
    private int fullStep(int token, int pos, int probe, Sampler sampler, int[] history, int len) {
        timing.clear();
        long t0 = System.nanoTime();
        one[0] = token;
        model.embed(one, ws);
        int proposal = -1;
        float[] qp = null;
        if (probe > 0) {
            model.layers(ws, cache, pos, 1, 0, probe, ForwardHooks.FULL);
            long t = System.nanoTime();
            if (plainGreedy) {
                proposal = draftHead.argmax(ws.hidden(1));
            } else {
                float[] full = draftLogits(draftHead.logits(ws.hidden(1)));
                if (full != null) {
                    qp = q()[0];
                    sampler.probabilities(full, history, len, qp); // greedy settings: one-hot at the penalised argmax
                }
            }
            long t2 = System.nanoTime();
            timing.draftHead = t2 - t;
            model.layers(ws, cache, pos, 1, probe, layers, ForwardHooks.FULL);
            timing.draftLayers = System.nanoTime() - t2 + (t - t0);
            probes++;
        } else {
            model.layers(ws, cache, pos, 1, 0, layers, ForwardHooks.FULL);
            timing.draftLayers = System.nanoTime() - t0;
        }
        long h = System.nanoTime();
        Tensor logits = model.head(ws, 0, 1);
        timing.verifyHead = System.nanoTime() - h;
        cache.setLength(pos + 1);
        layerRows += layers;
        double agreement = Double.NaN;
        int next;
        if (probe > 0 && qp != null) {
            float[] pk = p();
            next = choose(logits, sampler, history, len, pos, pk);
            double overlap = 0; // the chance that a draft from q would be accepted against p
            for (int i = 0; i < vocab; i++) {
                overlap += Math.min(pk[i], qp[i]);
            }
            agreement = Math.min(1, overlap);
        } else {
            next = choose(logits, sampler, history, len, pos, null);
            if (probe > 0) {
                agreement = proposal == next ? 1 : 0;
            }
        }
        timing.total = System.nanoTime() - t0;
        schedule.fullDone(probe, agreement, timing);
        fullSteps++;
        fullNanos += timing.total;
        return next;
    }

    /**
     * The full model's token from a host logits row at {@code position}; non-finite logits are an
     * error naming the position. With {@code probs} (sampling), the distribution drawn from is left there.
     */
    private int choose(Tensor logits, Sampler sampler, int[] history, int historyLength, int position, float[] probs) {
        if (plainGreedy && probs == null) {
            int t = Logits.argmax(logits);
            if (t >= 0) {
                return t;
            }
        }
        float[] r = row();
        logits.copyTo(r);
        NonFinite.requireFinite(r, position, null); // a corrupt model: an error, not token 0 forever
        if (probs == null) {
            return sampler.sample(r, history, historyLength);
        }
        sampler.probabilities(r, history, historyLength, probs);
        return sampler.draw(probs, vocab);
    }

    /** The full model's distribution from a host logits row at {@code position}, into {@code probs}. */
    private void probabilities(Tensor logits, Sampler sampler, int[] history, int historyLength, int position, float[] probs) {
        float[] r = row();
        logits.copyTo(r);
        NonFinite.requireFinite(r, position, null);
        sampler.probabilities(r, history, historyLength, probs);
    }

    /** A token from norm(max(0, p − q)), the residual that makes speculative sampling exact. */
    private int residualDraw(Sampler sampler, float[] pk, float[] qk) {
        if (residual == null) {
            residual = new float[vocab];
        }
        boolean any = false;
        for (int i = 0; i < vocab; i++) {
            residual[i] = Math.max(0f, pk[i] - qk[i]);
            any |= residual[i] > 0;
        }
        return any ? sampler.draw(residual, vocab) : sampler.draw(pk, vocab);
    }

    /** Copies the state in {@code ws} to row {@code i} of the verification workspace. */
    private void keepState(int i, int rows) {
        Tensor src = ws.hidden(1), dst = verifyWs.hidden(rows).row(i);
        if (model.backend().location().isHost()) {
            MemorySegment.copy(src.segment(), 0, dst.segment(), 0, src.byteSize());
        } else {
            model.backend().read(src, state);
            model.backend().write(state, dst);
        }
    }

    /**
     * Cache rows a new prompt can keep: the longest common prefix with the tokens the cache holds (a
     * chat turn re-sends the conversation), leaving at least one token to run. Every kept row was
     * computed by the full model (drafts write the first E layers, verification the rest), and batch
     * invariance makes it equal to a fresh prefill's.
     */
    private int reusablePrefix(int[] prompt) {
        int n = Math.min(Math.min(cached.length, cache.length()), prompt.length - 1);
        int k = 0;
        while (k < n && cached[k] == prompt[k]) {
            k++;
        }
        return k;
    }

    private float[] row() {
        if (row == null) {
            row = new float[vocab];
        }
        return row;
    }

    private float[] p() {
        if (p == null) {
            p = new float[vocab];
        }
        return p;
    }

    private float[][] q() {
        if (q == null) {
            q = new float[maxDraft][vocab];
        }
        return q;
    }

    /** Whether any vocabulary-sized buffer was made (greedy decoding without a penalty needs none). */
    boolean madeVocabularyBuffers() {
        return row != null || p != null || residual != null || scattered != null || q != null;
    }

    /** The settings: exit layer and draft length, or auto, and the draft head. */
    public Speculation speculation() {
        return speculation;
    }

    /** Tokens the draft head chooses among. */
    public int draftTokens() {
        return draftHead.size();
    }

    /** What the last {@link #generate} did (null before the first). */
    public Run lastRun() {
        return lastRun;
    }

    public KvCache cache() {
        return cache;
    }

    @Override
    public long kvCacheBytes() {
        return cache.byteSize();
    }

    @Override
    public long workspaceBytes() {
        return ws.byteSize() + verifyWs.byteSize();
    }

    @Override
    public void close() {
        cache.close();
        ws.close();
        verifyWs.close();
        draftHead.close();
    }
}
