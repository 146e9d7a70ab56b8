package dev.skipllama.skip.speculative;

/**
 * Decides, step by step, whether the decoder runs a speculative round (exit layer, draft length) or
 * one token of full decoding (optionally probing how often an exit layer's draft would agree), and
 * learns from what each step cost and yielded. One per decoder.
 */
interface Schedule {

    /** What to do next. A round: {@code exit > 0}, {@code drafts >= 1}. A full step: {@code exit == 0}, {@code probe} an exit layer to probe or 0. */
    record Plan(int exit, int drafts, int probe) {
        static Plan round(int exit, int drafts) {
            return new Plan(exit, drafts, 0);
        }

        static Plan full(int probe) {
            return new Plan(0, 0, probe);
        }

        boolean isRound() {
            return exit > 0;
        }
    }

    /** Wall-clock nanoseconds of one step's parts, filled by the decoder. */
    final class Timing {
        long draftLayers; // rounds: the drafts' first E layers; full steps: all layers
        long draftHead;   // rounds: the draft head over d rows; full steps: the probe's draft head
        long verifyLayers;
        long verifyHead;  // rounds: the full head over d+1 rows; full steps: the full head on one row
        long total;

        void clear() {
            draftLayers = draftHead = verifyLayers = verifyHead = total = 0;
        }
    }

    /** A new sequence starts (the schedule may keep what it learned about costs). */
    void reset();

    /** @param room the longest draft that fits the token budget and the KV cache (>= 1) */
    Plan next(int room);

    /**
     * A round ended. {@code accepted} drafts of {@code drafts} were accepted; {@code acceptance} is the
     * round's evidence as (successes, failures): greedy {@code (accepted, accepted < drafts ? 1 : 0)}.
     */
    void roundDone(int exit, int drafts, int accepted, Timing t);

    /** A full step ended; {@code agreement} in [0, 1] is the probe's outcome (NaN without a probe). */
    void fullDone(int probe, double agreement, Timing t);

    /** The exit layer and draft length every round uses. */
    static Schedule fixed(int exit, int drafts) {
        return new Schedule() {
            @Override
            public void reset() {
            }

            @Override
            public Plan next(int room) {
                return Plan.round(exit, Math.min(drafts, room));
            }

            @Override
            public void roundDone(int e, int d, int accepted, Timing t) {
            }

            @Override
            public void fullDone(int probe, double agreement, Timing t) {
            }

            @Override
            public String toString() {
                return "E=" + exit + " d=" + drafts;
            }
        };
    }
}
