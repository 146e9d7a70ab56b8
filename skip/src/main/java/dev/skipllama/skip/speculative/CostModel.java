package dev.skipllama.skip.speculative;

import dev.skipllama.transformer.llama.ForwardHooks;
import dev.skipllama.transformer.llama.KvCache;
import dev.skipllama.transformer.llama.Llama;
import dev.skipllama.transformer.llama.Workspace;
import java.util.Arrays;

/**
 * The analytic cost of self-speculative decoding in <em>layer units</em>: one decoder layer on one
 * token row costs 1.
 *
 * <pre>
 *   full decoding, per token        L + H
 *   one round of d drafts at exit E (d+1)·E + d·H_N + ρ(d+1)·(L − E + H)
 *   tokens a round yields           T(α, d) = (1 − α^(d+1)) / (1 − α)     (α: per-draft acceptance)
 *   speed-up                        T(α, d) · (L + H) / round cost
 * </pre>
 *
 * H is the LM head's cost (its bytes over a layer's on a memory-bound machine; ~4.3 for the 128k-token
 * head of a Llama-3.2-1B shape), H_N the draft head's (H·N/V for N of V rows), and ρ(r) what a pass
 * over r rows costs relative to one row (1 when reading the weights is all that counts; what the
 * CPU's small-batch kernels achieve in practice). The draft runs its first token and each of the d
 * drafted ones through E layers (the last only for its verification state) and the draft head on
 * d of them; verification is one batched pass of the other L − E layers and the full head over the
 * d + 1 rows. The {@code auto} schedule fills this model with measured costs and the acceptance seen
 * so far; the benchmark sets it beside the measurement.
 *
 * @param layers      L
 * @param head        H, the full LM head on one row
 * @param draftHead   H_N, the draft head on one row
 * @param verifyRatio ρ(r) at index r (index 0 unused, ρ(1) = 1); rows beyond the array extrapolate its last slope
 */
public record CostModel(int layers, double head, double draftHead, double[] verifyRatio) {

    public CostModel {
        if (layers < 2 || !(head >= 0) || !(draftHead >= 0) || verifyRatio.length < 2) {
            throw new IllegalArgumentException("a cost model needs L >= 2, H >= 0, H_N >= 0 and ρ(1), got L=" + layers + " H=" + head
                    + " H_N=" + draftHead + " ρ=" + Arrays.toString(verifyRatio));
        }
        verifyRatio = verifyRatio.clone();
    }

    /**
     * A model whose batched passes cost {@code 1 + slope·(r − 1)} row-passes for r rows
     * ({@code slope} 0: memory-bound, the weights read once serve every row).
     */
    public static CostModel linear(int layers, double head, double draftHead, double slope, int maxRows) {
        double[] rho = new double[Math.max(2, maxRows + 1)];
        for (int r = 1; r < rho.length; r++) {
            rho[r] = 1 + slope * (r - 1);
        }
        return new CostModel(layers, head, draftHead, rho);
    }

    /** A cost model measured on this machine, and the seconds one layer takes on one row. */
    public record Measured(CostModel model, double layerSeconds) {
    }

    /**
     * Times the passes a round is made of, on {@code model}'s backend, with the KV cache filled to
     * {@code position}: every layer on one row (the unit), the full head on one row, the draft head
     * of {@code speculation} on one row, and every layer plus the head on 2..{@code maxRows} rows (ρ).
     * Medians of {@code reps} timings after as many untimed ones.
     */
    public static Measured measure(Llama model, Speculation speculation, int maxRows, int position, int reps) {
        int layers = model.config().layers(), vocab = model.config().vocabSize();
        int n = speculation.draftTokens(vocab);
        try (KvCache cache = model.kvCache(Math.min(model.config().contextLength(), position + maxRows + 1));
             Workspace ws = model.workspace(maxRows, maxRows);
             DraftHead draft = new DraftHead(model, n == vocab ? null : speculation.ranking(vocab).top(n))) {
            cache.setLength(Math.min(position, cache.capacity() - maxRows));
            int pos = cache.length();
            float[] h = new float[maxRows * model.config().dim()];
            java.util.Random r = new java.util.Random(1);
            for (int i = 0; i < h.length; i++) {
                h[i] = (float) r.nextGaussian();
            }
            Runnable reset = () -> model.backend().write(h, ws.hidden(maxRows));
            double layer = median(reps, () -> model.layers(ws, cache, pos, 1, 0, layers, ForwardHooks.FULL), reset) / layers;
            double head = median(reps, () -> model.head(ws, 0, 1), reset) / layer;
            double draftHead = median(reps, () -> draft.logits(ws.hidden(1)), reset) / layer;
            double[] rho = new double[maxRows + 1];
            rho[1] = 1;
            for (int rows = 2; rows <= maxRows; rows++) {
                int k = rows;
                double t = median(reps, () -> {
                    model.layers(ws, cache, pos, k, 0, layers, ForwardHooks.FULL);
                    model.head(ws, 0, k);
                }, reset);
                rho[rows] = t / layer / (layers + head);
            }
            return new Measured(new CostModel(layers, head, draftHead, rho), layer);
        }
    }

    private static double median(int reps, Runnable work, Runnable before) {
        double[] t = new double[reps];
        for (int i = -reps; i < reps; i++) {
            if (before != null) {
                before.run();
            }
            long t0 = System.nanoTime();
            work.run();
            long dt = System.nanoTime() - t0;
            if (i >= 0) {
                t[i] = dt / 1e9;
            }
        }
        Arrays.sort(t);
        return t[reps / 2];
    }

    /** ρ(r): a pass over r rows relative to one row. */
    public double rho(int rows) {
        int n = verifyRatio.length - 1;
        if (rows <= n) {
            return verifyRatio[rows];
        }
        double slope = n >= 2 ? verifyRatio[n] - verifyRatio[n - 1] : 0;
        return verifyRatio[n] + slope * (rows - n);
    }

    /** L + H: one token of full decoding. */
    public double fullCost() {
        return layers + head;
    }

    /** (d+1)·E + d·H_N: the drafting half of a round. */
    public double draftCost(int exit, int drafts) {
        return (drafts + 1.0) * exit + drafts * draftHead;
    }

    /** ρ(d+1)·(L − E + H): the verification pass of a round. */
    public double verifyCost(int exit, int drafts) {
        return rho(drafts + 1) * (layers - exit + head);
    }

    /** One round of {@code drafts} tokens drafted by the first {@code exit} layers. */
    public double roundCost(int exit, int drafts) {
        return draftCost(exit, drafts) + verifyCost(exit, drafts);
    }

    /** T(α, d): tokens a round yields on average when each draft is accepted with probability α independently. */
    public static double expectedTokens(double acceptance, int drafts) {
        if (acceptance >= 1) {
            return drafts + 1;
        }
        return (1 - Math.pow(acceptance, drafts + 1)) / (1 - acceptance);
    }

    /** Predicted speed-up over full decoding. */
    public double speedUp(double acceptance, int exit, int drafts) {
        return expectedTokens(acceptance, drafts) * fullCost() / roundCost(exit, drafts);
    }

    /** The draft length in {@code [1, maxDrafts]} with the best predicted speed-up. */
    public int bestDrafts(double acceptance, int exit, int maxDrafts) {
        int best = 1;
        double bestSpeed = speedUp(acceptance, exit, 1);
        for (int d = 2; d <= maxDrafts; d++) {
            double s = speedUp(acceptance, exit, d);
            if (s > bestSpeed) {
                best = d;
                bestSpeed = s;
            }
        }
        return best;
    }

    @Override
    public String toString() {
        StringBuilder r = new StringBuilder();
        for (int i = 1; i < Math.min(verifyRatio.length, 10); i++) {
            r.append(i == 1 ? "" : " ").append(String.format(java.util.Locale.ROOT, "%.2f", verifyRatio[i]));
        }
        return String.format(java.util.Locale.ROOT, "L=%d H=%.2f H_N=%.2f ρ(1..)=[%s]", layers, head, draftHead, r);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CostModel c && c.layers == layers && c.head == head && c.draftHead == draftHead
                && Arrays.equals(c.verifyRatio, verifyRatio);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(verifyRatio) * 31 + Double.hashCode(head) + layers;
    }
}
