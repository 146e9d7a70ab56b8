package dev.skipllama.skip.calibration;

import dev.skipllama.tensor.Backend;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.transformer.llama.ForwardHooks;

/**
 * Hooks that look at every row's three states around a layer: its input {@link #in}, the state after
 * the attention residual add {@link #mid}, and its output {@link #out}, read to the host through the
 * backend (one copy per state on a device). Calibration, AdaSkip and the router trainer measure the
 * same cosines on them.
 *
 * <p>The first layer's input is the embedding, which the forward does not show to hooks: it is known
 * only after {@link #start}; otherwise the first layer's attention is not observed.
 */
public abstract class SublayerObserver implements ForwardHooks {
    private final Backend backend; // null: host tensors, read directly
    protected final int dim;
    protected float[] in = new float[0], mid = new float[0], out = new float[0];
    protected int rows;
    private boolean inputKnown;

    protected SublayerObserver(int dim, Backend backend) {
        this.dim = dim;
        this.backend = backend;
    }

    /** Gives the first layer's input (the embedded rows). */
    public void start(Tensor embedded) {
        read(embedded, ensure(embedded));
        inputKnown = true;
    }

    /** After attention of {@code layer}: {@link #in} and {@link #mid} hold the rows. */
    protected void onAttention(int layer) {
    }

    /** After {@code layer}: {@link #mid} and {@link #out} hold the rows, and {@link #in} too when {@code inputKnown}. */
    protected void onLayer(int layer, boolean inputKnown) {
    }

    @Override
    public final void afterAttention(int layer, Tensor hidden) {
        ensure(hidden);
        read(hidden, mid);
        if (inputKnown) {
            onAttention(layer);
        }
    }

    @Override
    public final void afterLayer(int layer, Tensor hidden) {
        ensure(hidden);
        read(hidden, out);
        onLayer(layer, inputKnown);
        float[] t = in; // this layer's output is the next one's input
        in = out;
        out = t;
        inputKnown = true;
    }

    /** cos(a, b) of row {@code r}. */
    protected double cosine(float[] a, float[] b, int r) {
        return Cosine.of(a, b, r * dim, r * dim, dim);
    }

    /** The mean over the rows of cos(a, b). */
    protected double meanCosine(float[] a, float[] b) {
        double s = 0;
        for (int r = 0; r < rows; r++) {
            s += cosine(a, b, r);
        }
        return s / rows;
    }

    private float[] ensure(Tensor hidden) {
        rows = hidden.dim(0);
        if (in.length < rows * dim) {
            in = new float[rows * dim];
            mid = new float[rows * dim];
            out = new float[rows * dim];
            inputKnown = false;
        }
        return in;
    }

    private void read(Tensor hidden, float[] dst) {
        if (backend == null) {
            hidden.copyTo(dst);
        } else {
            backend.read(hidden, dst);
        }
    }
}
