package dev.skipllama.tensor;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.tensor.cpu.CpuBackend;
import dev.skipllama.tensor.ref.ReferenceBackend;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Every backend rejects bad arguments before touching memory, naming what it expected and found. */
class BadInputTest {
    private static final CpuBackend CPU = new CpuBackend(2);
    private static final List<Backend> BACKENDS = List.of(new ReferenceBackend(), CPU);

    @AfterAll
    static void close() {
        CPU.close();
    }

    private static void forEachBackend(Consumer<Backend> body) {
        BACKENDS.forEach(body);
    }

    private static void rejects(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), () -> "message '" + e.getMessage() + "' lacks '" + f + "'");
        }
    }

    @Test
    void matmulShapeMismatch() {
        forEachBackend(b -> {
            try (Tensor w = Tensor.allocate(DType.F32, 8, 16); Tensor x = Tensor.allocate(DType.F32, 2, 15);
                 Tensor out = Tensor.allocate(DType.F32, 2, 8); Tensor bad = Tensor.allocate(DType.F32, 2, 9)) {
                rejects(() -> b.matmul(w, x, out), "matmul", "16 columns", "F32[2, 15]");
                try (Tensor x16 = Tensor.allocate(DType.F32, 2, 16)) {
                    rejects(() -> b.matmul(w, x16, bad), "expected out of shape [2, 8]", "F32[2, 9]");
                }
            }
        });
    }

    @Test
    void wrongDtypeForAnOp() {
        forEachBackend(b -> {
            try (Tensor x = Tensor.allocate(DType.F16, 2, 32); Tensor w = Tensor.allocate(DType.F32, 32);
                 Tensor out = Tensor.allocate(DType.F32, 2, 32)) {
                rejects(() -> b.rmsnorm(x, w, 1e-5f, out), "rmsnorm", "x must be F32", "F16[2, 32]");
                rejects(() -> b.softmax(x), "softmax", "F16");
                rejects(() -> b.add(out, x, out), "add", "F32", "F16");
            }
        });
    }

    @Test
    void outOfRangeTokensAndPositions() {
        forEachBackend(b -> {
            try (Tensor table = Tensor.allocate(DType.Q8_0, 10, 32); Tensor out = Tensor.allocate(DType.F32, 2, 32);
                 Tensor q = Tensor.allocate(DType.F32, 1, 8); Tensor kv = Tensor.allocate(DType.F32, 4, 8);
                 Tensor o = Tensor.allocate(DType.F32, 1, 8)) {
                rejects(() -> b.embedding(table, new int[]{3, 10}, out), "token id 10", "[0, 10)");
                rejects(() -> b.embedding(table, new int[]{-1, 0}, out), "token id -1");
                rejects(() -> b.attention(q, kv, kv, new int[]{4}, 2, 2, o), "position 4", "KV cache length");
                rejects(() -> b.attention(q, kv, kv, new int[]{0}, 3, 2, o), "nHeads 3", "nKvHeads 2");
                rejects(() -> b.rope(q, 3, new int[]{0}, new float[1], RopeLayout.HALF_SPLIT), "heads of size 3");
                rejects(() -> b.rope(q, 8, new int[]{0, 1}, new float[4], RopeLayout.HALF_SPLIT), "1 rows need 1 positions");
            }
        });
    }

    @Test
    void segmentTooSmallOrTooLargeForItsShape() {
        try (Arena arena = Arena.ofConfined()) {
            rejects(() -> Tensor.wrap(arena.allocate(104), DType.F32, 5, 5), "needs 100 bytes", "has 104");
            rejects(() -> Tensor.wrap(arena.allocate(99), DType.F32, 5, 5), "needs 100 bytes", "has 99");
            rejects(() -> Tensor.wrap(arena.allocate(33), DType.Q8_0, 1, 32), "needs 34 bytes", "has 33");
        }
    }

    @Test
    void quantizedRowsMustFillBlocks() {
        rejects(() -> Tensor.allocate(DType.Q4_0, 4, 33), "Q4_0 rows must be a multiple of 32", "33");
        rejects(() -> DType.Q8_0.byteSize(31), "not a multiple of 32");
        rejects(() -> Tensor.allocate(DType.F32, 3, -1), "negative dimension");
        rejects(() -> DType.fromGgmlType(11), "unsupported ggml tensor type 11", "Q3_K", "Q5_K, Q6_K");
    }

    @Test
    void reshapeMustKeepTheElementCount() {
        try (Tensor t = Tensor.allocate(DType.F32, 4, 6)) {
            rejects(() -> t.reshape(5, 5), "cannot reshape [4, 6]", "[5, 5]");
        }
    }
}
