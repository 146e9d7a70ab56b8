package dev.skipllama.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import dev.skipllama.tensor.Backend;
import dev.skipllama.tensor.DType;
import dev.skipllama.tensor.Halfs;
import dev.skipllama.tensor.Tensor;
import dev.skipllama.tensor.TestData;
import dev.skipllama.tensor.TestData.Values;
import dev.skipllama.tensor.quant.QuantizedRow;
import dev.skipllama.tensor.ref.ReferenceBackend;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The packed integer kernels equal the reference's definition of a quantized matmul
 * ({@link dev.skipllama.tensor.quant.QuantDot}) bit for bit, at every vector width the build tests
 * ({@link Simd}). Weights are random bytes (every quant, fifth-bit, high-bit and packed-scale pattern
 * occurs, which no quantizer would produce) with finite F16 scales from zero through subnormals to
 * large; activations of every {@link Values} kind; row counts that leave partial 16-row groups.
 */
class PackedKernelProperties {
    private static Backend cpu;
    private static final Backend ref = new ReferenceBackend();

    @BeforeContainer
    static void start() {
        cpu = new CpuBackend(2);
    }

    @AfterContainer
    static void stop() {
        cpu.close();
    }

    @Provide
    Arbitrary<DType> quantized() {
        return Arbitraries.of(DType.Q8_0, DType.Q4_0, DType.Q4_1, DType.Q5_0, DType.Q4_K, DType.Q5_K, DType.Q6_K);
    }

    @Property(tries = 300)
    void matmulEqualsTheIntegerDefinitionExactly(@ForAll("quantized") DType dtype, @ForAll @IntRange(min = 1, max = 9) int rows,
                                                 @ForAll @IntRange(min = 1, max = 40) int nOut,
                                                 @ForAll @IntRange(min = 1, max = 12) int blocks,
                                                 @ForAll Values kind, @ForAll long seed) {
        int nIn = dtype.blockSize() * (dtype.blockSize() == 256 ? Math.min(blocks, 3) : blocks);
        assertMatmulEqualsTheDefinition(dtype, rows, nOut, nIn, kind, seed);
    }

    /**
     * One token row over rows longer than 4096 values (where the activations outgrow L1 and the F16
     * path changes kernels), enough groups that the workers' chunks hold several and a last partial
     * group: still the definition exactly.
     */
    @Property(tries = 40)
    void longRowsEqualTheIntegerDefinition(@ForAll("quantized") DType dtype,
                                           @ForAll @IntRange(min = 512, max = 600) int nOut,
                                           @ForAll @IntRange(min = 4097, max = 4700) int nInRaw,
                                           @ForAll Values kind, @ForAll long seed) {
        int nIn = (nInRaw + dtype.blockSize() - 1) / dtype.blockSize() * dtype.blockSize();
        assertMatmulEqualsTheDefinition(dtype, 1, nOut, nIn, kind, seed);
    }

    /** Random blocks of {@code dtype} [nOut, nIn], packed, times random activations [rows, nIn]: the reference's bits. */
    private static void assertMatmulEqualsTheDefinition(DType dtype, int rows, int nOut, int nIn, Values kind, long seed) {
        Random rnd = new Random(seed);
        try (Tensor w = randomBlocks(rnd, dtype, nOut, nIn);
             Tensor x = TestData.tensor(rnd, DType.F32, kind, rows, nIn);
             Tensor packed = cpu.upload(w);
             Tensor a = Tensor.allocate(DType.F32, rows, nOut);
             Tensor b = Tensor.allocate(DType.F32, rows, nOut)) {
            cpu.matmul(packed, x, a);
            ref.matmul(w, x, b);
            assertBitsEqual(b, a, dtype + " " + kind + " [" + rows + "x" + nIn + "]·[" + nOut + "x" + nIn + "]ᵀ");
        }
    }

    /**
     * Batches (2-9 token rows: whole fours and a remainder; for Q8_0 the float kernel's five to eight
     * and a remainder) over matrices of several row groups, where Q8_0, Q4_0 and Q4_K run two whole
     * groups per kernel call ({@code TileGemm.dot2}) and an odd or partial last group alone, and the
     * other types one group per call: still the definition exactly.
     */
    @Property(tries = 60)
    void batchesOverSeveralGroupsEqualTheIntegerDefinition(@ForAll("quantized") DType dtype, @ForAll @IntRange(min = 2, max = 9) int rows,
                                                           @ForAll @IntRange(min = 32, max = 90) int nOut,
                                                           @ForAll @IntRange(min = 1, max = 6) int blocks,
                                                           @ForAll Values kind, @ForAll long seed) {
        int nIn = dtype.blockSize() * (dtype.blockSize() == 256 ? Math.min(blocks, 2) : blocks);
        assertMatmulEqualsTheDefinition(dtype, rows, nOut, nIn, kind, seed);
    }

    /**
     * Prompt batches (12 token rows or more; from 24, or 16 for Q4_0 and 12 for Q5_K, the types with panels run through {@code PanelGemm}): row
     * counts that are not a multiple of its six, matrices whose last strip is partial or lies past the
     * last row group, and rows longer than one of its 256-value chunks, whole or not.
     */
    @Property(tries = 40)
    void promptBatchesEqualTheIntegerDefinition(@ForAll("quantized") DType dtype, @ForAll @IntRange(min = 12, max = 31) int rows,
                                                @ForAll @IntRange(min = 1, max = 70) int nOut,
                                                @ForAll @IntRange(min = 1, max = 19) int blocks,
                                                @ForAll Values kind, @ForAll long seed) {
        int nIn = dtype.blockSize() * (dtype.blockSize() == 256 ? Math.min(blocks, 3) : blocks);
        assertMatmulEqualsTheDefinition(dtype, rows, nOut, nIn, kind, seed);
    }

    /**
     * The largest sums a prompt batch meets, where {@code PanelGemm}'s float sums stay exact only because
     * it adds them as ints in spans (Q4_K: half a super-block; Q6_K: 32 values). Q4_K: weights all 15
     * under scales and mins all 63; Q6_K: weights all 1 (so q − 32 = −31) under scales all −127. The
     * activations are all −127 but one −126 after quantization, so the definition's sums are odd and
     * above 2^24; a whole super-block summed in float (or Q6_K's spans doubled) rounds before the
     * definition's single rounding. Q4_0 and Q5_K, whose blocks are summed in 16-bit lanes: weights all
     * 0 (so q − 8 = −8, q − 16 = −16), the largest products a lane meets (Q5_K's 16 · 16 · 127 = 32,512
     * a half, the bound itself), under Q5_K scales and mins all 63.
     */
    @Example
    void promptBatchesAtTheLargestSumsAreExact() {
        for (DType dtype : List.of(DType.Q4_K, DType.Q6_K, DType.Q4_0, DType.Q5_K)) {
            int rows = 30, nOut = 40, nIn = 512;
            try (Tensor w = Tensor.allocate(dtype, nOut, nIn);
                 Tensor x = Tensor.allocate(DType.F32, rows, nIn);
                 Tensor a = Tensor.allocate(DType.F32, rows, nOut);
                 Tensor b = Tensor.allocate(DType.F32, rows, nOut)) {
                MemorySegment ws = w.segment();
                for (long blk = 0; blk < w.byteSize(); blk += dtype.blockBytes()) {
                    if (dtype == DType.Q5_K) { // d, dmin, 6-bit scales and mins all ones, then quants all zero (q − 16 = −16)
                        ws.asSlice(blk, 16).fill((byte) 0xff);
                        ws.asSlice(blk + 16, 160).fill((byte) 0);
                        ws.set(ValueLayout.JAVA_SHORT_UNALIGNED, blk, Halfs.floatToF16(1f));
                        ws.set(ValueLayout.JAVA_SHORT_UNALIGNED, blk + 2, Halfs.floatToF16(0.5f));
                    } else if (dtype == DType.Q4_0) { // d, then nibbles all zero
                        ws.asSlice(blk, 18).fill((byte) 0);
                        ws.set(ValueLayout.JAVA_SHORT_UNALIGNED, blk, Halfs.floatToF16(1f));
                    } else if (dtype == DType.Q4_K) { // d, dmin, then 6-bit scales and mins and nibbles all ones
                        ws.asSlice(blk, 144).fill((byte) 0xff);
                        ws.set(ValueLayout.JAVA_SHORT_UNALIGNED, blk, Halfs.floatToF16(1f));
                        ws.set(ValueLayout.JAVA_SHORT_UNALIGNED, blk + 2, Halfs.floatToF16(0.5f));
                    } else { // ql: low bits 1, qh: high bits 0, sixteen int8 scales −127, d
                        ws.asSlice(blk, 128).fill((byte) 0x11);
                        ws.asSlice(blk + 128, 64).fill((byte) 0);
                        ws.asSlice(blk + 192, 16).fill((byte) -127);
                        ws.set(ValueLayout.JAVA_SHORT_UNALIGNED, blk + 208, Halfs.floatToF16(1f));
                    }
                }
                for (int r = 0; r < rows; r++) {
                    for (int i = 0; i < nIn; i++) {
                        x.segment().setAtIndex(ValueLayout.JAVA_FLOAT, (long) r * nIn + i, i % 256 == 5 + r ? 126f / 127f : 1f);
                    }
                }
                try (Tensor p = cpu.upload(w)) {
                    cpu.matmul(p, x, a);
                }
                ref.matmul(w, x, b);
                assertBitsEqual(b, a, dtype + " at the largest sums");
            }
        }
    }

    /** Large enough to be split across the workers, with several weights over one input in one job (a prompt batch too). */
    @Property(tries = 16)
    void severalWeightsOverOneInputEqualTheDefinition(@ForAll("quantized") DType dtype, @ForAll @IntRange(min = 1, max = 26) int rows,
                                                      @ForAll @IntRange(min = 100, max = 300) int nOut, @ForAll long seed) {
        int nIn = dtype.blockSize() == 256 ? 512 : 256;
        Random rnd = new Random(seed);
        try (Tensor w1 = randomBlocks(rnd, dtype, nOut, nIn);
             Tensor w2 = randomBlocks(rnd, dtype, nOut / 3 + 1, nIn);
             Tensor x = TestData.tensor(rnd, DType.F32, Values.NORMAL, rows, nIn);
             Tensor p1 = cpu.upload(w1);
             Tensor p2 = cpu.upload(w2);
             Tensor a1 = Tensor.allocate(DType.F32, rows, nOut);
             Tensor a2 = Tensor.allocate(DType.F32, rows, nOut / 3 + 1);
             Tensor b1 = Tensor.allocate(DType.F32, rows, nOut);
             Tensor b2 = Tensor.allocate(DType.F32, rows, nOut / 3 + 1)) {
            cpu.matmul(List.of(p1, p2), x, List.of(a1, a2));
            ref.matmul(w1, x, b1);
            ref.matmul(w2, x, b2);
            assertBitsEqual(b1, a1, dtype + " first of two");
            assertBitsEqual(b2, a2, dtype + " second of two");
        }
    }

    @Property(tries = 60)
    void packingKeepsEveryByte(@ForAll("quantized") DType dtype, @ForAll @IntRange(min = 1, max = 40) int rows,
                               @ForAll @IntRange(min = 1, max = 3) int blocks, @ForAll long seed) {
        Random rnd = new Random(seed);
        try (Tensor w = randomBlocks(rnd, dtype, rows, dtype.blockSize() * blocks);
             Tensor packed = cpu.upload(w);
             Tensor back = Tensor.allocate(dtype, w.shape())) {
            assertEquals(true, packed.isPacked());
            cpu.toHost(packed, back);
            assertEquals(-1L, w.segment().mismatch(back.segment()), dtype + ": the unpacked bytes differ");
        }
    }

    @Property(tries = 40)
    void embeddingFromAPackedTableEqualsReference(@ForAll("quantized") DType dtype, @ForAll @IntRange(min = 1, max = 30) int vocab,
                                                  @ForAll @IntRange(min = 1, max = 6) int count, @ForAll long seed) {
        Random rnd = new Random(seed);
        int d = dtype.blockSize() * 2;
        int[] tokens = rnd.ints(count, 0, vocab).toArray();
        try (Tensor table = randomBlocks(rnd, dtype, vocab, d);
             Tensor packed = cpu.upload(table);
             Tensor a = Tensor.allocate(DType.F32, count, d);
             Tensor b = Tensor.allocate(DType.F32, count, d)) {
            cpu.embedding(packed, tokens, a);
            ref.embedding(table, tokens, b);
            assertBitsEqual(b, a, "embedding " + dtype);
        }
    }

    /**
     * The steps the quantizer writes for the 4-, 5- and 6-bit single-row kernels (written out, or in
     * vector lanes) equal {@link Words#steps} of the word layouts, the general form that defines them.
     */
    @Property(tries = 100)
    void stepsEqualThoseOfTheWordLayouts(@ForAll @IntRange(min = 1, max = 3) int count, @ForAll Values kind, @ForAll long seed) {
        Random rnd = new Random(seed);
        int n = 32 * count;
        try (Tensor t = Tensor.of(TestData.floats(rnd, n, kind), 1, n)) {
            QuantizedRow want = new QuantizedRow(QuantizedRow.Blocks.B32, n).quantize(t.segment(), 0);
            QuantizedActivations got = new QuantizedActivations(1);
            got.reset(QuantizedRow.Blocks.B32, 1, n, java.util.EnumSet.allOf(QuantizedActivations.Extra.class));
            got.quantizeRow(t.segment(), 0, 0, 0);
            int[] q = new int[n];
            for (int i = 0; i < n; i++) {
                q[i] = want.q(i);
            }
            int[] expect = new int[20];
            for (int g = 0; g < n / 32; g++) {
                int lo = 32 * g, hi = lo + 16;
                for (int m = 0; m < 4; m++) {
                    Words.steps(Words.FOUR[m], q, lo, hi, expect, 4 * m);
                }
                for (int k = 0; k < 16; k++) {
                    assertEquals(expect[k], got.steps[16 * g + k], "4-bit step " + k + " of group " + g);
                }
                for (int w = 0; w < 5; w++) {
                    Words.steps(Words.FIVE[w], q, lo, hi, expect, 4 * w);
                }
                for (int k = 0; k < 20; k++) {
                    assertEquals(expect[k], got.quints[20 * g + k], "5-bit step " + k + " of group " + g);
                }
                for (int w = 0, at = 0; w < 6; at += Words.SIX[w].length, w++) {
                    Words.steps(Words.SIX[w], q, lo, hi, expect, at);
                }
                for (int k = 0; k < 20; k++) {
                    assertEquals(expect[k], got.sextets[20 * g + k], "6-bit step " + k + " of group " + g);
                }
            }
        }
    }

    /** The vector quantizer of the CPU backend gives the definition's q, d and sums, NaN and infinity included. */
    @Property(tries = 200)
    void activationQuantizationEqualsTheDefinition(@ForAll QuantizedRow.Blocks blocks, @ForAll @IntRange(min = 1, max = 3) int count,
                                                   @ForAll Values kind, @ForAll @IntRange(min = 0, max = 3) int specials, @ForAll long seed) {
        Random rnd = new Random(seed);
        int n = blocks.size() * count;
        float[] x = TestData.floats(rnd, n, kind);
        for (int i = 0; i < specials; i++) {
            x[rnd.nextInt(n)] = switch (rnd.nextInt(4)) {
                case 0 -> Float.NaN;
                case 1 -> Float.POSITIVE_INFINITY;
                case 2 -> -x[rnd.nextInt(n)]; // ties in magnitude with opposite signs
                default -> 0f;
            };
        }
        try (Tensor t = Tensor.of(x, 1, n)) {
            QuantizedRow want = new QuantizedRow(blocks, n).quantize(t.segment(), 0);
            QuantizedActivations got = new QuantizedActivations(1);
            got.reset(blocks, 1, n, java.util.EnumSet.allOf(QuantizedActivations.Extra.class));
            got.quantizeRow(t.segment(), 0, 0, 0);
            for (int b = 0; b < n / blocks.size(); b++) {
                assertEquals(Float.floatToIntBits(want.d(b)), Float.floatToIntBits(got.d[b]), "d of block " + b);
            }
            for (int g = 0; g < n / 32; g++) {
                assertEquals(want.sum(g), got.sum[g], "sum of group " + g + " " + blocks + " " + kind + " specials " + specials + " seed " + seed + " x " + java.util.Arrays.toString(java.util.Arrays.copyOfRange(x, 32 * g, 32 * g + 32)));
                assertEquals(Float.floatToIntBits(want.s(g)), Float.floatToIntBits(got.s[g]), "s of group " + g);
                for (int s = 0; s < 16; s++) {
                    int pair = got.pairs[16 * g + s];
                    assertEquals(want.q(32 * g + s), (short) pair, "q " + (32 * g + s));
                    assertEquals(want.q(32 * g + 16 + s), pair >> 16, "q " + (32 * g + 16 + s));
                    // the 4-bit kernels' steps: y_s − 16·y_(s−1) within each run of four slots
                    int prevLo = s % 4 == 0 ? 0 : want.q(32 * g + s - 1), prevHi = s % 4 == 0 ? 0 : want.q(32 * g + 16 + s - 1);
                    int step = got.steps[16 * g + s];
                    assertEquals(want.q(32 * g + s) - 16 * prevLo, (short) step, "step " + (32 * g + s));
                    assertEquals(want.q(32 * g + 16 + s) - 16 * prevHi, step >> 16, "step " + (32 * g + 16 + s));
                }
                int sumLo = 0, sumHi = 0;
                for (int s = 0; s < 16; s++) {
                    sumLo += want.q(32 * g + s);
                    sumHi += want.q(32 * g + 16 + s);
                }
                assertEquals((short) (-16 * sumLo), (short) got.center[g], "center of the low half of group " + g);
                assertEquals((short) (-16 * sumHi), got.center[g] >> 16, "center of the high half of group " + g);
                for (int w = 0; w < 5; w++) { // the Q5_K kernel's base-32 steps, as defined in QuantizedActivations.quints
                    for (int half = 0; half < 2; half++) {
                        int at = 32 * g + 16 * half, y0 = want.q(at + 3 * w), y1 = want.q(at + 3 * w + 1), y2 = want.q(at + 3 * w + 2);
                        int[] expect = {y0, y1 - 32 * y0, y2 - 32 * y1, (want.q(at + 15) << w) - 32 * y2};
                        for (int k = 0; k < 4; k++) {
                            int got16 = half == 0 ? (short) got.quints[20 * g + 4 * w + k] : got.quints[20 * g + 4 * w + k] >> 16;
                            assertEquals((short) expect[k], (short) got16, "quint step " + k + " of word " + w + ", half " + half);
                        }
                    }
                }
                for (int half = 0; half < 2; half++) { // the Q6_K kernels' centers and base-64 steps (QuantizedActivations.sextets)
                    for (int set = 0; set < 2; set++) {
                        int at = 32 * g + 16 * half + 8 * set, sum8 = 0;
                        int[] y = new int[8];
                        for (int i = 0; i < 8; i++) {
                            y[i] = want.q(at + i);
                            sum8 += y[i];
                        }
                        int c = got.center6[2 * g + set];
                        assertEquals((short) (-32 * sum8), (short) (half == 0 ? c : c >> 16), "center6 of set " + set + ", half " + half);
                        int[] expect = {y[0], y[1] - 64 * y[0], y[6] - 64 * y[1], y[2], y[3] - 64 * y[2], 16 * y[6] - 64 * y[3],
                                y[7] - 64 * y[6], y[4], y[5] - 64 * y[4], 4 * y[7] - 64 * y[5]};
                        for (int k = 0; k < 10; k++) {
                            int st = got.sextets[20 * g + 10 * set + k];
                            assertEquals((short) expect[k], (short) (half == 0 ? st : st >> 16), "sextet step " + k + " of set " + set + ", half " + half);
                        }
                    }
                }
                for (int i = 32 * g; i < 32 * g + 32; i++) { // the Q8_0 batch kernel's floats
                    assertEquals((float) want.q(i), got.qf[i], "qf " + i);
                }
            }
        }
    }

    /**
     * Packing in runs of rows (as a large matrix is, so that a file's pages can be dropped as they are
     * copied) gives the same tiles as one run, and reports every row once, in order, each run after it
     * is copied; a bad scale in a later run is refused with its row counted from the matrix's start.
     */
    @Property(tries = 30)
    void packingInRunsOfRowsGivesTheSameTilesAndReportsEveryRowOnce(@ForAll("quantized") DType dtype,
                                                                     @ForAll @IntRange(min = 1, max = 90) int rows,
                                                                     @ForAll @IntRange(min = 1, max = 3) int blocks,
                                                                     @ForAll @IntRange(min = 1, max = 4) int groupsPerRun,
                                                                     @ForAll long seed) {
        Random rnd = new Random(seed);
        int cols = dtype.blockSize() * blocks;
        try (WorkerPool pool = new WorkerPool(2); Tensor w = randomBlocks(rnd, dtype, rows, cols)) {
            long runBytes = groupsPerRun * Packing.G * w.rowBytes();
            java.util.List<int[]> runs = new java.util.ArrayList<>();
            try (Tensor whole = Packing.pack(w, pool, Long.MAX_VALUE, r -> { });
                 Tensor inRuns = Packing.pack(w, pool, runBytes, r -> runs.add(new int[]{
                         (int) ((r.segment().address() - w.segment().address()) / w.rowBytes()), r.dim(0)}))) {
                assertEquals(-1L, whole.packedSegment().mismatch(inRuns.packedSegment()), dtype + " tiles packed in runs differ");
            }
            int next = 0;
            for (int[] run : runs) {
                assertEquals(next, run[0], "runs in order, each starting where the last ended");
                next += run[1];
            }
            assertEquals(rows, next, "every row reported once");
            assertEquals((rows + groupsPerRun * Packing.G - 1) / (groupsPerRun * Packing.G), runs.size(), "one report per run");
            if (rows > Packing.G * groupsPerRun) { // a bad scale in the last run: refused, its row named from the start
                int bad = rows - 1, scaleAt = dtype == DType.Q6_K ? 208 : 0;
                w.segment().set(ValueLayout.JAVA_SHORT_UNALIGNED, bad * w.rowBytes() + scaleAt, (short) 0x7c00);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Packing.pack(w, pool, runBytes, r -> { }).close());
                if (!e.getMessage().contains("row " + bad + ",")) {
                    fail("the message should name row " + bad + ": " + e.getMessage());
                }
            }
        }
    }

    @Property(tries = 10)
    void aNonFiniteScaleIsRefusedAtUpload(@ForAll("quantized") DType dtype, @ForAll long seed) {
        Random rnd = new Random(seed);
        try (Tensor w = randomBlocks(rnd, dtype, 3, dtype.blockSize())) {
            int scaleAt = dtype == DType.Q6_K ? 208 : 0;
            w.segment().set(ValueLayout.JAVA_SHORT_UNALIGNED, (long) rnd.nextInt(3) * dtype.blockBytes() + scaleAt,
                    rnd.nextBoolean() ? (short) 0x7c00 : (short) 0x7e01);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cpu.upload(w).close());
            if (!e.getMessage().contains("scale")) {
                fail("the message should name the scale: " + e.getMessage());
            }
        }
    }

    static void assertBitsEqual(Tensor want, Tensor got, String what) {
        for (int i = 0; i < want.numel(); i++) {
            int wb = Float.floatToIntBits(want.getFloat(i)), gb = Float.floatToIntBits(got.getFloat(i));
            if (wb != gb) {
                fail(what + " at " + i + ": reference " + want.getFloat(i) + ", cpu " + got.getFloat(i) + " (" + Simd.describe() + ")");
            }
        }
    }

    /** Random bytes, then finite F16 block scales (d, and m/dmin where the dtype has one) of random magnitude. */
    static Tensor randomBlocks(Random rnd, DType dtype, int rows, int cols) {
        Tensor t = Tensor.allocate(dtype, rows, cols);
        MemorySegment s = t.segment();
        byte[] bytes = new byte[(int) t.byteSize()];
        rnd.nextBytes(bytes);
        MemorySegment.copy(bytes, 0, s, ValueLayout.JAVA_BYTE, 0, bytes.length);
        int[] scales = switch (dtype) {
            case Q8_0, Q4_0, Q5_0 -> new int[]{0};
            case Q4_1, Q4_K, Q5_K -> new int[]{0, 2};
            case Q6_K -> new int[]{208};
            case F32, F16, BF16 -> new int[0];
        };
        for (long blk = 0; blk < t.byteSize(); blk += dtype.blockBytes()) {
            for (int at : scales) {
                s.set(ValueLayout.JAVA_SHORT_UNALIGNED, blk + at, scale(rnd));
            }
        }
        return t;
    }

    private static short scale(Random rnd) {
        return switch (rnd.nextInt(6)) {
            case 0 -> (short) 0;
            case 1 -> (short) (rnd.nextInt(0x3ff) + 1 | (rnd.nextBoolean() ? 0x8000 : 0)); // F16 subnormal
            case 2 -> Halfs.floatToF16((float) (rnd.nextGaussian() * 10));
            default -> Halfs.floatToF16((float) (rnd.nextGaussian() * 1e-3));
        };
    }
}
