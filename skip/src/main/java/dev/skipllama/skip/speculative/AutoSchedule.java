package dev.skipllama.skip.speculative;

import java.util.Arrays;
import java.util.Locale;

/**
 * {@code --speculate auto}: chooses the exit layer E and draft length d from the {@link CostModel}
 * filled with <em>measured</em> costs and the acceptance seen so far, and decodes fully where no
 * setting is predicted to pay.
 *
 * <ul>
 *   <li><b>Costs</b> are timed on every step: a layer on one row, the full head, the draft head, and
 *       ρ(r), a verification pass over r rows against one row, per r (rows not yet seen extrapolate
 *       the measured slope; before any, a prior of 1 + 0.25·(r − 1)). Bookkeeping per round and per
 *       full step is measured too, as what the parts do not explain.</li>
 *   <li><b>Acceptance</b> per candidate exit layer (¼, ⅜, ½, ⅝ and ¾ of the depth) counts accepted
 *       drafts as successes and a rejection as a failure (a geometric likelihood), decayed so that
 *       recent text counts more; the estimate is (s + ½)/(s + f + 1).</li>
 *   <li><b>Probes</b> learn an exit layer's acceptance without paying for a round: on a full step the
 *       forward is split at that layer and the draft head scores its hidden state; the full model's
 *       token then says whether a draft would have been accepted. A probe costs a draft head (about
 *       one layer with the default reduced head), and probes are spent on the layer whose
 *       <em>optimistic</em> estimate (s + 1)/(s + f + 1) promises the most (at least a 5% speed-up),
 *       within a budget of 1% of the decoding time (plus a quarter of a token at the start), and
 *       once every 64 full steps whatever they promise.</li>
 *   <li><b>Choice</b>: every step, a round when the best (E, d) among layers with at least two
 *       observations, by predicted time per token, beats full decoding by 2%, else a full step. The
 *       round's layer is the one whose <em>upper confidence bound</em> on the acceptance promises the
 *       most (a bandit: a layer seen once or twice gets a few rounds before it is judged), its draft
 *       length the best for that layer's estimate. A
 *       guard against the model's errors (noise, costs it does not see): a layer whose recent rounds
 *       have <em>really</em> cost more per token than full steps is not chosen until a probe of it
 *       refreshes the evidence. The evidence about layers not in use fades (2% per round), so a
 *       layer dismissed on an unlucky streak is tried again. Every 4th round tries a
 *       draft length next to the chosen one whose verification pass has not been timed (ρ need not
 *       be linear: a kernel for four rows can make four cheaper than three).</li>
 * </ul>
 * On a model whose drafts are never accepted this costs a few probes (each candidate fails twice and
 * is then probed rarely): within a few percent of full decoding. Output is never affected: every
 * token is the full model's.
 */
final class AutoSchedule implements Schedule {
    private static final double DECAY = 0.92;       // per observation of a layer
    private static final double TIME_WEIGHT = 0.25; // EWMA weight of a new timing
    private static final double PRIOR_SLOPE = 0.25; // ρ(r) ≈ 1 + slope·(r − 1) before measuring
    private static final double MARGIN = 0.02;      // a round must beat full decoding by this much
    private static final double PROBE_BUDGET = 0.01;  // of the decoding time, plus a quarter token at the start
    private static final double PROBE_GAIN = 1.05;    // a layer is probed while its optimistic speed-up is at least this
    private static final int REFRESH = 64;          // full steps between probes at most
    private static final int MIN_OBSERVATIONS = 2;
    private static final double REALIZED_TOKENS = 6; // tokens of recent rounds before their realized speed counts
    private static final double REALIZED_DECAY = 0.85;
    private static final double FORGET = 0.995;       // per round, for the evidence about layers not in use

    private final int layers;
    private final int maxDraft;
    private final double headShare; // N / V: the draft head's rows over the full head's
    private final int[] exits;
    private final double[] successes;
    private final double[] failures;
    /** Decayed sums of what rounds at each candidate really cost and yielded: the guard against the model's errors. */
    private final double[] roundSec;
    private final double[] roundTokens;
    private double fullSecPerToken = Double.NaN;

    private double layerSec = Double.NaN, headSec = Double.NaN, draftHeadSec = Double.NaN;
    private double roundOverheadSec, fullOverheadSec;
    private final double[] rho; // measured ρ(r) at index r, NaN until seen
    private double elapsedSec, probeSec;
    private int fullSinceProbe;
    private int roundsSinceExplore;

    AutoSchedule(int layers, int maxDraft, int draftTokens, int vocabSize) {
        this.layers = layers;
        this.maxDraft = maxDraft;
        this.headShare = (double) draftTokens / vocabSize;
        this.exits = candidates(layers);
        this.successes = new double[exits.length];
        this.failures = new double[exits.length];
        this.roundSec = new double[exits.length];
        this.roundTokens = new double[exits.length];
        this.rho = new double[maxDraft + 2];
        Arrays.fill(rho, Double.NaN);
        rho[1] = 1;
    }

    /** Exit layers tried: ¼, ⅜, ½, ⅝ and ¾ of the depth, distinct, within [1, L − 1]. */
    static int[] candidates(int layers) {
        if (layers < 2) {
            return new int[0];
        }
        return Arrays.stream(new double[]{0.25, 0.375, 0.5, 0.625, 0.75})
                .mapToInt(f -> (int) Math.max(1, Math.min(layers - 1, Math.round(layers * f)))).distinct().toArray();
    }

    @Override
    public void reset() {
        // Acceptance depends on the text: a new sequence starts from the priors again (decayed, not
        // forgotten, so one model's sessions keep a hint). Costs are the machine's and are kept.
        for (int i = 0; i < exits.length; i++) {
            successes[i] *= 0.25;
            failures[i] *= 0.25;
        }
        fullSinceProbe = 0;
    }

    @Override
    public Plan next(int room) {
        if (Double.isNaN(layerSec) || Double.isNaN(headSec)) {
            return Plan.full(probeChoice(room, true)); // nothing measured yet: one full step first
        }
        CostModel costs = costs();
        double fullTime = costs.fullCost() + fullOverheadSec / layerSec;
        int cap = Math.min(maxDraft, room);
        // Whether to speculate at all: on the estimates themselves, so that only evidence starts rounds.
        double bestTime = Double.POSITIVE_INFINITY;
        for (int i = 0; i < exits.length; i++) {
            if (eligible(i, MIN_OBSERVATIONS)) {
                double a = estimate(i);
                bestTime = Math.min(bestTime, perToken(costs, a, exits[i], bestDrafts(costs, a, exits[i], cap)));
            }
        }
        if (!(bestTime < fullTime * (1 - MARGIN))) {
            return Plan.full(probeChoice(room, false));
        }
        // Where: the layer whose upper confidence bound promises the most (a layer seen once or twice, or
        // whose evidence has faded, gets a few rounds before it is judged); how far: the best draft length
        // for its estimate.
        double bestBound = Double.POSITIVE_INFINITY;
        int exit = 0;
        for (int i = 0; i < exits.length; i++) {
            if (eligible(i, 0)) {
                double n = successes[i] + failures[i], a = estimate(i);
                double upper = Math.min(1, a + Math.sqrt(a * (1 - a) / (n + 1)) + 1 / (n + 1));
                double t = perToken(costs, upper, exits[i], bestDrafts(costs, upper, exits[i], cap));
                if (t < bestBound) {
                    bestBound = t;
                    exit = exits[i];
                }
            }
        }
        int i = indexOf(exit);
        int d = bestDrafts(costs, estimate(i), exit, cap);
        if (++roundsSinceExplore % 4 == 0) { // now and then a draft length next to it whose pass is not timed yet
            if (d + 1 <= cap && Double.isNaN(rho[d + 2])) {
                return Plan.round(exit, d + 1);
            }
            if (d >= 2 && Double.isNaN(rho[d])) {
                return Plan.round(exit, d - 1);
            }
        }
        return Plan.round(exit, d);
    }

    /** Whether layer i may get rounds: enough observations, and its recent rounds (if any) paid. */
    private boolean eligible(int i, double observations) {
        if (successes[i] + failures[i] < observations || Double.isNaN(draftHeadSec)) {
            return false;
        }
        // whatever the model predicts, rounds at this layer that have not been paying are not repeated
        return roundTokens[i] < REALIZED_TOKENS || roundSec[i] / roundTokens[i] < fullSecPerToken * (1 - MARGIN);
    }

    /** The exit layer worth probing on this full step, or 0. */
    private int probeChoice(int room, boolean first) {
        double fullSec = Double.isNaN(layerSec) ? 0 : layers * layerSec + headSec;
        double probeCost = Double.isNaN(draftHeadSec) ? 0 : draftHeadSec;
        boolean refresh = fullSinceProbe >= REFRESH;
        if (!first && !refresh && probeSec + probeCost > PROBE_BUDGET * elapsedSec + 0.25 * fullSec) {
            return 0;
        }
        CostModel costs = first ? null : costs();
        double bestGain = refresh ? Double.NEGATIVE_INFINITY : PROBE_GAIN;
        int best = 0;
        for (int i = 0; i < exits.length; i++) {
            double optimistic = (successes[i] + 1) / (successes[i] + failures[i] + 1);
            double gain;
            if (costs == null) {
                gain = optimistic * (layers - exits[i]); // before any timing: the cheapest promising layer first
            } else {
                int d = bestDrafts(costs, optimistic, exits[i], Math.min(maxDraft, room));
                gain = (costs.fullCost() + fullOverheadSec / layerSec) / perToken(costs, optimistic, exits[i], d);
            }
            if (gain > bestGain) {
                bestGain = gain;
                best = exits[i];
            }
        }
        return best;
    }

    private static int bestDrafts(CostModel c, double a, int exit, int maxDrafts) {
        return c.bestDrafts(a, exit, Math.max(1, maxDrafts));
    }

    /** Predicted layer units per generated token of rounds at (exit, d), bookkeeping included. */
    private double perToken(CostModel c, double a, int exit, int d) {
        return (c.roundCost(exit, d) + roundOverheadSec / layerSec) / CostModel.expectedTokens(a, d);
    }

    private double estimate(int i) {
        return (successes[i] + 0.5) / (successes[i] + failures[i] + 1);
    }

    /** The cost model as measured so far, in layer units. */
    CostModel costs() {
        double h = headSec / layerSec;
        double hn = Double.isNaN(draftHeadSec) ? h * headShare : draftHeadSec / layerSec;
        double[] r = new double[maxDraft + 2];
        r[1] = 1;
        double slope = 0, weight = 0;
        for (int k = 2; k < rho.length; k++) {
            if (!Double.isNaN(rho[k])) {
                slope += (rho[k] - 1) / (k - 1);
                weight++;
            }
        }
        slope = weight == 0 ? PRIOR_SLOPE : Math.max(0, slope / weight);
        for (int k = 2; k < r.length; k++) {
            r[k] = Double.isNaN(rho[k]) ? 1 + slope * (k - 1) : rho[k];
        }
        return new CostModel(layers, h, hn, r);
    }

    @Override
    public void roundDone(int exit, int drafts, int accepted, Timing t) {
        observe(exit, accepted, accepted < drafts ? 1 : 0);
        int i = indexOf(exit);
        for (int j = 0; j < exits.length; j++) {
            if (j != i) { // what is known about layers not in use fades, so that they are tried again some day
                successes[j] *= FORGET;
                failures[j] *= FORGET;
                roundSec[j] *= FORGET;
                roundTokens[j] *= FORGET;
            }
        }
        roundSec[i] = roundSec[i] * REALIZED_DECAY + t.total / 1e9;
        roundTokens[i] = roundTokens[i] * REALIZED_DECAY + accepted + 1;
        double draftLayers = t.draftLayers / 1e9, draftHead = t.draftHead / 1e9;
        double verify = (t.verifyLayers + t.verifyHead) / 1e9, total = t.total / 1e9;
        layerSec = ewma(layerSec, draftLayers / ((drafts + 1.0) * exit));
        draftHeadSec = ewma(draftHeadSec, draftHead / drafts);
        if (!Double.isNaN(headSec)) {
            double one = (layers - exit) * layerSec + headSec;
            rho[drafts + 1] = ewma(rho[drafts + 1], verify / one);
        }
        roundOverheadSec = ewma(roundOverheadSec, Math.max(0, total - draftLayers - draftHead - verify));
        elapsedSec += total;
    }

    @Override
    public void fullDone(int probe, double agreement, Timing t) {
        double layersT = t.draftLayers / 1e9, head = t.verifyHead / 1e9, probeT = t.draftHead / 1e9, total = t.total / 1e9;
        layerSec = ewma(layerSec, layersT / layers);
        headSec = ewma(headSec, head);
        fullOverheadSec = ewma(fullOverheadSec, Math.max(0, total - layersT - head - probeT));
        fullSecPerToken = ewma(fullSecPerToken, total - probeT);
        elapsedSec += total;
        if (probe > 0) {
            draftHeadSec = ewma(draftHeadSec, probeT);
            probeSec += probeT;
            observe(probe, agreement, 1 - agreement);
            int i = indexOf(probe);
            roundSec[i] *= 0.5; // fresh evidence about this layer: let rounds at it be tried again
            roundTokens[i] *= 0.5;
            fullSinceProbe = 0;
        } else {
            fullSinceProbe++;
        }
    }

    private void observe(int exit, double s, double f) {
        int i = indexOf(exit);
        successes[i] = successes[i] * DECAY + s;
        failures[i] = failures[i] * DECAY + f;
    }

    private int indexOf(int exit) {
        for (int i = 0; i < exits.length; i++) {
            if (exits[i] == exit) {
                return i;
            }
        }
        throw new IllegalArgumentException("exit layer " + exit + " is not a candidate " + Arrays.toString(exits));
    }

    private static double ewma(double old, double sample) {
        return Double.isNaN(old) || old == 0 ? sample : (1 - TIME_WEIGHT) * old + TIME_WEIGHT * sample;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("auto: ");
        for (int i = 0; i < exits.length; i++) {
            b.append(String.format(Locale.ROOT, "E=%d α≈%.2f (%.1f obs) ", exits[i], estimate(i), successes[i] + failures[i]));
        }
        if (!Double.isNaN(layerSec) && !Double.isNaN(headSec)) {
            b.append(costs());
        }
        return b.toString().strip();
    }
}
