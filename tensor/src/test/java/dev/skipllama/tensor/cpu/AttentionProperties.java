package dev.skipllama.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.tensor.TestData;
import dev.skipllama.tensor.TestData.Values;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The CPU attention's own promises, bit for bit (its agreement with the reference, to a summation
 * bound, is {@link dev.skipllama.tensor.BackendContract}'s): a query head scores the same whether it
 * shares its KV head with others (four heads at a time, {@code Attention.scores4}) or not, and a row's
 * output depends neither on the other rows of its batch nor on how many workers split the call.
 */
class AttentionProperties {
    private static CpuBackend one, three;

    @BeforeContainer
    static void start() {
        one = new CpuBackend(1);
        three = new CpuBackend(3);
    }

    @AfterContainer
    static void stop() {
        one.close();
        three.close();
    }

    @Property(tries = 60)
    void groupedHeadsEqualSingleHeads(@ForAll @IntRange(min = 1, max = 9) int group, @ForAll @IntRange(min = 1, max = 140) int headDim,
                                      @ForAll @IntRange(min = 0, max = 300) int position, @ForAll long seed) {
        Random rnd = new Random(seed);
        int ctx = position + 1;
        try (Tensor q = TestData.tensor(rnd, DType.F32, Values.NORMAL, 1, group * headDim);
             Tensor k = TestData.tensor(rnd, DType.F32, Values.NORMAL, ctx, headDim);
             Tensor v = TestData.tensor(rnd, DType.F32, Values.NORMAL, ctx, headDim);
             Tensor kEach = Tensor.allocate(DType.F32, ctx, group * headDim);
             Tensor vEach = Tensor.allocate(DType.F32, ctx, group * headDim);
             Tensor shared = Tensor.allocate(DType.F32, 1, group * headDim);
             Tensor own = Tensor.allocate(DType.F32, 1, group * headDim)) {
            for (int t = 0; t < ctx; t++) { // every query head its own copy of the one KV head
                for (int h = 0; h < group; h++) {
                    for (int i = 0; i < headDim; i++) {
                        kEach.setFloat(t * group * headDim + h * headDim + i, k.getFloat(t * headDim + i));
                        vEach.setFloat(t * group * headDim + h * headDim + i, v.getFloat(t * headDim + i));
                    }
                }
            }
            int[] pos = {position};
            one.attention(q, k, v, pos, group, 1, shared); // one worker: the group stays whole, four heads at a time

            three.attention(q, kEach, vEach, pos, group, group, own);
            assertArrayEquals(own.toFloatArray(), shared.toFloatArray(), "group " + group + ", head size " + headDim);
        }
    }

    @Property(tries = 40)
    void rowsDoNotDependOnTheBatchOrTheWorkers(@ForAll @IntRange(min = 1, max = 3) int kvHeads, @ForAll @IntRange(min = 1, max = 6) int group,
                                               @ForAll @IntRange(min = 1, max = 80) int headDim, @ForAll @IntRange(min = 2, max = 6) int rows,
                                               @ForAll @IntRange(min = 0, max = 400) int start, @ForAll long seed) {
        Random rnd = new Random(seed);
        int heads = kvHeads * group, width = heads * headDim, ctx = start + rows;
        int[] pos = new int[rows];
        for (int r = 0; r < rows; r++) {
            pos[r] = start + r;
        }
        try (Tensor q = TestData.tensor(rnd, DType.F32, Values.NORMAL, rows, width);
             Tensor k = TestData.tensor(rnd, DType.F32, Values.NORMAL, ctx, kvHeads * headDim);
             Tensor v = TestData.tensor(rnd, DType.F32, Values.NORMAL, ctx, kvHeads * headDim);
             Tensor batch = Tensor.allocate(DType.F32, rows, width);
             Tensor alone = Tensor.allocate(DType.F32, 1, width)) {
            three.attention(q, k, v, pos, heads, kvHeads, batch);
            for (int r = 0; r < rows; r++) {
                for (CpuBackend b : new CpuBackend[] {one, three}) {
                    b.attention(q.rows(r, r + 1), k, v, new int[] {pos[r]}, heads, kvHeads, alone);
                    float[] a = alone.toFloatArray();
                    for (int i = 0; i < width; i++) {
                        assertEquals(Float.floatToRawIntBits(batch.getFloat(r * width + i)), Float.floatToRawIntBits(a[i]),
                                "row " + r + " of " + rows + " at " + i + ", " + b.threads() + " workers");
                    }
                }
            }
        }
    }
}
