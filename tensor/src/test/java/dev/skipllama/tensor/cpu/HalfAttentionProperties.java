package dev.skipllama.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Dequantize;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.tensor.TestData;
import dev.skipllama.tensor.TestData.Values;
import dev.skipllama.tensor.ref.ReferenceBackend;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Attention over an F16 KV cache (llama.cpp's flash-attention arithmetic, {@code Backend#attention})
 * and the F32 → F16 {@code convert} that fills it: the CPU kernels give the reference's bits at every
 * vector width, for any head size (not only multiples of the lanes or of four), group size, batch
 * (across the kernel's blocks of eight rows and tiles of 32 positions) and worker count; and the definition is attention — within F16 rounding of the F32 attention over
 * the same halves.
 */
class HalfAttentionProperties {
    private static final ReferenceBackend REF = new ReferenceBackend();

    /** A one-worker and a three-worker CPU backend, per try. */
    private record Cpus(CpuBackend one, CpuBackend three) implements AutoCloseable {
        Cpus() {
            this(new CpuBackend(1), new CpuBackend(3));
        }

        @Override
        public void close() {
            one.close();
            three.close();
        }
    }

    @Property(tries = 60)
    void cpuGivesTheReferenceBits(@ForAll @IntRange(min = 1, max = 3) int kvHeads, @ForAll @IntRange(min = 1, max = 6) int group,
                                  @ForAll("headDims") int headDim, @ForAll @IntRange(min = 1, max = 19) int rows,
                                  @ForAll @IntRange(min = 0, max = 120) int start, @ForAll("kinds") Values kind, @ForAll long seed) {
        Random rnd = new Random(seed);
        int heads = kvHeads * group, width = heads * headDim, ctx = start + rows;
        int[] pos = new int[rows];
        for (int r = 0; r < rows; r++) {
            pos[r] = start + r;
        }
        try (Cpus cpus = new Cpus();
             Tensor q = TestData.tensor(rnd, DType.F32, kind, rows, width);
             Tensor k = TestData.tensor(rnd, DType.F16, kind, ctx, kvHeads * headDim);
             Tensor v = TestData.tensor(rnd, DType.F16, kind, ctx, kvHeads * headDim);
             Tensor want = Tensor.allocate(DType.F32, rows, width);
             Tensor got = Tensor.allocate(DType.F32, rows, width);
             Tensor alone = Tensor.allocate(DType.F32, 1, width)) {
            REF.attention(q, k, v, pos, heads, kvHeads, want);
            for (CpuBackend b : new CpuBackend[] {cpus.one(), cpus.three()}) {
                b.attention(q, k, v, pos, heads, kvHeads, got);
                sameBits(want, 0, got, 0, rows * width, b.threads() + " workers, batch of " + rows);
                for (int r = 0; r < rows; r++) { // and each row alone: batch-invariant
                    b.attention(q.rows(r, r + 1), k, v, new int[] {pos[r]}, heads, kvHeads, alone);
                    sameBits(want, r * width, alone, 0, width, b.threads() + " workers, row " + r + " alone");
                }
            }
        }
    }

    /** Any length, and often a multiple of 16, where a score's partial sums stay in vector lanes to the end. */
    @Provide
    Arbitrary<Integer> headDims() {
        return Arbitraries.oneOf(Arbitraries.integers().between(1, 80), Arbitraries.of(16, 32, 64, 80, 128));
    }

    @Provide
    Arbitrary<Values> kinds() {
        return Arbitraries.of(Values.NORMAL, Values.SPARSE, Values.WIDE);
    }

    @Property(tries = 40)
    void isAttentionWithinHalfRounding(@ForAll @IntRange(min = 1, max = 4) int group, @ForAll @IntRange(min = 1, max = 70) int headDim,
                                       @ForAll @IntRange(min = 0, max = 60) int position, @ForAll long seed) {
        Random rnd = new Random(seed);
        int ctx = position + 1, width = group * headDim;
        int[] pos = {position};
        try (Cpus cpus = new Cpus();
             Tensor q = TestData.tensor(rnd, DType.F32, Values.NORMAL, 1, width);
             Tensor k = TestData.tensor(rnd, DType.F16, Values.NORMAL, ctx, headDim);
             Tensor v = TestData.tensor(rnd, DType.F16, Values.NORMAL, ctx, headDim);
             Tensor k32 = Dequantize.toF32(k);
             Tensor v32 = Dequantize.toF32(v);
             Tensor half = Tensor.allocate(DType.F32, 1, width);
             Tensor full = Tensor.allocate(DType.F32, 1, width)) {
            cpus.three().attention(q, k, v, pos, group, 1, half);
            REF.attention(q, k32, v32, pos, group, 1, full);
            // Each of the ctx multiply-adds rounds the accumulator y (|y| ≤ S·max|v|) by at most 2^-11 of it, and
            // so moves out = y/S by at most 2^-11·max|v|; q rounded to F16 moves a score by at most
            // 2^-11·scale·Σ|q_i·k_i|, which moves a convex combination of the v by at most twice that times max|v|.
            float[] vs = v32.toFloatArray(), ks = k32.toFloatArray(), qs = q.toFloatArray();
            float maxV = 0f, maxQk = 0f;
            for (float x : vs) {
                maxV = Math.max(maxV, Math.abs(x));
            }
            for (int h = 0; h < group; h++) {
                for (int t = 0; t < ctx; t++) {
                    float qk = 0f;
                    for (int i = 0; i < headDim; i++) {
                        qk += Math.abs(qs[h * headDim + i] * ks[t * headDim + i]);
                    }
                    maxQk = Math.max(maxQk, qk);
                }
            }
            float bound = 0x1p-11f * maxV * (ctx + 1 + 2.2f * maxQk / (float) Math.sqrt(headDim)) + 1e-6f;
            for (int i = 0; i < width; i++) {
                float a = half.getFloat(i), b = full.getFloat(i);
                assertTrue(Math.abs(a - b) <= bound, "element " + i + ": " + a + " against F32 attention's " + b + " (bound " + bound + ")");
            }
        }
    }

    /** One position: the softmax is 1, and the output is that position's V exactly. */
    @Example
    void onePositionGivesItsValues() {
        Random rnd = new Random(7);
        try (Cpus cpus = new Cpus();
             Tensor q = TestData.tensor(rnd, DType.F32, Values.NORMAL, 1, 2 * 40);
             Tensor k = TestData.tensor(rnd, DType.F16, Values.NORMAL, 4, 40);
             Tensor v = TestData.tensor(rnd, DType.F16, Values.NORMAL, 4, 40);
             Tensor out = Tensor.allocate(DType.F32, 1, 2 * 40);
             Tensor v32 = Dequantize.toF32(v)) {
            for (var b : new dev.skipllama.tensor.Backend[] {REF, cpus.one(), cpus.three()}) {
                b.attention(q, k, v, new int[] {0}, 2, 1, out);
                for (int i = 0; i < 80; i++) {
                    assertEquals(v32.getFloat(i % 40), out.getFloat(i), b.name() + " at " + i);
                }
            }
        }
    }

    @Property(tries = 30)
    void convertRoundsToNearestEvenHalves(@ForAll @IntRange(min = 1, max = 9) int rows, @ForAll @IntRange(min = 1, max = 70) int width,
                                          @ForAll long seed) {
        Random rnd = new Random(seed);
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, -0f, 65504f, 65519.99f, 65520f, -1e6f, 0x1p-24f, 0x1p-25f,
                           0x1.8p-25f, 6.1e-5f, 1e-8f, 3e-39f};
        float[] x = new float[rows * width];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextInt(4) == 0 ? special[rnd.nextInt(special.length)] : (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(9) - 4));
        }
        try (Cpus cpus = new Cpus();
             Tensor src = Tensor.of(x, rows, width);
             Tensor ref = Tensor.allocate(DType.F16, rows, width);
             Tensor cpu = Tensor.allocate(DType.F16, rows, width);
             Tensor f32 = Tensor.allocate(DType.F32, rows, width)) {
            REF.convert(src, ref);
            cpus.three().convert(src, cpu);
            cpus.three().convert(src, f32);
            for (int i = 0; i < x.length; i++) {
                short want = Float.floatToFloat16(x[i]);
                assertEquals(want, ref.segment().getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i), "reference, " + x[i]);
                assertEquals(want, cpu.segment().getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i), "cpu, " + x[i]);
                assertEquals(Float.floatToRawIntBits(x[i]), Float.floatToRawIntBits(f32.getFloat(i)), "F32 copies");
            }
        }
    }

    /** The vector rounding to F16 values is the JDK's scalar conversion there and back, for any float bits. */
    @Property(tries = 300)
    void round16IsTheScalarConversionThereAndBack(@ForAll long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[Simd.L], y = new float[Simd.L];
        for (int i = 0; i < x.length; i++) {
            x[i] = switch (rnd.nextInt(5)) {
                case 0 -> Float.intBitsToFloat(rnd.nextInt());                      // any bits: NaNs, infinities, subnormals
                case 1 -> (float) (rnd.nextGaussian() * 0x1p-14);                   // around the half's subnormals
                case 2 -> Float.float16ToFloat((short) rnd.nextInt()) * (1 + (rnd.nextInt(3) - 1) * 0x1p-11f); // ties and near ties
                case 3 -> (float) (rnd.nextGaussian() * 70000);                     // near the half's largest, 65504
                default -> (float) rnd.nextGaussian();
            };
        }
        if (rnd.nextBoolean()) { // vectors without a special lane take the vector path
            for (int i = 0; i < x.length; i++) {
                if (Float.isNaN(x[i]) || Math.abs(x[i]) > 65504f) {
                    x[i] = 1f;
                }
            }
        }
        HalfAttention.round16(jdk.incubator.vector.FloatVector.fromArray(Simd.F, x, 0), y, 0);
        for (int i = 0; i < x.length; i++) {
            assertEquals(Float.floatToRawIntBits(Float.float16ToFloat(Float.floatToFloat16(x[i]))), Float.floatToRawIntBits(y[i]),
                    "lane " + i + ": " + x[i] + " (" + Integer.toHexString(Float.floatToRawIntBits(x[i])) + ")");
        }
    }

    private static void sameBits(Tensor want, int wantAt, Tensor got, int gotAt, int n, String what) {
        for (int i = 0; i < n; i++) {
            assertEquals(Float.floatToRawIntBits(want.getFloat(wantAt + i)), Float.floatToRawIntBits(got.getFloat(gotAt + i)),
                    what + ", element " + i);
        }
    }
}
