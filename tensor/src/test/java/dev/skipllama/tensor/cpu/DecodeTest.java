package dev.skipllama.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * The in-register half decoders ({@link HalfDot}) equal the scalar definitions bit for bit for all
 * 65536 values, and every kernel there adds the one-row kernel's products in its order.
 */
class DecodeTest {

    /**
     * The value {@link HalfDot#f16} (or {@link HalfDot#bf16}) decodes from half {@code h}: a row of 2L
     * halves, all zero but {@code h} at position {@code h mod 2L}, against a one-hot activation row
     * there. The other products are +0, so the sum is the decoded value (a −0 becomes +0).
     */
    private static float decoded(boolean f16, int h, MemorySegment w, MemorySegment x, MemorySegment xd) {
        int n = 2 * Simd.L, at = h % n;
        w.fill((byte) 0);
        x.fill((byte) 0);
        w.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, at, (short) h);
        x.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, at, 1f);
        HalfDot.deinterleave(x, xd, 1, n);
        return f16 ? HalfDot.f16(w, 0, xd, 0, n) : HalfDot.bf16(w, 0, xd, 0, n, new float[Simd.L]);
    }

    /**
     * {@link HalfDot#deinterleave} as its definition says: per whole chunk of 2L values the even-indexed
     * ones, then the odd-indexed ones; the values past the last whole chunk in place. Rows of every
     * length up to five chunks and a half, three rows at once, each value distinct (its index).
     */
    @Test
    void deinterleaveTakesEachChunksEvenThenOddValues() {
        int chunk = 2 * Simd.L;
        try (Arena arena = Arena.ofConfined()) {
            for (int n = 1; n <= 5 * chunk + chunk / 2 + 1; n++) {
                int rows = 3;
                MemorySegment x = arena.allocate(4L * rows * n), xd = arena.allocate(4L * rows * n);
                for (int i = 0; i < rows * n; i++) {
                    x.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, i);
                }
                HalfDot.deinterleave(x, xd, rows, n);
                int whole = n / chunk * chunk;
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < n; c++) {
                        int src = c >= whole ? c : c / chunk * chunk + (c % chunk < Simd.L ? 2 * (c % chunk) : 2 * (c % chunk - Simd.L) + 1);
                        assertEquals(r * n + src, xd.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, (long) r * n + c),
                                "row " + r + " value " + c + " of " + n + " with " + Simd.describe());
                    }
                }
            }
        }
    }

    @Test
    void f16DecodeEqualsTheJdkForAllHalfValues() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = arena.allocate(4L * Simd.L), x = arena.allocate(8L * Simd.L), xd = arena.allocate(8L * Simd.L);
            for (int h = 0; h < 65536; h++) {
                float got = decoded(true, h, w, x, xd), want = Float.float16ToFloat((short) h);
                if (Float.isNaN(want)) {
                    assertTrue(Float.isNaN(got), "half 0x" + Integer.toHexString(h));
                    continue;
                }
                assertEquals(Float.floatToRawIntBits(want + 0f), Float.floatToRawIntBits(got), "half 0x" + Integer.toHexString(h) + " with " + Simd.describe());
            }
        }
    }

    @Test
    void bf16DecodeIsTheHighHalfForAllValues() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = arena.allocate(4L * Simd.L), x = arena.allocate(8L * Simd.L), xd = arena.allocate(8L * Simd.L);
            for (int h = 0; h < 65536; h++) {
                float got = decoded(false, h, w, x, xd), want = Float.intBitsToFloat(h << 16);
                if (Float.isNaN(want)) {
                    assertTrue(Float.isNaN(got), "bf16 0x" + Integer.toHexString(h));
                    continue;
                }
                assertEquals(Float.floatToRawIntBits(want + 0f), Float.floatToRawIntBits(got), "bf16 0x" + Integer.toHexString(h));
            }
        }
    }

    /**
     * {@code got} has the bits {@code wantBits}, or both are NaN: which NaN an operation on two NaNs (or
     * on an infinity and a NaN) returns depends on the operand order of the instruction the JIT chose,
     * not on the order of the additions, which is what these tests pin down.
     */
    private static void same(int wantBits, float got, String message) {
        if (!(Float.isNaN(Float.intBitsToFloat(wantBits)) && Float.isNaN(got))) {
            assertEquals(wantBits, Float.floatToRawIntBits(got), message);
        }
    }

    /** {@code count} halves drawn over every finite bit pattern: zeros, subnormals, 65504. */
    private static void finiteHalves(MemorySegment w, long count, java.util.Random rnd) {
        for (long i = 0; i < count; i++) {
            short h;
            do {
                h = (short) rnd.nextInt(1 << 16);
            } while ((h & 0x7c00) == 0x7c00);
            w.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, h);
        }
    }

    /** {@code count} activations of magnitudes from subnormal to just below 2^16 (what the scaled kernels accept). */
    private static void activations(MemorySegment x, long count, java.util.Random rnd) {
        float[] magnitudes = {1f, 0x1p-140f, 1e-20f, 1e3f, 65535.99f};
        for (long i = 0; i < count; i++) {
            float m = magnitudes[rnd.nextInt(magnitudes.length)];
            x.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) (m * (rnd.nextBoolean() ? -1 : 1) * Math.min(1, Math.abs(rnd.nextGaussian()))));
        }
    }

    /** Random halves, with infinities and NaNs in weight row {@code special} (none if negative). */
    private static void fillWeights(MemorySegment w, int weightRows, int n, int special, java.util.Random rnd) {
        for (int row = 0; row < weightRows; row++) {
            for (int i = 0; i < n; i++) {
                float v = (float) rnd.nextGaussian();
                if (row == special && i % 37 == 5) {
                    v = new float[]{Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN}[i % 3];
                }
                w.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, (long) row * n + i, Float.floatToFloat16(v));
            }
        }
    }

    /**
     * Four weight rows against two to four token rows at once (and the two-row tile against two) add, per (weight row, token row) pair,
     * the products of the one-row kernel in its order: what batch invariance rests on for a batch of
     * half-precision weights. Specials in one weight row only (the decode's rare path then runs for all
     * four and must leave the others' values as they are), and in none; lengths with and without tails.
     */
    @Test
    void tileKernelsEqualTheRowKernelPerPair() {
        java.util.Random rnd = new java.util.Random(17);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[]{1, 2 * Simd.L, 2 * Simd.L + 5, 6 * Simd.L + 1, 1000, 4099}) {
                for (int rows = 2; rows <= 4; rows++) {
                    for (int special : new int[]{-1, 0, 3}) {
                        MemorySegment w = arena.allocate(2L * n * 4), x = arena.allocate(4L * n * rows), xd = arena.allocate(4L * n * rows);
                        fillWeights(w, 4, n, special, rnd);
                        for (int i = 0; i < n * rows; i++) {
                            x.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) rnd.nextGaussian());
                        }
                        HalfDot.deinterleave(x, xd, rows, n);
                        float[] lanes = new float[16 * Simd.L], f16 = new float[16], bf16 = new float[16];
                        HalfDot.f16Tile4x4(w, 0, 2L * n, xd, 0, 4L * n, rows, n, lanes, f16, false, false);
                        HalfDot.bf16Tile4x4(w, 0, 2L * n, xd, 0, 4L * n, rows, n, lanes, bf16);
                        float[] f16Pair = new float[8], bf16Pair = new float[8];
                        if (rows == 2) {
                            HalfDot.f16Tile4x2(w, 0, 2L * n, xd, 0, 4L * n, n, lanes, f16Pair, false);
                            HalfDot.bf16Tile4x2(w, 0, 2L * n, xd, 0, 4L * n, n, lanes, bf16Pair);
                        }
                        for (int j = 0; j < 4; j++) {
                            for (int k = 0; k < rows; k++) {
                                String at = "n=" + n + " rows=" + rows + " weight row " + j + " token row " + k
                                        + " specials in row " + special + " with " + Simd.describe();
                                int want16 = Float.floatToRawIntBits(HalfDot.f16(w, 2L * n * j, xd, 4L * n * k, n));
                                int wantB16 = Float.floatToRawIntBits(HalfDot.bf16(w, 2L * n * j, xd, 4L * n * k, n, new float[Simd.L]));
                                same(want16, f16[4 * j + k], "f16 " + at);
                                same(wantB16, bf16[4 * j + k], "bf16 " + at);
                                if (rows == 2) {
                                    same(want16, f16Pair[2 * j + k], "f16 4x2 " + at);
                                    same(wantB16, bf16Pair[2 * j + k], "bf16 4x2 " + at);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Through the backend: F16 weights with an infinity or NaN in one row's whole chunks and in another
     * row's tail give every (token row, output) the one-row kernel's value (any NaN for a NaN), for one
     * token row and for batches of two to nine, short rows and rows past the four-rows-per-pass length,
     * one matrix in chunks of several weight quads (a prompt's tiles run token quad by token quad):
     * the one-token paths that look for specials themselves and redo a row without the scaling, the 4×4
     * tiles that do the same for their four weight rows (three or more token rows), and the 4×2 tiles
     * that are told by a pass over their four rows.
     */
    @Test
    void specialHalvesThroughTheBackendGiveTheRowKernelsValues() {
        java.util.Random rnd = new java.util.Random(41);
        try (Arena arena = Arena.ofConfined(); CpuBackend backend = new CpuBackend(2)) {
            for (int[] shape : new int[][]{{6 * Simd.L + 3, 8}, {4100, 8}, {2 * Simd.L * 40, 203}, {2 * Simd.L * 8, 264}}) {
                int n = shape[0], nOut = shape[1]; // the third: several quads per chunk and three rows past them; the
                // last: whole chunks only, so one token row takes sixteen weight rows at a time and eight alone
                dev.skipllama.tensor.Tensor w = dev.skipllama.tensor.Tensor.allocate(dev.skipllama.tensor.DType.F16, nOut, n);
                fillWeights(w.segment(), nOut, n, -1, rnd);
                w.segment().setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, 3L * n + 5, (short) 0x7c00); // +inf, in row 3's first chunk
                w.segment().setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, 6L * n + n - 1, (short) 0xfe01); // a NaN, row 6's tail
                if (nOut > 8) { // −inf in a quad after a finite one of the same chunk
                    w.segment().setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, 21L * n + 7, (short) 0xfc00);
                }
                for (int rows : new int[]{1, 2, 3, 4, 5, 9}) {
                    dev.skipllama.tensor.Tensor x = dev.skipllama.tensor.Tensor.allocate(dev.skipllama.tensor.DType.F32, rows, n);
                    dev.skipllama.tensor.Tensor out = dev.skipllama.tensor.Tensor.allocate(dev.skipllama.tensor.DType.F32, rows, nOut);
                    for (long i = 0; i < (long) rows * n; i++) {
                        x.setFloat(i, (float) rnd.nextGaussian());
                    }
                    MemorySegment xd = arena.allocate(4L * n * rows);
                    HalfDot.deinterleave(x.segment(), xd, rows, n);
                    backend.matmul(w, x, out);
                    for (int r = 0; r < rows; r++) {
                        for (int o = 0; o < nOut; o++) {
                            float want = HalfDot.f16(w.segment(), 2L * n * o, xd, 4L * n * r, n);
                            same(Float.floatToRawIntBits(want), out.getFloat((long) r * nOut + o),
                                    "n=" + n + " rows=" + rows + " token row " + r + " output " + o + " with " + Simd.describe());
                        }
                    }
                    x.close();
                    out.close();
                }
                w.close();
            }
        }
    }

    /** BF16 weights through the backend, one token row: each output has the one-row kernel's bits (sixteen rows at a time and the rest). */
    @Test
    void bf16ThroughTheBackendGivesTheRowKernelsValues() {
        java.util.Random rnd = new java.util.Random(43);
        try (Arena arena = Arena.ofConfined(); CpuBackend backend = new CpuBackend(2)) {
            for (int[] shape : new int[][]{{2 * Simd.L * 8, 264}, {2 * Simd.L * 8 + 5, 40}}) {
                int n = shape[0], nOut = shape[1];
                dev.skipllama.tensor.Tensor w = dev.skipllama.tensor.Tensor.allocate(dev.skipllama.tensor.DType.BF16, nOut, n);
                for (long i = 0; i < (long) nOut * n; i++) {
                    w.segment().setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, dev.skipllama.tensor.Halfs.floatToBf16((float) rnd.nextGaussian()));
                }
                dev.skipllama.tensor.Tensor x = dev.skipllama.tensor.Tensor.allocate(dev.skipllama.tensor.DType.F32, 1, n);
                dev.skipllama.tensor.Tensor out = dev.skipllama.tensor.Tensor.allocate(dev.skipllama.tensor.DType.F32, 1, nOut);
                for (long i = 0; i < n; i++) {
                    x.setFloat(i, (float) rnd.nextGaussian());
                }
                MemorySegment xd = arena.allocate(4L * n);
                HalfDot.deinterleave(x.segment(), xd, 1, n);
                backend.matmul(w, x, out);
                for (int o = 0; o < nOut; o++) {
                    int want = Float.floatToRawIntBits(HalfDot.bf16(w.segment(), 2L * n * o, xd, 0, n, new float[Simd.L]));
                    same(want, out.getFloat(o), "n=" + n + " output " + o + " with " + Simd.describe());
                }
                x.close();
                out.close();
                w.close();
            }
        }
    }

    /**
     * The finite-weight tiles on activations scaled by 2^112 give, per (weight row, token row) pair, the
     * bits of the one-row kernel on the activations as they are: every finite half (bit patterns drawn
     * over the whole range: zeros, subnormals, 65504) against activations from subnormal to just below
     * 2^16. Also: the finiteness test sees one infinity or NaN anywhere in four rows, tails included, and
     * the scaled copy is refused where a value would overflow.
     */
    @Test
    void finiteTilesOnScaledActivationsEqualTheRowKernelPerPair() {
        java.util.Random rnd = new java.util.Random(23);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[]{1, 2 * Simd.L, 2 * Simd.L + 5, 6 * Simd.L + 1, 1000}) {
                for (int rows = 2; rows <= 4; rows++) {
                    MemorySegment w = arena.allocate(2L * n * 4), x = arena.allocate(4L * n * rows);
                    MemorySegment xd = arena.allocate(4L * n * rows), xs = arena.allocate(4L * n * rows);
                    finiteHalves(w, 4L * n, rnd);
                    activations(x, (long) n * rows, rnd);
                    HalfDot.deinterleave(x, xd, rows, n);
                    assertTrue(HalfDot.scaledCopy(xd, xs, (long) rows * n), "every |x| is below 2^16");
                    assertTrue(HalfDot.f16Finite(w, 0, 2L * n, n), "no special half");
                    float[] lanes = new float[16 * Simd.L], tile = new float[16], pair = new float[8];
                    assertTrue(HalfDot.f16Tile4x4(w, 0, 2L * n, xs, 0, 4L * n, rows, n, lanes, tile, true, true), "no special half met");
                    if (rows == 2) {
                        HalfDot.f16Tile4x2(w, 0, 2L * n, xs, 0, 4L * n, n, lanes, pair, true);
                    }
                    for (int j = 0; j < 4; j++) {
                        for (int k = 0; k < rows; k++) {
                            String at = "n=" + n + " rows=" + rows + " weight row " + j + " token row " + k + " with " + Simd.describe();
                            int want = Float.floatToRawIntBits(HalfDot.f16(w, 2L * n * j, xd, 4L * n * k, n));
                            same(want, tile[4 * j + k], "f16 4x4 finite " + at);
                            if (rows == 2) {
                                same(want, pair[2 * j + k], "f16 4x2 finite " + at);
                            }
                        }
                    }
                    int row = rnd.nextInt(4), col = rnd.nextInt(n);
                    w.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, (long) row * n + col, (short) (rnd.nextBoolean() ? 0x7c00 : 0xfe01));
                    assertFalse(HalfDot.f16Finite(w, 0, 2L * n, n), "a special half at row " + row + " value " + col + " of " + n);
                    for (float bad : new float[]{-0x1p16f, Float.NaN, Float.POSITIVE_INFINITY}) {
                        int at = rnd.nextInt(n * rows);
                        float was = xd.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, at);
                        xd.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, at, bad);
                        assertFalse(HalfDot.scaledCopy(xd, xs, (long) rows * n), bad + " at " + at + " of " + n * rows);
                        xd.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, at, was);
                    }
                }
            }
        }
    }

    /**
     * The one-token kernels on activations scaled by 2^112 ({@link HalfDot#f16Scaled}, four rows at a
     * time {@link HalfDot#f16Rows4} with {@code scaled}) give the bits of the kernels on the activations as they are,
     * for finite halves over their whole range, lengths with and without the four-chunk passes and
     * tails; and they refuse (NaN, false) where a special half lies in their vectors, or for the one-row
     * kernel in its tail — a four-row kernel adds a tail's special as the unscaled kernel does.
     */
    /**
     * The scaled 4×4 tile that looks for specials itself (the first pass over four weight rows of a
     * batch) says so exactly where the finiteness pass would: an infinity or NaN in a row's whole
     * chunks or in its tail, in the first row or the last; otherwise it returns the row kernel's values.
     */
    @Test
    void checkingTileFindsTheSpecialsTheFinitenessPassFinds() {
        java.util.Random rnd = new java.util.Random(29);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[]{1, 2 * Simd.L, 2 * Simd.L + 5, 6 * Simd.L + 1, 1000}) {
                for (int special : new int[]{-1, 0, 3}) {
                    for (boolean inTail : new boolean[]{false, true}) {
                        int rows = 4;
                        MemorySegment w = arena.allocate(2L * n * 4), x = arena.allocate(4L * n * rows);
                        MemorySegment xd = arena.allocate(4L * n * rows), xs = arena.allocate(4L * n * rows);
                        finiteHalves(w, 4L * n, rnd);
                        int whole = n / (2 * Simd.L) * (2 * Simd.L);
                        int at = inTail ? (whole < n ? n - 1 : -1) : (whole > 0 ? whole / 2 : -1);
                        if (special >= 0 && at >= 0) {
                            w.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, (long) special * n + at,
                                    new short[]{(short) 0x7c00, (short) 0xfc00, (short) 0x7e01}[rnd.nextInt(3)]);
                        }
                        activations(x, (long) n * rows, rnd);
                        HalfDot.deinterleave(x, xd, rows, n);
                        assertTrue(HalfDot.scaledCopy(xd, xs, (long) rows * n), "every |x| is below 2^16");
                        float[] lanes = new float[16 * Simd.L], tile = new float[16];
                        boolean finite = HalfDot.f16Finite(w, 0, 2L * n, n);
                        String where = "n=" + n + " special in row " + special + " at " + at + " with " + Simd.describe();
                        assertEquals(finite, HalfDot.f16Tile4x4(w, 0, 2L * n, xs, 0, 4L * n, rows, n, lanes, tile, true, true), where);
                        for (int j = 0; finite && j < 4; j++) {
                            for (int k = 0; k < rows; k++) {
                                same(Float.floatToRawIntBits(HalfDot.f16(w, 2L * n * j, xd, 4L * n * k, n)), tile[4 * j + k],
                                        "f16 4x4 checking " + where + " weight row " + j + " token row " + k);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void scaledRowKernelsEqualTheRowKernels() {
        java.util.Random rnd = new java.util.Random(29);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[]{1, 2 * Simd.L, 2 * Simd.L + 5, 6 * Simd.L + 1, 8 * Simd.L, 8 * Simd.L + 3, 18 * Simd.L + 7, 1000, 4099}) {
                MemorySegment w = arena.allocate(2L * n * 4), x = arena.allocate(4L * n), xd = arena.allocate(4L * n), xs = arena.allocate(4L * n);
                finiteHalves(w, 4L * n, rnd);
                activations(x, n, rnd);
                HalfDot.deinterleave(x, xd, 1, n);
                assertTrue(HalfDot.scaledCopy(xd, xs, n), "every |x| is below 2^16");
                String at = "n=" + n + " with " + Simd.describe();
                float[] four = new float[4], fourScaled = new float[4];
                HalfDot.f16Rows4(w, 0, 2L * n, xd, 0, n, four, false);
                assertTrue(HalfDot.f16Rows4(w, 0, 2L * n, xs, 0, n, fourScaled, true), "finite rows, " + at);
                for (int j = 0; j < 4; j++) {
                    int want = Float.floatToRawIntBits(HalfDot.f16(w, 2L * n * j, xd, 0, n));
                    same(want, HalfDot.f16Scaled(w, 2L * n * j, xs, 0, n, new float[Simd.L]), "row " + j + ", " + at);
                    same(want, four[j], "four rows unscaled, row " + j + ", " + at);
                    same(want, fourScaled[j], "four rows scaled, row " + j + ", " + at);
                }
                int row = rnd.nextInt(4), col = rnd.nextInt(n);
                w.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, (long) row * n + col, (short) (rnd.nextBoolean() ? 0x7c00 : 0xfe01));
                String where = "a special half at row " + row + " value " + col + ", " + at;
                assertTrue(Float.isNaN(HalfDot.f16Scaled(w, 2L * n * row, xs, 0, n, new float[Simd.L])), where);
                boolean inVectors = col < n / (2 * Simd.L) * (2 * Simd.L);
                HalfDot.f16Rows4(w, 0, 2L * n, xd, 0, n, four, false);
                assertEquals(!inVectors, HalfDot.f16Rows4(w, 0, 2L * n, xs, 0, n, fourScaled, true), where);
                if (!inVectors) {
                    for (int j = 0; j < 4; j++) {
                        same(Float.floatToRawIntBits(four[j]), fourScaled[j], "row " + j + ", " + where);
                    }
                }
            }
        }
    }

    /**
     * Two to four activation rows at once add, per row, the products of the one-row kernel in its order,
     * also where a weight vector holds an infinity or NaN (the decode's rare path) and where none does.
     */
    @Test
    void multiRowKernelsEqualTheRowKernelPerRow() {
        java.util.Random rnd = new java.util.Random(11);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[]{1, 2 * Simd.L, 2 * Simd.L + 5, 6 * Simd.L + 1, 1000}) {
                for (int rows = 2; rows <= 4; rows++) {
                    MemorySegment w = arena.allocate(2L * n), x = arena.allocate(4L * n * rows), xd = arena.allocate(4L * n * rows);
                    for (int i = 0; i < n; i++) {
                        float v = (float) rnd.nextGaussian();
                        if (i % 37 == 5) { // one vector in a few holds a special value
                            v = new float[]{Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN}[i % 3];
                        }
                        w.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16(v));
                    }
                    for (int i = 0; i < n * rows; i++) {
                        x.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) rnd.nextGaussian());
                    }
                    HalfDot.deinterleave(x, xd, rows, n);
                    float[] f16 = new float[4], bf16 = new float[4];
                    HalfDot.f16x4(w, 0, xd, 0, 4L * n, rows, n, f16);
                    HalfDot.bf16x4(w, 0, xd, 0, 4L * n, rows, n, bf16);
                    for (int r = 0; r < rows; r++) {
                        String at = "n=" + n + " rows=" + rows + " row " + r + " with " + Simd.describe();
                        same(Float.floatToRawIntBits(HalfDot.f16(w, 0, xd, 4L * n * r, n)), f16[r], "f16 " + at);
                        same(Float.floatToRawIntBits(HalfDot.bf16(w, 0, xd, 4L * n * r, n, new float[Simd.L])), bf16[r], "bf16 " + at);
                    }
                }
            }
        }
    }
    /**
     * Four weight rows against one activation row add, per weight row, the products of the one-row
     * kernel in its order: with infinities and NaNs in some rows only (the decode's rare path runs for
     * all four then, and must leave the others' values as they are), and in none.
     */
    @Test
    void fourWeightRowKernelsEqualTheRowKernelPerRow() {
        java.util.Random rnd = new java.util.Random(13);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[]{1, 2 * Simd.L, 2 * Simd.L + 5, 6 * Simd.L + 1, 1000, 4099}) {
                for (int special : new int[]{-1, 0, 3}) { // the weight row holding special values, or none
                    MemorySegment w = arena.allocate(2L * n * 4), x = arena.allocate(4L * n), xd = arena.allocate(4L * n);
                    for (int row = 0; row < 4; row++) {
                        for (int i = 0; i < n; i++) {
                            float v = (float) rnd.nextGaussian();
                            if (row == special && i % 37 == 5) {
                                v = new float[]{Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN}[i % 3];
                            }
                            w.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, (long) row * n + i, Float.floatToFloat16(v));
                        }
                    }
                    for (int i = 0; i < n; i++) {
                        x.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) rnd.nextGaussian());
                    }
                    HalfDot.deinterleave(x, xd, 1, n);
                    float[] f16 = new float[4], bf16 = new float[4];
                    HalfDot.f16Rows4(w, 0, 2L * n, xd, 0, n, f16, false);
                    HalfDot.bf16Rows4(w, 0, 2L * n, xd, 0, n, bf16);
                    for (int row = 0; row < 4; row++) {
                        String at = "n=" + n + " weight row " + row + " specials in row " + special + " with " + Simd.describe();
                        same(Float.floatToRawIntBits(HalfDot.f16(w, 2L * n * row, xd, 0, n)), f16[row], "f16 " + at);
                        same(Float.floatToRawIntBits(HalfDot.bf16(w, 2L * n * row, xd, 0, n, new float[Simd.L])), bf16[row], "bf16 " + at);
                    }
                }
            }
        }
    }
}
