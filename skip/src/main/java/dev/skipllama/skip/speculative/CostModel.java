package dev.skipllama.skip.speculative;

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
