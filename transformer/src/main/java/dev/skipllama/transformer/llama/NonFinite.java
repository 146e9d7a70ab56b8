package dev.skipllama.transformer.llama;

import dev.skipllama.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Finding NaN and infinities in logits and hidden states, and saying where they came from.
 *
 * <p>The check on every logits row ({@link #requireFinite}) is one SIMD pass over a row that was just
 * copied and is in L1: {@code x - x} is 0 for a finite x and NaN otherwise, summed lane-wise, so a
 * clean row costs a subtract and an add per vector (well under a microsecond for a 32k vocabulary).
 * Only when it fails is the position run again ({@link #locate}) to name the first layer whose output
 * is not finite.
 */
public final class NonFinite {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private NonFinite() {
    }

    /** The index of the first NaN or infinity in {@code a[0, n)}, or -1. */
    public static int first(float[] a, int n) {
        // Four accumulators: one would make the loop wait on the latency of each add.
        FloatVector acc0 = FloatVector.zero(S), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int l = S.length(), i = 0;
        for (int bound = n - 4 * l; i <= bound; i += 4 * l) {
            FloatVector v0 = FloatVector.fromArray(S, a, i), v1 = FloatVector.fromArray(S, a, i + l);
            FloatVector v2 = FloatVector.fromArray(S, a, i + 2 * l), v3 = FloatVector.fromArray(S, a, i + 3 * l);
            acc0 = acc0.add(v0.sub(v0));
            acc1 = acc1.add(v1.sub(v1));
            acc2 = acc2.add(v2.sub(v2));
            acc3 = acc3.add(v3.sub(v3));
        }
        for (int bound = S.loopBound(n); i < bound; i += l) {
            FloatVector v = FloatVector.fromArray(S, a, i);
            acc0 = acc0.add(v.sub(v));
        }
        FloatVector acc = acc0.add(acc1).add(acc2.add(acc3));
        float tail = 0;
        for (int j = i; j < n; j++) {
            tail += a[j] - a[j];
        }
        if (tail == 0 && acc.reduceLanes(VectorOperators.ADD) == 0) {
            return -1;
        }
        for (int j = 0; j < n; j++) {
            if (!Float.isFinite(a[j])) {
                return j;
            }
        }
        return -1;
    }

    /**
     * Throws {@link NonFiniteLogitsException} when the logits {@code row} of {@code position} hold a
     * NaN or an infinity; {@code diagnosis} (run only then) says where they came from, or is null.
     */
    public static void requireFinite(float[] row, int position, java.util.function.Supplier<String> diagnosis) {
        int bad = first(row, row.length);
        if (bad >= 0) {
            String where = diagnosis == null ? null : diagnosis.get();
            throw new NonFiniteLogitsException("the logits at position " + position + " are not finite (logit " + bad + " is "
                    + row[bad] + ")" + (where == null ? "" : ": " + where)
                    + "; the model's weights or configuration hold NaN or infinite values", position);
        }
    }

    /**
     * Runs the forward over {@code tokens} at {@code pos0} again, checking the hidden state after the
     * embedding and after each sublayer, and says where it first stops being finite: "the embedding of
     * token 17", "layer 3's attention", "layer 3's feed-forward", or "the final norm or LM head" when
     * every layer is finite. For the error path only: it truncates the cache to {@code pos0} and
     * overwrites the workspace.
     *
     * @param hooks the hooks of the forward that failed, so skipped layers stay skipped
     */
    public static String locate(Llama llama, KvCache cache, Workspace ws, int[] tokens, int pos0, ForwardHooks hooks) {
        int n = tokens.length, dim = llama.config().dim();
        float[] h = new float[n * dim];
        cache.truncate(Math.min(pos0, cache.length()));
        llama.embed(tokens, ws);
        ws.readHidden(n, h);
        int bad = first(h, h.length);
        if (bad >= 0) {
            return "the embedding of token " + tokens[bad / dim] + " (position " + (pos0 + bad / dim) + ") holds " + h[bad];
        }
        String[] found = {null};
        ForwardHooks checking = new DelegatingHooks(hooks) {
            @Override
            public void afterAttention(int layer, Tensor hidden) {
                inner.afterAttention(layer, hidden);
                check(layer, hidden, "attention");
            }

            @Override
            public void afterLayer(int layer, Tensor hidden) {
                inner.afterLayer(layer, hidden);
                check(layer, hidden, "feed-forward");
            }

            @Override
            public boolean exitAfter(int layer, Tensor hidden) {
                return found[0] != null || inner.exitAfter(layer, hidden);
            }

            @Override
            public boolean fillSkippedKv(int layer) {
                return found[0] == null && inner.fillSkippedKv(layer);
            }

            private void check(int layer, Tensor hidden, String part) {
                if (found[0] == null) {
                    llama.backend().read(hidden, h);
                    int i = first(h, h.length);
                    if (i >= 0) {
                        found[0] = "the hidden state is first non-finite after layer " + layer + "'s " + part + " (layers count from 0, of "
                                + llama.config().layers() + "; position " + (pos0 + i / dim) + " holds " + h[i] + ")";
                    }
                }
            }
        };
        llama.layers(ws, cache, pos0, n, 0, llama.config().layers(), checking);
        return found[0] != null ? found[0] : "every layer's output is finite, so the final norm or the LM head (output weights) makes them";
    }
}
