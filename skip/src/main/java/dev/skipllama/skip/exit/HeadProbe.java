package dev.skipllama.skip.exit;

import dev.skipllama.tensor.Backend;
import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.transformer.llama.Llama;
import java.lang.foreign.Arena;

/**
 * The shared final RMSNorm + LM head (LayerSkip's single exit head) applied to one hidden row, into
 * buffers of its own so the forward's workspace is untouched. This is the costly part of a dynamic
 * exit: one {@code [vocab, dim]} matrix-vector product per candidate layer. On a host backend the
 * buffers are garbage-collected with the probe; on a device backend they are the backend's (freed
 * with it at the latest), and the probabilities come back with one copy.
 */
final class HeadProbe {
    private final Llama model;
    private final Tensor normed;
    private final Tensor probs;
    private final float[] heap;

    HeadProbe(Llama model) {
        this.model = model;
        Backend b = model.backend();
        if (b.location().isHost()) {
            Arena arena = Arena.ofAuto();
            normed = Tensor.allocate(arena, DType.F32, 1, model.config().dim());
            probs = Tensor.allocate(arena, DType.F32, 1, model.config().vocabSize());
        } else {
            normed = b.allocate(DType.F32, 1, model.config().dim());
            probs = b.allocate(DType.F32, 1, model.config().vocabSize());
        }
        heap = new float[model.config().vocabSize()];
    }

    /** {@code measure} of softmax(head(row)) for {@code row}, a {@code [1, dim]} hidden state. */
    double confidence(Tensor row, ExitMeasure measure) {
        Backend b = model.backend();
        b.rmsnorm(row, model.weights().finalNorm(), model.config().rmsEps(), normed);
        b.matmul(model.weights().output(), normed, probs);
        b.softmax(probs);
        b.read(probs, heap);
        return measure.of(heap);
    }
}
