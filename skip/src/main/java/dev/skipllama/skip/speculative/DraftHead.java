package dev.skipllama.skip.speculative;

import dev.skipllama.tensor.Backend;
import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.transformer.llama.Llama;
import dev.skipllama.transformer.llama.LlamaConfig;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The draft's LM head: the shared final norm and the LM head's rows of the {@link DraftVocabulary}'s
 * most frequent tokens only (FR-Spec), or the whole head. The rows are gathered once per model
 * ({@link Rows}, kept by {@link Llama#derived} and shared by every session) into a {@code [N, dim]}
 * weight of the head's own dtype, which goes through {@link Backend#uploadForMatmul} like the head
 * itself (the CPU packs it for its kernels, a GPU copies it). Each decoder has one of these for its
 * buffers.
 */
final class DraftHead implements AutoCloseable {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private final Llama model;
    private final Rows rows;
    private final Tensor norm;    // [1, dim] in the backend's memory
    private final Tensor logits;  // [1, N] in the backend's memory
    private final Tensor host;    // logits on the host (the same tensor on a host backend)

    /** @param tokens the rows to keep (ascending ids), or null for the whole head */
    DraftHead(Llama model, int[] tokens) {
        this.model = model;
        this.rows = tokens == null || tokens.length == model.config().vocabSize()
                ? new Rows(null, model.weights().output(), null)
                : model.derived(new Key(tokens), Rows.class, m -> Rows.gather(m, tokens));
        Backend b = model.backend();
        int n = size();
        Tensor nrm = null, lg = null;
        try {
            nrm = b.allocate(DType.F32, 1, model.config().dim());
            lg = b.allocate(DType.F32, 1, n);
            this.host = b.location().isHost() ? lg : Tensor.allocate(DType.F32, 1, n);
        } catch (RuntimeException e) {
            if (nrm != null) {
                nrm.close();
            }
            if (lg != null) {
                lg.close();
            }
            throw e;
        }
        this.norm = nrm;
        this.logits = lg;
    }

    /** Tokens the draft chooses among. */
    int size() {
        return rows.ids == null ? model.config().vocabSize() : rows.ids.length;
    }

    /** The rows this head scores with (shared by the model's sessions). */
    Rows rows() {
        return rows;
    }

    /** Whether this is the model's whole LM head. */
    boolean full() {
        return rows.ids == null;
    }

    /** The token id of draft row {@code j}. */
    int token(int j) {
        return rows.ids == null ? j : rows.ids[j];
    }

    /**
     * Runs the head on a hidden row ({@code [1, dim]}, the backend's) and returns the logits row on the
     * host, {@code [1, N]}: entry {@code j} scores {@link #token(int) token(j)}. Valid until the next call.
     */
    Tensor logits(Tensor hidden) {
        LlamaConfig c = model.config();
        Backend b = model.backend();
        b.rmsnorm(hidden, model.weights().finalNorm(), c.rmsEps(), norm);
        b.matmul(rows.weight, norm, logits);
        if (host != logits) {
            b.toHost(logits, host);
        }
        return host;
    }

    /** The draft's greedy choice on a hidden row: the token of the largest logit (-1 when a logit is not finite). */
    int argmax(Tensor hidden) {
        int j = Logits.argmax(logits(hidden));
        return j < 0 ? -1 : token(j);
    }

    /** Writes the draft's logits into {@code row} (vocabulary-sized, −∞ wherever no draft row scores). */
    void scatter(Tensor hostLogits, float[] row) {
        MemorySegment s = hostLogits.segment();
        int n = size();
        for (int j = 0; j < n; j++) {
            row[token(j)] = s.getAtIndex(F32, j);
        }
    }

    @Override
    public void close() {
        norm.close();
        logits.close();
        if (host != logits) {
            host.close();
        }
    }

    /** Which rows were gathered: the derived-data key of one model. */
    private record Key(int[] ids) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(ids, k.ids);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(ids);
        }

        @Override
        public String toString() {
            return "draft head rows (" + ids.length + " tokens)";
        }
    }

    /** The gathered weight of one model, shared by its sessions and closed with it. */
    static final class Rows implements AutoCloseable {
        final int[] ids;
        final Tensor weight;
        private final Tensor gathered; // the host copy, when the backend's weight is another tensor or is it

        private Rows(int[] ids, Tensor weight, Tensor gathered) {
            this.ids = ids;
            this.weight = weight;
            this.gathered = gathered;
        }

        /**
         * Copies the rows of {@code ids} out of the LM head as loaded (row-major, any dtype: a row of a
         * block-quantized matrix is whole blocks) and uploads them like a weight.
         */
        static Rows gather(Llama model, int[] ids) {
            Tensor head = model.loadedWeights().output();
            int dim = model.config().dim();
            Tensor host = Tensor.allocate(head.dtype(), ids.length, dim);
            try {
                long rb = head.rowBytes();
                MemorySegment src = head.segment(), dst = host.segment();
                for (int j = 0; j < ids.length; j++) {
                    MemorySegment.copy(src, ids[j] * rb, dst, j * rb, rb);
                }
                Tensor up = model.backend().uploadForMatmul(host);
                if (up != host) {
                    host.close(); // the backend made its own copy (packed tiles, device memory)
                    return new Rows(ids.clone(), up, up);
                }
                return new Rows(ids.clone(), host, host);
            } catch (RuntimeException e) {
                host.close();
                throw e;
            }
        }

        @Override
        public void close() {
            if (gathered != null) {
                gathered.close();
            }
        }
    }
}
