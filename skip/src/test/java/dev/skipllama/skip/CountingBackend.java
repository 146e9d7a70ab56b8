package dev.skipllama.skip;

import dev.skipllama.tensor.Backend;
import dev.skipllama.tensor.RopeLayout;
import dev.skipllama.tensor.Tensor;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * A backend decorator that counts, per weight tensor (by identity), how many activation rows went
 * through {@code matmul} with it: the ground truth of which sublayers really ran.
 */
public final class CountingBackend implements Backend {
    private final Backend inner;
    private final Map<Tensor, Long> rows = new IdentityHashMap<>();

    public CountingBackend(Backend inner) {
        this.inner = inner;
    }

    /** Rows multiplied by {@code weight} so far. */
    public synchronized long rows(Tensor weight) {
        return rows.getOrDefault(weight, 0L);
    }

    public synchronized void clear() {
        rows.clear();
    }

    @Override
    public String name() {
        return "counting(" + inner.name() + ")";
    }

    @Override
    public void matmul(Tensor w, Tensor x, Tensor out) {
        synchronized (this) {
            rows.merge(w, (long) x.dim(0), Long::sum);
        }
        inner.matmul(w, x, out);
    }

    @Override
    public void rmsnorm(Tensor x, Tensor weight, float eps, Tensor out) {
        inner.rmsnorm(x, weight, eps, out);
    }

    @Override
    public void rope(Tensor x, int headDim, int[] positions, float[] invFreq, RopeLayout layout) {
        inner.rope(x, headDim, positions, invFreq, layout);
    }

    @Override
    public void softmax(Tensor x) {
        inner.softmax(x);
    }

    @Override
    public void attention(Tensor q, Tensor kCache, Tensor vCache, int[] positions, int nHeads, int nKvHeads, Tensor out) {
        inner.attention(q, kCache, vCache, positions, nHeads, nKvHeads, out);
    }

    @Override
    public void convert(Tensor src, Tensor dst) {
        inner.convert(src, dst);
    }

    @Override
    public void swiglu(Tensor gate, Tensor up, Tensor out) {
        inner.swiglu(gate, up, out);
    }

    @Override
    public void add(Tensor a, Tensor b, Tensor out) {
        inner.add(a, b, out);
    }

    @Override
    public void embedding(Tensor table, int[] tokens, Tensor out) {
        inner.embedding(table, tokens, out);
    }

    @Override
    public void close() {
        inner.close();
    }
}
