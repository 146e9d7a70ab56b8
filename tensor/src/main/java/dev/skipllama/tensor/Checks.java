package dev.skipllama.tensor;

import java.util.Arrays;

/** Argument checks shared by every backend, so each op rejects bad input the same way. */
public final class Checks {
    private Checks() {
    }

    public static void matmul(Tensor w, Tensor x, Tensor out) {
        rank("matmul", "w", w, 2);
        writable("matmul", "out", out);
        dtype("matmul", "x", x, DType.F32);
        dtype("matmul", "out", out, DType.F32);
        int nOut = w.dim(0);
        int nIn = w.dim(1);
        if (x.dim(-1) != nIn) {
            throw new IllegalArgumentException("matmul: w is " + desc(w) + " so x needs " + nIn
                    + " columns, but x is " + desc(x));
        }
        if (out.dim(-1) != nOut || out.rowCount() != x.rowCount()) {
            throw new IllegalArgumentException("matmul: expected out of shape [" + x.rowCount() + ", " + nOut
                    + "] for w " + desc(w) + " and x " + desc(x) + ", found " + desc(out));
        }
    }

    public static void rmsnorm(Tensor x, Tensor weight, Tensor out) {
        dtype("rmsnorm", "x", x, DType.F32);
        dtype("rmsnorm", "weight", weight, DType.F32);
        dtype("rmsnorm", "out", out, DType.F32);
        writable("rmsnorm", "out", out);
        if (weight.numel() != x.dim(-1)) {
            throw new IllegalArgumentException("rmsnorm: x is " + desc(x) + " so weight needs " + x.dim(-1)
                    + " elements, found " + desc(weight));
        }
        sameShape("rmsnorm", x, out);
    }

    public static void rope(Tensor x, int headDim, int[] positions, float[] invFreq) {
        dtype("rope", "x", x, DType.F32);
        writable("rope", "x", x);
        if (headDim <= 0 || x.dim(-1) % headDim != 0) {
            throw new IllegalArgumentException("rope: row length " + x.dim(-1) + " of " + desc(x)
                    + " is not a whole number of heads of size " + headDim);
        }
        if (2 * invFreq.length > headDim) {
            throw new IllegalArgumentException("rope: " + invFreq.length + " frequencies rotate "
                    + 2 * invFreq.length + " dimensions, more than headDim " + headDim);
        }
        positions("rope", positions, x.rowCount(), Integer.MAX_VALUE);
    }

    public static void softmax(Tensor x) {
        dtype("softmax", "x", x, DType.F32);
        writable("softmax", "x", x);
    }

    public static void attention(Tensor q, Tensor k, Tensor v, int[] positions, int nHeads, int nKvHeads, Tensor out) {
        dtype("attention", "q", q, DType.F32);
        if (k.dtype() != DType.F32 && k.dtype() != DType.F16) {
            throw new IllegalArgumentException("attention: kCache must be F32 or F16, found " + desc(k));
        }
        dtype("attention", "vCache", v, k.dtype());
        dtype("attention", "out", out, DType.F32);
        writable("attention", "out", out);
        if (nHeads <= 0 || nKvHeads <= 0 || nHeads % nKvHeads != 0) {
            throw new IllegalArgumentException("attention: nHeads " + nHeads + " must be a positive multiple of nKvHeads " + nKvHeads);
        }
        if (q.dim(-1) % nHeads != 0) {
            throw new IllegalArgumentException("attention: q row length " + q.dim(-1) + " is not divisible by nHeads " + nHeads);
        }
        int headDim = q.dim(-1) / nHeads;
        rank("attention", "kCache", k, 2);
        if (k.dim(1) != nKvHeads * headDim) {
            throw new IllegalArgumentException("attention: expected kCache rows of " + nKvHeads + " kv-heads × " + headDim
                    + " = " + nKvHeads * headDim + ", found " + desc(k));
        }
        sameShape("attention", k, v);
        sameShape("attention", q, out);
        positions("attention", positions, q.rowCount(), k.dim(0));
    }

    public static void convert(Tensor src, Tensor dst) {
        dtype("convert", "src", src, DType.F32);
        if (dst.dtype() != DType.F32 && dst.dtype() != DType.F16) {
            throw new IllegalArgumentException("convert: dst must be F32 or F16, found " + desc(dst));
        }
        writable("convert", "dst", dst);
        sameShape("convert", src, dst);
    }

    public static void elementwise(String op, Tensor a, Tensor b, Tensor out) {
        dtype(op, "a", a, DType.F32);
        dtype(op, "b", b, DType.F32);
        dtype(op, "out", out, DType.F32);
        writable(op, "out", out);
        sameShape(op, a, b);
        sameShape(op, a, out);
    }

    public static void embedding(Tensor table, int[] tokens, Tensor out) {
        rank("embedding", "table", table, 2);
        dtype("embedding", "out", out, DType.F32);
        writable("embedding", "out", out);
        if (out.dim(-1) != table.dim(1) || out.rowCount() != tokens.length) {
            throw new IllegalArgumentException("embedding: expected out of shape [" + tokens.length + ", "
                    + table.dim(1) + "], found " + desc(out));
        }
        int vocab = table.dim(0);
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] < 0 || tokens[i] >= vocab) {
                throw new IllegalArgumentException("embedding: token id " + tokens[i] + " at index " + i
                        + " is out of range [0, " + vocab + ")");
            }
        }
    }

    static void positions(String op, int[] positions, int rows, int limit) {
        if (positions.length != rows) {
            throw new IllegalArgumentException(op + ": " + rows + " rows need " + rows + " positions, found " + positions.length);
        }
        for (int i = 0; i < positions.length; i++) {
            if (positions[i] < 0 || positions[i] >= limit) {
                throw new IllegalArgumentException(op + ": position " + positions[i] + " of row " + i
                        + " is outside [0, " + limit + ")" + (limit == Integer.MAX_VALUE ? "" : " (the KV cache length)"));
            }
        }
    }

    /**
     * Every tensor lives on {@code where}: host backends pass {@link Location#HOST} so that a device
     * tensor is an exception naming the op, not a crash; device backends pass their device.
     */
    public static void on(Location where, String op, Tensor... tensors) {
        for (Tensor t : tensors) {
            if (!t.location().equals(where)) {
                throw new IllegalArgumentException(op + ": " + desc(t) + " lives on " + t.location()
                        + " but this backend computes on " + where
                        + (where.isHost() ? "; copy it to the host with Backend.toHost" : "; copy it there with Backend.upload or Backend.fromHost"));
            }
        }
    }

    static void writable(String op, String name, Tensor t) {
        if (t.rawSegment().isReadOnly()) {
            throw new IllegalArgumentException(op + ": " + name + " " + desc(t) + " is read-only (a memory-mapped weight?)");
        }
    }

    static void dtype(String op, String name, Tensor t, DType expected) {
        if (t.dtype() != expected) {
            throw new IllegalArgumentException(op + ": " + name + " must be " + expected + ", found " + desc(t));
        }
    }

    static void rank(String op, String name, Tensor t, int rank) {
        if (t.rank() != rank) {
            throw new IllegalArgumentException(op + ": " + name + " must have rank " + rank + ", found " + desc(t));
        }
    }

    static void sameShape(String op, Tensor a, Tensor b) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException(op + ": shapes must match, found " + desc(a) + " and " + desc(b));
        }
    }

    static String desc(Tensor t) {
        return t.dtype() + Arrays.toString(t.shape());
    }
}
